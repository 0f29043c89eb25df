// What the ledger says of each exporter's compliance: its decisions (denials among them), the
// transfers stopped on compliance grounds, and its calendar-year counters of distinct individuals
// whose personal information left. Rebuilt from the ledger with the rest of the control plane.

export type DecisionStage = 'negotiation' | 'transfer-start' | 'threshold';

/** The body of a `compliance.decision` ledger entry: enough to re-run the decision offline. */
export interface DecisionEntry {
  exporter: string;
  stage: DecisionStage;
  datasetId: string;
  consumer?: string;
  negotiation?: string;
  transfer?: string;
  facts: Record<string, unknown>;
  decision: { pathway: string; satisfied: boolean; rules: { id: string; source: string; reason: string }[]; required: string[]; missing: string[]; warnings?: string[] };
  rules: { version: string; hash: string };
}

/** The body of a `compliance.counted` entry: the exporter's totals for the year after a transfer's batch. */
export interface CountedEntry {
  exporter: string;
  year: number;
  transfer: string;
  /** Distinct individuals whose personal information (of any kind) left this year, and whose sensitive personal information did. */
  nonSensitiveSubjects: number;
  sensitiveSubjects: number;
}

/** The body of a `compliance.stopped` entry: a transfer stopped before a row crossed a line. */
export interface StoppedEntry {
  exporter: string;
  transfer: string;
  datasetId: string;
  code: string;
  reason: string;
  /** Rows that had left when it stopped. */
  rowsOut: number;
}

export type ComplianceEvent =
  | { type: 'compliance.decision'; body: DecisionEntry }
  | { type: 'compliance.counted'; body: CountedEntry }
  | { type: 'compliance.stopped'; body: StoppedEntry };

export interface RecordedDecision {
  seq: number;
  time: string;
  stage: DecisionStage;
  datasetId: string;
  consumer?: string;
  negotiation?: string;
  transfer?: string;
  pathway: string;
  satisfied: boolean;
  /** The decisive rule. */
  rule: string;
  missing: string[];
}

export interface ExporterRecord {
  decisions: number;
  /** The most recent denials (a decision not satisfied), newest last. */
  denials: RecordedDecision[];
  /** The most recent decision of each stage. */
  last: Partial<Record<DecisionStage, RecordedDecision>>;
  stopped: (StoppedEntry & { seq: number; time: string })[];
  /** By calendar year (China time). */
  counters: Map<number, { nonSensitiveSubjects: number; sensitiveSubjects: number }>;
}

/** Denials and stops kept per exporter in memory (the ledger has them all). */
const KEEP = 200;

export class ComplianceState {
  readonly exporters = new Map<string, ExporterRecord>();

  record(exporter: string): ExporterRecord {
    let r = this.exporters.get(exporter);
    if (!r) {
      r = { decisions: 0, denials: [], last: {}, stopped: [], counters: new Map() };
      this.exporters.set(exporter, r);
    }
    return r;
  }

  counters(exporter: string, year: number): { nonSensitiveSubjects: number; sensitiveSubjects: number } {
    return this.exporters.get(exporter)?.counters.get(year) ?? { nonSensitiveSubjects: 0, sensitiveSubjects: 0 };
  }

  apply(e: ComplianceEvent, time: string, seq: number): void {
    const r = this.record(e.body.exporter);
    switch (e.type) {
      case 'compliance.decision': {
        const b = e.body;
        const d: RecordedDecision = {
          seq, time, stage: b.stage, datasetId: b.datasetId, pathway: b.decision.pathway, satisfied: b.decision.satisfied,
          rule: b.decision.rules[0]?.id ?? '', missing: b.decision.missing,
          ...(b.consumer && { consumer: b.consumer }), ...(b.negotiation && { negotiation: b.negotiation }), ...(b.transfer && { transfer: b.transfer }),
        };
        r.decisions++;
        r.last[b.stage] = d;
        if (!d.satisfied) keep(r.denials, d);
        return;
      }
      case 'compliance.counted': {
        // Totals only grow: an entry never lowers what an earlier one recorded.
        const now = r.counters.get(e.body.year) ?? { nonSensitiveSubjects: 0, sensitiveSubjects: 0 };
        r.counters.set(e.body.year, {
          nonSensitiveSubjects: Math.max(now.nonSensitiveSubjects, e.body.nonSensitiveSubjects),
          sensitiveSubjects: Math.max(now.sensitiveSubjects, e.body.sensitiveSubjects),
        });
        return;
      }
      case 'compliance.stopped':
        keep(r.stopped, { ...e.body, seq, time });
    }
  }
}

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP) list.shift();
}
