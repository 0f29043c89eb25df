// Facts for the compliance engine tests: a plain exporter (not a CIIO, no zone, a current impact
// assessment) sending non-sensitive personal information of 1,000 individuals on a Monday, and
// builders that change one part of it.
import type { Artefacts, ExportFacts } from '../../../policies/compliance/index.js';

/** A Monday. */
export const DATE = '2026-03-02';

type Exporter = ExportFacts['exporter'];
type Transfer = ExportFacts['transfer'];

export interface FactsChanges {
  date?: string;
  exporter?: Partial<Exporter>;
  artefacts?: Artefacts;
  transfer?: Partial<Transfer>;
  counters?: Partial<ExportFacts['counters']>;
}

export function facts(c: FactsChanges = {}): ExportFacts {
  return {
    date: c.date ?? DATE,
    exporter: { ciio: false, zone: 'none', ...c.exporter, artefacts: { pia: { date: '2025-06-01' }, ...c.artefacts } },
    transfer: { personalInfo: true, sensitivePersonalInfo: false, importantData: 'none', subjects: 1000, sensitiveSubjects: 0, ...c.transfer },
    counters: { nonSensitiveSubjects: 0, sensitiveSubjects: 0, ...c.counters },
  };
}

/** Facts without personal information. */
export const noPI = (c: FactsChanges = {}): ExportFacts => facts({ ...c, transfer: { personalInfo: false, subjects: 0, ...c.transfer } });

/** `facts` with one dotted path set to `value` (undefined deletes it). */
export function withPath(f: ExportFacts, path: string, value: unknown): ExportFacts {
  const copy = structuredClone(f) as unknown as Record<string, unknown>;
  const names = path.split('.');
  let at = copy;
  for (const name of names.slice(0, -1)) at = at[name] as Record<string, unknown>;
  if (value === undefined) delete at[names.at(-1)!];
  else at[names.at(-1)!] = value;
  return copy as unknown as ExportFacts;
}

/** The rule ids of a decision's trace, in order. */
export const ruleIds = (d: { rules: { id: string }[] }): string[] => d.rules.map((r) => r.id);

/** The shipped rule directory as built (dist/policies/compliance/rules/). */
export const SHIPPED_RULES = new URL('../../../policies/compliance/rules/', import.meta.url);
