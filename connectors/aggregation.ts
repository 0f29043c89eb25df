// Both sides of a homomorphic aggregation job. The analyst makes a BFV key pair (the secret key
// never leaves it), opens a job over its agreements and decrypts the released total. A provider
// computes its local aggregate from its own file, leaves out its cells resting on fewer records
// than the terms' minimum cohort, encrypts the vector under the analyst's public key and submits
// it; no plaintext of it leaves.
import type { RecordBatch, Vector } from 'apache-arrow';
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { DataportError } from '../crypto/errors.js';
import { decryptVector, encryptVector, generateAnalystKeys, type AnalystKeyPair, type HeParamSet } from '../crypto/he/index.js';
import type { JobView } from '../policies/aggregation/job.js';
import { cellIndexer, cellLabels, cellCount, type AggregationQuery } from '../policies/aggregation/terms.js';
import type { SignedClient } from './signed-http.js';
import { readSource, type ReadSourceOptions, type SourceFormat } from './sources/index.js';

export type { JobView };

export interface AggregateCell {
  /** The cell's value of each group-by column. */
  labels: Record<string, string>;
  /** The noisy total. */
  value: number;
}

export interface AggregateResult {
  job: JobView;
  cells: AggregateCell[];
  /** What was added to every cell: discrete Laplace noise of this scale; |noise| <= bound with the given confidence. */
  noise: NonNullable<JobView['released']>['noise'];
}

export interface Contribution {
  records: number;
  /** Records that fell in a cell of the query. */
  counted: number;
  cells: number;
  /** Cells left out (as 0) because fewer than minCohort of this provider's records fell in them. */
  suppressedCells: number;
}

export class AggregationClient {
  constructor(private readonly http: SignedClient) {}

  // ---- analyst ------------------------------------------------------------------------------

  /** Opens a job; keep the returned keys: only they decrypt the result. */
  async open(input: { agreements: string[]; query: AggregationQuery; epsilon: number; deadline: Date | string; paramSet?: HeParamSet; keys?: AnalystKeyPair }): Promise<{ job: JobView; keys: AnalystKeyPair }> {
    const keys = input.keys ?? (await generateAnalystKeys(input.paramSet ?? 'bfv-8192'));
    const job = await this.http.json<JobView>('POST', '/aggregation/jobs', {
      agreements: input.agreements, query: input.query, paramSet: keys.paramSet, publicKey: toBase64(keys.publicKey), epsilon: input.epsilon,
      deadline: input.deadline instanceof Date ? input.deadline.toISOString() : input.deadline,
    });
    return { job, keys };
  }

  job(id: string): Promise<JobView> {
    return this.http.json<JobView>('GET', `/aggregation/jobs/${encodeURIComponent(id)}`);
  }

  /** The decrypted noisy totals of a released job; DP_ERR_CONFLICT while it is open, or if it failed. */
  async result(id: string, keys: AnalystKeyPair): Promise<AggregateResult> {
    const job = await this.job(id);
    if (job.state !== 'RELEASED' || !job.released?.ciphertext) {
      throw new DataportError('DP_ERR_CONFLICT', `job ${id} is ${job.state.toLowerCase()}${job.failure ? `: ${job.failure}` : ''}`);
    }
    const n = cellCount(job.query);
    const values = await decryptVector(keys, fromBase64(job.released.ciphertext), n);
    const labels = cellLabels(job.query);
    const columns = job.query.groupBy.map((g) => g.column);
    return {
      job,
      noise: job.released.noise,
      cells: labels.map((l, i) => ({ labels: Object.fromEntries(columns.map((c, j) => [c, l[j]!])), value: Number(values[i]!) })),
    };
  }

  /** Polls until the job is released or failed (or `timeoutMs` passes). */
  async settled(id: string, timeoutMs = 60_000, everyMs = 100): Promise<JobView> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (job.state !== 'OPEN') return job;
      if (Date.now() > end) throw new DataportError('DP_ERR_CONFLICT', `job ${id} is still open after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  // ---- provider ------------------------------------------------------------------------------

  /** Computes this provider's aggregate for the job from its own file, encrypts it and submits it. */
  async contribute(id: string, source: { path: string; format: SourceFormat } & ReadSourceOptions): Promise<Contribution> {
    const job = await this.job(id);
    const { vector, contribution } = await localAggregate(job, readSource(source.path, source.format, source));
    const ciphertext = await encryptVector(job.paramSet, fromBase64(job.publicKey), vector);
    await this.http.json('POST', `/aggregation/jobs/${encodeURIComponent(id)}/contributions`, { ciphertext: toBase64(ciphertext) });
    return contribution;
  }
}

/**
 * The job's statistic over `batches`, cell by cell, with the provider's small cells left out:
 * counts of matching records, or sums of the value column clipped to the job's sensitivity.
 */
export async function localAggregate(job: Pick<JobView, 'query' | 'minCohort' | 'sensitivity'>, batches: AsyncIterable<RecordBatch>): Promise<{ vector: number[]; contribution: Contribution }> {
  const q = job.query;
  const n = cellCount(q);
  const totals = new Array<number>(n).fill(0);
  const records = new Array<number>(n).fill(0);
  const cellOf = cellIndexer(q);
  let seen = 0;
  let counted = 0;
  for await (const batch of batches) {
    const column = (name: string): Vector => {
      const v = batch.getChild(name);
      if (!v) throw new DataportError('DP_ERR_SCHEMA_MISMATCH', `the job's query needs column ${JSON.stringify(name)}, which the data does not have`);
      return v;
    };
    const groups = q.groupBy.map((g) => column(g.column));
    const where = (q.where ?? []).map((w) => ({ v: column(w.column), equals: w.equals }));
    const value = q.value === undefined ? undefined : column(q.value);
    // One accessor per batch, over the row the loop is at: no closure or column look-up per row.
    let i = 0;
    const groupValue = (c: number) => text(groups[c]!.get(i));
    rows: for (; i < batch.numRows; i++) {
      seen++;
      for (const w of where) if (text(w.v.get(i)) !== w.equals) continue rows;
      const cell = cellOf(groupValue);
      if (cell < 0) continue;
      counted++;
      records[cell]!++;
      if (value === undefined) totals[cell]!++;
      else {
        const x = Number(value.get(i));
        if (Number.isFinite(x)) totals[cell]! += Math.max(-job.sensitivity, Math.min(job.sensitivity, Math.round(x)));
      }
    }
  }
  let suppressedCells = 0;
  for (let c = 0; c < n; c++) {
    if (records[c]! > 0 && records[c]! < job.minCohort) {
      totals[c] = 0;
      suppressedCells++;
    }
  }
  return { vector: totals, contribution: { records: seen, counted, cells: n, suppressedCells } };
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
