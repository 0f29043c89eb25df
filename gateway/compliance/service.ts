// The compliance engine at work in the gateway: every decision (at negotiation, at transfer start,
// at a volume threshold mid-transfer) is taken by policies/compliance on facts gathered here and
// written to the ledger with those facts and the rule set's version and hash, so that an auditor
// can re-run it (`dataport pathway --replay`). The data plane asks `gate()` before each batch's
// rows leave: it counts the distinct individuals, and stops the transfer before the first row
// that would cross a threshold whose pathway is not satisfied, or that exceeds what the dataset
// declared.
import type { RecordBatch, Vector } from 'apache-arrow';
import { DataportError, type ErrorCode } from '../../crypto/errors.js';
import { exportPathway, rulesHash, volumeThresholds, type ExportFacts, type PathwayDecision, type RuleSet } from '../../policies/compliance/index.js';
import type { PipelinePlan } from '../../policies/pipeline/plan.js';
import type { ControlPlane, Dataset, Participant } from '../state/control-plane.js';
import type { Transfer } from '../state/transfers.js';
import { chinaDate, exportFacts } from './facts.js';
import type { DecisionStage } from './state.js';
import { isUtf8, isValid, keyAt, sameUtf8, utf8Column } from '../pipeline/transforms/columns.js';
import { HASH_BYTES, subjectHasher, type SubjectKind } from './subject-store.js';
import type { SubjectCounts } from '../store/types.js';

export interface ComplianceOptions {
  state: ControlPlane;
  rules: RuleSet;
  /** The distinct individuals counted per exporter and year (files, or PostgreSQL shared by replicas). */
  subjects: SubjectCounts;
  /** The gateway's own secret: the subject hashes are keyed per exporter from it. */
  secret: Uint8Array;
  now?: () => Date;
}

/** Subject hashes remembered per transfer. */
const MEMO_ENTRIES = 100_000;

/** What the data plane may send of one batch, and why it must stop if not all. */
export interface Admission {
  rows: number;
  stop?: DataportError;
}

export interface TransferGate {
  admit(batch: RecordBatch): Promise<Admission>;
}

/** The DP_ERR_ code of a decision that does not let the data leave. */
export function refusalCode(d: PathwayDecision): ErrorCode {
  switch (d.pathway) {
    case 'blocked': return 'DP_ERR_COMPLIANCE_BLOCKED';
    case 'needs-info': return 'DP_ERR_COMPLIANCE_NEEDS_INFO';
    case 'escalate': return 'DP_ERR_COMPLIANCE_ESCALATE';
    default: return 'DP_ERR_COMPLIANCE_UNSATISFIED';
  }
}

export class ComplianceService {
  private readonly o: ComplianceOptions;
  private readonly now: () => Date;
  readonly rules: RuleSet;
  readonly rulesId: { version: string; hash: string };

  constructor(opts: ComplianceOptions) {
    this.o = opts;
    this.now = opts.now ?? (() => new Date());
    this.rules = opts.rules;
    this.rulesId = { version: opts.rules.version, hash: rulesHash(opts.rules) };
  }

  /** The exporter's counters for the current calendar year (China time). */
  counters(exporter: string): { year: number; nonSensitiveSubjects: number; sensitiveSubjects: number } {
    const { year } = chinaDate(this.now());
    return { year, ...this.o.state.compliance.counters(exporter, year) };
  }

  /** The facts of exporting `dataset` now, with the exporter's current counters. */
  facts(dataset: Dataset): ExportFacts {
    const exporter = this.exporterOf(dataset);
    const { year: _, ...counters } = this.counters(exporter.did);
    return exportFacts({ date: chinaDate(this.now()).date, exporter, dataset, counters });
  }

  /** Takes and records the decision for exporting `dataset` now; the decision and its ledger sequence number. */
  async decide(stage: DecisionStage, dataset: Dataset, ids: { consumer?: string; negotiation?: string; transfer?: string }, subjects?: { subjects: number; sensitiveSubjects: number }, counters?: { nonSensitiveSubjects: number; sensitiveSubjects: number }): Promise<{ decision: PathwayDecision; facts: ExportFacts; seq: number }> {
    const exporter = this.exporterOf(dataset);
    const { date } = chinaDate(this.now());
    const { year: _, ...current } = this.counters(exporter.did);
    const facts = exportFacts({ date, exporter, dataset, counters: counters ?? current, ...(subjects && { subjects }) });
    const decision = exportPathway(facts, this.o.rules);
    const seq = await this.o.state.commit({
      type: 'compliance.decision',
      body: { exporter: exporter.did, stage, datasetId: dataset.id, ...ids, facts: facts as unknown as Record<string, unknown>, decision, rules: this.rulesId },
    });
    return { decision, facts, seq };
  }

