// Small batches for the pipeline tests: build one from vectors, run one column through steps.
import { RecordBatch, makeData, makeVector, type DataType, type Vector } from 'apache-arrow';
import { createPipeline, type PipelineOptions } from '../../../gateway/pipeline/apply.js';
import type { PipelinePlan, Step } from '../../../gateway/pipeline/transforms/types.js';

export const SECRET = new Uint8Array(32).fill(7);
export const AGREEMENT = 'urn:uuid:agreement-1';

export function batchOf(columns: Record<string, Vector>): RecordBatch {
  return new RecordBatch(Object.fromEntries(Object.entries(columns).map(([name, v]) => [name, v.data[0]!])));
}

/** A fixed-width vector straight from its values (null where `valid` says so). */
export function fixedVector<T extends DataType>(type: T, values: ArrayLike<number> | ArrayLike<bigint>, valid?: boolean[]): Vector<T> {
  const length = values.length;
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (valid) {
    nullBitmap = new Uint8Array((length + 7) >> 3);
    valid.forEach((v, i) => (v ? (nullBitmap![i >> 3]! |= 1 << (i & 7)) : nullCount++));
  }
  const data = new (type.ArrayType as new (v: ArrayLike<number> | ArrayLike<bigint>) => ArrayBufferView)(values);
  return makeVector(makeData({ type, length, nullCount, nullBitmap, data } as never)) as Vector<T>;
}

export interface RunOptions extends PipelineOptions {
  subjectColumn?: string;
  agreementId?: string;
  secret?: Uint8Array;
  /** Other columns of the input, read by steps (subject, longitude). */
  others?: Record<string, Vector>;
}

/** Runs `steps` on `column` of a one-column batch (plus `others`); returns the output column's values and the pipeline. */
export function run(column: Vector, steps: Step[], opts: RunOptions = {}) {
  const plan: PipelinePlan = {
    version: 1,
    agreementId: opts.agreementId ?? AGREEMENT,
    datasetId: 'test',
    ...(opts.subjectColumn ? { subjectColumn: opts.subjectColumn } : {}),
    columns: [{ name: 'x', action: 'transform', steps }],
  };
  const pipeline = createPipeline(plan, opts.secret ?? SECRET, opts);
  const out = pipeline.apply(batchOf({ x: column, ...opts.others }));
  const vector = out.getChild('x')!;
  return { values: [...vector] as unknown[], vector, out, pipeline, report: pipeline.report() };
}
