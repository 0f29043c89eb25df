// The whole pipeline of one plan over a stream of batches: the trajectory stage, then the privacy
// model, then the column steps. Each stage yields one batch per input batch, in order, so the
// caller can pair every output batch with the input batch it came from (the data plane's digests).
import { tmpdir } from 'node:os';
import type { RecordBatch } from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';
import type { PipelinePlan } from '../../policies/pipeline/plan.js';
import { createPipeline, type PipelineOptions, type PipelineReport } from './apply.js';
import { createPrivacyStage, type PrivacyReport } from './privacy/index.js';
import type { BatchStage } from './stage.js';
import { createTrajectoryStage, type TrajectoryReport } from './trajectory/index.js';

export interface AnonymizerOptions extends PipelineOptions {
  /** Where a privacy model spools the transfer (default: the system's temporary directory). */
  spoolDir?: string;
  /**
   * Asked before each batch's rows go through the column steps (after the whole-transfer stages,
   * so the rows are the ones that will leave, with their original values): how many of the first
   * rows may leave, and the error that ends the run when not all may.
   */
  admit?: (batch: RecordBatch) => Promise<{ rows: number; stop?: DataportError }>;
}

export interface AnonymizeReport extends PipelineReport {
  trajectory?: TrajectoryReport;
  privacy?: PrivacyReport;
}

export interface Anonymizer {
  /** The plan applied to `input`: one output batch per input batch, in order. */
  run(input: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch>;
  report(): AnonymizeReport;
}

export function createAnonymizer(plan: PipelinePlan, secret: Uint8Array, options: AnonymizerOptions = {}): Anonymizer {
  const columns = createPipeline(plan, secret, options); // checks the plan and the secret first
  const trajectory = plan.trajectory ? createTrajectoryStage(plan.trajectory, { order: plan.trajectory.order ?? 'any' }) : undefined;
  const privacy = plan.privacy ? createPrivacyStage(plan.privacy, { spoolDir: options.spoolDir ?? tmpdir() }) : undefined;
  const stages: BatchStage<unknown>[] = [trajectory, privacy].filter((s) => s !== undefined);
  return {
    async *run(input) {
      let batches: AsyncIterable<RecordBatch> = input;
      for (const stage of stages) batches = stage.run(batches);
      let checked = false;
      for await (const batch of batches) {
        if (!checked) {
          checked = true;
          try {
            columns.outputSchema(batch.schema); // compiles and checks once, without counting a batch
          } catch (e) {
            throw new DataportError('DP_ERR_SCHEMA_MISMATCH', e instanceof DataportError ? e.detail : (e as Error).message);
          }
        }
        if (!options.admit) {
          yield columns.apply(batch);
          continue;
        }
        const { rows, stop } = await options.admit(batch);
        yield columns.apply(rows < batch.numRows ? batch.slice(0, rows) : batch);
        if (stop) throw stop;
      }
    },
    report() {
      return {
        ...columns.report(),
        ...(trajectory && { trajectory: trajectory.report() }),
        ...(privacy && { privacy: privacy.report() }),
      };
    },
  };
}
