// A homomorphic aggregation job as its parties see it: what the gateway's routes send
// (gateway/aggregation/routes.ts) and the SDK reads (connectors/aggregation.ts), one type for both.
import type { HeParamSet } from '../../crypto/he/index.js';
import type { AggregationQuery } from './terms.js';

export type JobState = 'OPEN' | 'RELEASED' | 'FAILED';

/** What the gateway records of a job when it opens and what its parties are shown of it alike. */
export interface JobBase {
  id: string;
  state: JobState;
  analyst: string;
  query: AggregationQuery;
  paramSet: HeParamSet;
  /** The analyst's BFV public key (base64). */
  publicKey: string;
  epsilon: number;
  /** Per cell: one record changes a cell by at most this (1 for counts, the value bound for sums). */
  sensitivity: number;
  minProviders: number;
  minCohort: number;
  deadline: string;
  openedAt: string;
  failure?: string;
}

export interface JobView extends JobBase {
  providers: { provider: string; datasetId: string; contributed: boolean }[];
  released?: {
    at: string; contributors: number; digest: string;
    /** The noisy total (base64), for the analyst only. */
    ciphertext?: string;
    noise: { mechanism: string; epsilon: number; sensitivity: number; scale: number; bound: number; confidence: number };
  };
}