  /** As decide, and throws DP_ERR_COMPLIANCE_... (with the decision and its ledger entry) unless the data may leave. */
  async require(stage: DecisionStage, dataset: Dataset, ids: { consumer?: string; negotiation?: string; transfer?: string }): Promise<PathwayDecision> {
    const { decision, seq } = await this.decide(stage, dataset, ids);
    if (!decision.satisfied) throw refusal(decision, seq, `the export of ${dataset.id} by ${dataset.provider}`);
    return decision;
  }

  /** The admission check of one transfer's batches (the data plane calls it before each batch's rows leave). */
  gate(t: Transfer, dataset: Dataset, startFacts: ExportFacts): TransferGate {
    const exporter = dataset.provider;
    const plan = t.plan as PipelinePlan;
    const subjectColumn = dataset.compliance?.subjectColumn ?? plan.subjectColumn ?? soleIdentifier(dataset);
    const hash = subjectHasher(this.o.secret, exporter);
    const kinds: SubjectKind[] = [
      ...(startFacts.transfer.personalInfo ? (['pi'] as const) : []),
      ...(startFacts.transfer.sensitivePersonalInfo ? (['sensitive'] as const) : []),
    ];
    const thresholds = volumeThresholds(startFacts, this.o.rules);
    const limits: Record<SubjectKind, number[]> = { pi: thresholds.nonSensitive, sensitive: thresholds.sensitive };
    const declared = dataset.subjects;
    const inTransfer = new Set<string>();
    const memo = new Map<string, Uint8Array>();
    let rowsOut = 0;
    const subjects = this.o.subjects;

    return {
      admit: async (batch) => {
        const n = batch.numRows;
        if (kinds.length === 0) return { rows: n };
        const { year } = chinaDate(this.now());
        const column = subjectColumn === undefined ? undefined : (batch.getChild(subjectColumn) as Vector | null);
        // The batch's distinct individuals, in the order they first appear (one has many rows:
        // visits, GPS points); only those are hashed and looked up.
        const index = new Map<string, number>();
        const distinct: string[] = [];
        const rowOf = new Int32Array(n);
        // Utf8 subject ids are keyed by their bytes (keyAt: no decoding); other types by their text.
        const text = column && isUtf8(column.type) && column.data.length === 1 ? utf8Column(column.data[0]!) : undefined;
        for (let i = 0; i < n; i++) {
          // A run of rows of one individual (data ordered by person or vehicle): compared as bytes.
          if (i > 0 && text && isValid(text.valid, i) && isValid(text.valid, i - 1) && sameUtf8(text, i, i - 1)) {
            rowOf[i] = rowOf[i - 1]!;
            continue;
          }
          // No subject column, or no value: the row is an individual of its own (counting too many is the safe side).
          const v = text ? (isValid(text.valid, i) ? keyAt(text, i) : null) : (column?.get(i) as unknown);
          const key = v === null || v === undefined ? `row:${t.providerPid}:${rowsOut + i}` : String(v);
          let d = index.get(key);
          if (d === undefined) {
            d = distinct.length;
            index.set(key, d);
            distinct.push(key);
          }
          rowOf[i] = d;
        }
        const m = distinct.length;
        const hashes = new Uint8Array(m * HASH_BYTES);
        for (let d = 0; d < m; d++) {
          const known = memo.get(distinct[d]!);
          if (known) hashes.set(known, d * HASH_BYTES);
          else {
            // The hash is of the id's UTF-8 bytes either way.
            hash(Buffer.from(distinct[d]!, text ? 'latin1' : 'utf8'), hashes, d * HASH_BYTES);
            if (memo.size < MEMO_ENTRIES) memo.set(distinct[d]!, hashes.slice(d * HASH_BYTES, (d + 1) * HASH_BYTES));
          }
        }
        // The exporter's year is held (on every replica) from the look-up to the count: two
        // transfers cannot both take the year's total past a threshold.
        const { rows, stop, added, counts } = await subjects.withYear(exporter, year, async (book) => {
          const fresh: Uint8Array[] = [];
          for (const k of kinds) fresh.push(await book.probe(k, hashes, m));
          const totals = kinds.map((k) => Math.max(book.count(k), this.counted(exporter, year, k)));
          let rows = n;
          let admitted = 0; // distinct individuals of the batch whose first row may leave
          let stop: DataportError | undefined;
          for (let i = 0; i < n && stop === undefined; i++) {
            const d = rowOf[i]!;
            if (d < admitted) continue; // seen earlier in this batch
            const key = distinct[d]!;
            if (!inTransfer.has(key) && inTransfer.size + 1 > declared) {
              rows = i;
              stop = new DataportError('DP_ERR_COMPLIANCE_SUBJECTS_EXCEEDED', `${dataset.id} declares ${declared} individuals, but this transfer reached a ${declared + 1}th: stopped as a risk signal before that row left`, { declared, rowsOut: rowsOut + i });
              break;
            }
            for (let k = 0; k < kinds.length; k++) {
              if (!fresh[k]![d]) continue;
              totals[k]!++;
              if (!limits[kinds[k]!].includes(totals[k]!)) continue;
              // This row takes the year's total to a threshold: decide again at that total.
              const counters = { nonSensitiveSubjects: totals[kinds.indexOf('pi')] ?? 0, sensitiveSubjects: totals[kinds.indexOf('sensitive')] ?? 0 };
              const { decision, seq } = await this.decide('threshold', dataset, { transfer: t.providerPid, consumer: t.consumer }, { subjects: 0, sensitiveSubjects: 0 }, counters);
              if (!decision.satisfied) {
                rows = i;
                stop = refusal(decision, seq, `row ${rowsOut + i + 1} of transfer ${t.providerPid} would take ${exporter}'s ${kinds[k] === 'pi' ? 'individuals' : 'individuals with sensitive personal information'} this year to ${totals[k]}`, 'DP_ERR_COMPLIANCE_THRESHOLD');
                break;
              }
            }
            if (stop !== undefined) break;
            inTransfer.add(key);
            admitted = d + 1;
          }
          // Durable when withYear resolves, before the rows leave: what is counted may exceed
          // what left, never the reverse.
          const added = kinds.map((k) => book.add(k, hashes, admitted));
          return { rows, stop, added, counts: kinds.map((k) => book.count(k)) };
        });
        if (added.some((a) => a > 0)) {
          const count = (k: SubjectKind) => (kinds.includes(k) ? counts[kinds.indexOf(k)]! : this.counted(exporter, year, k));
          await this.o.state.commit({
            type: 'compliance.counted',
            body: { exporter, year, transfer: t.providerPid, nonSensitiveSubjects: count('pi'), sensitiveSubjects: count('sensitive') },
          });
        }
        rowsOut += rows;
        if (stop) {
          await this.o.state.commit({ type: 'compliance.stopped', body: { exporter, transfer: t.providerPid, datasetId: dataset.id, code: stop.code, reason: stop.detail, rowsOut } });
        }
        return stop ? { rows, stop } : { rows };
      },
    };
  }

