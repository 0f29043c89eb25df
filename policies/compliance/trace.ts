// A decision as it is built: the decisive rule, the other rules that applied in the order they
// did, the artefacts and duties they require, what is missing, and warnings for a person.
import type { Pathway, PathwayDecision, RuleId, RuleTrace } from './types.js';

/** Pathways that let no data leave, whatever is on file. */
const STOPS: readonly Pathway[] = ['blocked', 'needs-info', 'escalate'];

export class DecisionTrace {
  private decisive: RuleTrace | undefined;
  private readonly applied: RuleTrace[] = [];
  private readonly artefacts: string[] = [];
  private readonly duties: string[] = [];
  private readonly missing: string[] = [];
  private readonly warnings: string[] = [];
  private readonly sources: Readonly<Record<RuleId, string>>;

  constructor(sources: Readonly<Record<RuleId, string>>) {
    this.sources = sources;
  }

  /** The rule that decides the pathway. */
  decide(id: RuleId, reason: string): this {
    this.decisive = { id, source: this.sources[id], reason };
    return this;
  }

  /** A rule that applied without deciding: it adds requirements, or says why it did not decide. */
  note(id: RuleId, reason: string): this {
    this.applied.push({ id, source: this.sources[id], reason });
    return this;
  }

  /** The artefact the pathway itself needs (listed first in `required`). */
  requireArtefact(name: string): this {
    add(this.artefacts, name);
    return this;
  }

  require(...duties: string[]): this {
    for (const d of duties) add(this.duties, d);
    return this;
  }

  lack(...names: string[]): this {
    for (const m of names) add(this.missing, m);
    return this;
  }

  warn(...texts: string[]): this {
    for (const w of texts) add(this.warnings, w);
    return this;
  }

  finish(pathway: Pathway, totals?: PathwayDecision['totals']): PathwayDecision {
    return {
      pathway,
      satisfied: !STOPS.includes(pathway) && this.missing.length === 0,
      rules: this.decisive ? [this.decisive, ...this.applied] : [...this.applied],
      required: [...this.artefacts, ...this.duties],
      missing: [...this.missing],
      warnings: [...this.warnings],
      ...(totals && { totals: { ...totals } }),
    };
  }
}

function add(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

/** 1234567 as 1,234,567. */
export const n = (x: number): string => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
