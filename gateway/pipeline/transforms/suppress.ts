// Suppression: every value becomes null. The column keeps its type when it is Utf8, Binary or a
// fixed-width primitive (numbers, booleans, dates, times, decimals), with zeroed buffers; any
// other type (lists, structs, ...) becomes an Arrow Null column of the same length.
import { Data, DataType, Null, Type, makeData, type RecordBatch } from 'apache-arrow';
import { emptyBitmap, isValid, makeFixedWidth, validityOf } from './columns.js';
import { newCounters, type StepContext, type StepCounters, type StepKernel, type SuppressStep } from './types.js';

const FIXED_WIDTH = new Set<Type>([Type.Int, Type.Float, Type.Bool, Type.Decimal, Type.Date, Type.Time, Type.Timestamp, Type.Duration, Type.FixedSizeBinary]);
const VARIABLE_WIDTH = new Set<Type>([Type.Utf8, Type.Binary]);

export class Suppress implements StepKernel {
  readonly op = 'suppress';
  readonly outputType: DataType;
  readonly counters: StepCounters = newCounters();

  constructor(_step: SuppressStep, _ctx: StepContext, inputType: DataType) {
    this.outputType = FIXED_WIDTH.has(inputType.typeId) || VARIABLE_WIDTH.has(inputType.typeId) ? inputType : new Null();
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data {
    const n = input.length;
    const valid = validityOf(input);
    for (let i = 0; i < n; i++) if (isValid(valid, i)) changed[i] = 1;
    const type = this.outputType;
    if (DataType.isNull(type)) return makeData({ type, length: n });
    const none = emptyBitmap(n);
    if (VARIABLE_WIDTH.has(type.typeId)) {
      return new Data(type, 0, n, n, { [0]: new Int32Array(n + 1), [1]: new Uint8Array(0), [2]: none });
    }
    const values = type.typeId === Type.Bool ? new Uint8Array((n + 7) >> 3) : new (type.ArrayType as new (length: number) => ArrayBufferView)(n * input.stride);
    return makeFixedWidth(type, n, values, none, n);
  }
}
