// Homomorphic aggregation jobs as the ledger records them: opened by an analyst, contributed to by
// providers (each contribution's ciphertext digest), released (the noisy total's digest, the
// epsilon spent) or failed. Rebuilt from the ledger with the rest of the control plane; the
// ciphertexts themselves are in the store's blobs (gateway/aggregation/service.ts).
import type { JobBase } from '../../policies/aggregation/job.js';

export interface Job extends JobBase {
  /** The analyst's agreements the job rests on, each with its dataset and provider. */
  sources: { agreementId: string; datasetId: string; provider: string }[];
  /** Provider DID -> ciphertext digest (SHA-256 hex). */
  contributions: Map<string, string>;
  released?: { at: string; contributors: number; scale: number; bound95: number; digest: string };
}

export type AggregationEvent =
  | { type: 'aggregation.opened'; body: Omit<Job, 'state' | 'contributions' | 'openedAt' | 'released' | 'failure'> }
  | { type: 'aggregation.contributed'; body: { job: string; provider: string; digest: string; bytes: number } }
  | { type: 'aggregation.released'; body: { job: string; contributors: number; epsilon: number; scale: number; bound95: number; digest: string; debited: { analyst: string; datasetId: string; epsilon: number }[] } }
  | { type: 'aggregation.failed'; body: { job: string; reason: string } };

export class AggregationState {
  readonly jobs = new Map<string, Job>();
  /** Epsilon spent, by `${analyst} ${datasetId}`. */
  readonly spent = new Map<string, number>();

  spentBy(analyst: string, datasetId: string): number {
    return this.spent.get(`${analyst} ${datasetId}`) ?? 0;
  }

  /** Spent, plus what the analyst's open jobs over the dataset will spend when released. */
  committed(analyst: string, datasetId: string): number {
    let open = 0;
    for (const job of this.jobs.values()) {
      if (job.state === 'OPEN' && job.analyst === analyst && job.sources.some((s) => s.datasetId === datasetId)) open += job.epsilon;
    }
    return this.spentBy(analyst, datasetId) + open;
  }

  apply(e: AggregationEvent, time: string): void {
    switch (e.type) {
      case 'aggregation.opened':
        this.jobs.set(e.body.id, { ...e.body, openedAt: time, state: 'OPEN', contributions: new Map() });
        return;
      case 'aggregation.contributed':
        this.jobs.get(e.body.job)?.contributions.set(e.body.provider, e.body.digest);
        return;
      case 'aggregation.released': {
        const job = this.jobs.get(e.body.job);
        if (job) {
          job.state = 'RELEASED';
          job.released = { at: time, contributors: e.body.contributors, scale: e.body.scale, bound95: e.body.bound95, digest: e.body.digest };
        }
        for (const d of e.body.debited) {
          const key = `${d.analyst} ${d.datasetId}`;
          this.spent.set(key, (this.spent.get(key) ?? 0) + d.epsilon);
        }
        return;
      }
      case 'aggregation.failed': {
        const job = this.jobs.get(e.body.job);
        if (job) {
          job.state = 'FAILED';
          job.failure = e.body.reason;
        }
      }
    }
  }
}
