// The facts of one export, for the compliance engine (policies/compliance): the exporter's
// profile and artefacts, the dataset's declared compliance facts plus what its fields show, and
// the exporter's counters for the calendar year. What nobody declared stays undefined: the engine
// answers needs-info, naming it, rather than the gateway guessing.
import type { ExportFacts } from '../../policies/compliance/index.js';
import type { Dataset, Participant } from '../state/control-plane.js';

/** Field categories that make personal information sensitive (PIPL Art 28; trajectories per the Auto Data Provisions). */
export const SENSITIVE_CATEGORIES: ReadonlySet<string> = new Set([
  'health', 'medical', 'genetic', 'biometric', 'location', 'trajectory', 'financial', 'minor', 'minors', 'religion', 'identity-document',
]);

/** The calendar date and year in China (UTC+8), where the thresholds' calendar year is counted. */
export function chinaDate(now: Date): { date: string; year: number } {
  const date = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  return { date, year: Number(date.slice(0, 4)) };
}

export interface FactsInput {
  date: string;
  exporter: Participant;
  dataset: Dataset;
  counters: { nonSensitiveSubjects: number; sensitiveSubjects: number };
  /** Individuals in this export (default: what the dataset declares). */
  subjects?: { subjects: number; sensitiveSubjects: number };
}

export function exportFacts(input: FactsInput): ExportFacts {
  return gatherFacts(input) as ExportFacts;
}

function gatherFacts(input: FactsInput): Record<string, unknown> & { transfer: Record<string, unknown> } {
  const { exporter, dataset } = input;
  const profile = exporter.exporter;
  const declared = dataset.compliance ?? {};
  const fields = dataset.schema.fields;
  const fieldCategories = fields.flatMap((f) => (f.category ? [f.category] : []));
  const categories = [...new Set([...(declared.categories ?? []), ...fieldCategories])].sort();
  // What the schema shows: identifiers or categorised fields are personal information; a sensitive
  // category (or declared sensitive subjects) is sensitive personal information.
  const personalInfo = declared.personalInfo ?? fields.some((f) => f.role === 'direct-identifier' || f.role === 'quasi-identifier' || f.category !== undefined);
  const sensitivePersonalInfo = declared.sensitivePersonalInfo ?? ((dataset.sensitiveSubjects ?? 0) > 0 || categories.some((c) => SENSITIVE_CATEGORIES.has(c)));
  const subjects = input.subjects ?? {
    subjects: dataset.subjects,
    sensitiveSubjects: dataset.sensitiveSubjects ?? (sensitivePersonalInfo ? dataset.subjects : 0),
  };
  const sector = declared.sector ?? profile?.sector;
  return {
    date: input.date,
    // Keys nobody declared are left out (never undefined: the facts are logged as canonical JSON).
    exporter: {
      ...(profile?.ciio !== undefined && { ciio: profile.ciio }),
      ...(profile?.zone !== undefined && { zone: profile.zone }),
      ...(profile?.negativeList !== undefined && { negativeList: profile.negativeList }),
      ...(profile?.artefacts !== undefined && { artefacts: profile.artefacts }),
    },
    transfer: {
      ...(sector !== undefined && { sector }),
      ...(declared.scenario !== undefined && { scenario: declared.scenario }),
      categories,
      personalInfo,
      sensitivePersonalInfo,
      ...(declared.importantData !== undefined && { importantData: declared.importantData }),
      ...(declared.coreData !== undefined && { coreData: declared.coreData }),
      ...(declared.hgr !== undefined && { hgr: declared.hgr }),
      ...(declared.basis !== undefined && { basis: declared.basis }),
      subjects: subjects.subjects,
      sensitiveSubjects: subjects.sensitiveSubjects,
    },
    counters: { ...input.counters },
  };
}