  private counted(exporter: string, year: number, kind: SubjectKind): number {
    const c = this.o.state.compliance.counters(exporter, year);
    return kind === 'pi' ? c.nonSensitiveSubjects : c.sensitiveSubjects;
  }

  private exporterOf(dataset: Dataset): Participant {
    const p = this.o.state.participant(dataset.provider);
    if (!p) throw new DataportError('DP_ERR_NOT_FOUND', `the provider ${dataset.provider} of ${dataset.id} is not registered`);
    return p;
  }
}

function refusal(d: PathwayDecision, seq: number, what: string, code: ErrorCode = refusalCode(d)): DataportError {
  const why = d.rules[0] ? `${d.rules[0].id} (${d.rules[0].source}): ${d.rules[0].reason}` : d.pathway;
  const missing = d.missing.length > 0 ? `; missing: ${d.missing.join(', ')}` : '';
  return new DataportError(code, `${what}: pathway ${d.pathway}, ${d.satisfied ? 'satisfied' : 'not satisfied'}: ${why}${missing}`, { decision: d, ledgerSeq: seq });
}

function soleIdentifier(dataset: Dataset): string | undefined {
  const ids = dataset.schema.fields.filter((f) => f.role === 'direct-identifier');
  return ids.length === 1 ? ids[0]!.name : undefined;
}
