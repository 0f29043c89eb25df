// A homomorphic aggregation job as its parties see it: what the gateway's routes send
// (gateway/aggregation/routes.ts) and the SDK reads (connectors/aggregation.ts), one type for both.
import type { HeParamSet } from '../../crypto/he/index.js';
import type { AggregationQuery } from './terms.js';

export type JobState = 'OPEN' | 'RELEASED' | 'FAILED';

export interface JobView {
  id: string;
  state: JobState;
  analyst: string;
  query: AggregationQuery;
  paramSet: HeParamSet;
  /** The analyst's BFV public key (base64). */
  publicKey: string;
  epsilon: number;
  sensitivity: number;
  minProviders: number;
  minCohort: number;
  deadline: string;
  openedAt: string;
  providers: { provider: string; datasetId: string; contributed: boolean }[];
  failure?: string;
  released?: {
    at: string; contributors: number; digest: string;
    /** The noisy total (base64), for the analyst only. */
    ciphertext?: string;
    noise: { mechanism: string; epsilon: number; sensitivity: number; scale: number; bound: number; confidence: number };
  };
}
