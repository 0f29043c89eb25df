// A whole-transfer stage of the pipeline (trajectory desensitisation, a privacy model): it sees
// every batch, may hold batches back, and drops or rewrites rows, but yields exactly one batch per
// input batch, in order, so that the data plane can pair each output batch with its input.
import type { RecordBatch } from 'apache-arrow';

export interface BatchStage<R> {
  /** One output batch per input batch, in input order; rows may be dropped or rewritten, batches delayed. */
  run(input: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch>;
  /** Figures so far (final once `run` has ended). */
  report(): R;
}
