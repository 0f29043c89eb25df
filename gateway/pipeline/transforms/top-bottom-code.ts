// Top- and bottom-coding: numbers above `max` become `max`, below `min` become `min`, so the
// extremes that single people out (an age of 104) are hidden among the rest. The column keeps its
// type; on integer columns the bounds are rounded inwards (min up, max down).
import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { isNumeric, isValid, makeFixedWidth, typeName, validityOf } from './columns.js';
import { invalidStep, stepWhere } from './errors.js';
import { newCounters, type StepContext, type StepCounters, type StepKernel, type TopBottomCodeStep } from './types.js';

type NumberArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

export class TopBottomCode implements StepKernel {
  readonly op = 'topBottomCode';
  readonly outputType: DataType;
  readonly counters: StepCounters = newCounters();
  readonly #min: number;
  readonly #max: number;

  constructor(step: TopBottomCodeStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('topBottomCode', ctx.column);
    const min = step.min ?? -Infinity;
    const max = step.max ?? Infinity;
    if (step.min === undefined && step.max === undefined) throw invalidStep(where, 'neither min nor max is given');
    if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max)) throw invalidStep(where, 'min and max must be numbers');
    if (min > max) throw invalidStep(where, `min ${min} is above max ${max}`);
    if (!isNumeric(inputType)) throw invalidStep(where, `needs a numeric column, got ${typeName(inputType)}`);
    const integer = DataType.isInt(inputType);
    this.outputType = inputType;
    this.#min = integer ? Math.ceil(min) : min;
    this.#max = integer ? Math.floor(max) : max;
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data {
    const n = input.length;
    const valid = validityOf(input);
    const source = input.values as NumberArray | BigInt64Array | BigUint64Array;
    const out = source instanceof BigInt64Array || source instanceof BigUint64Array
      ? this.#clampBigInts(source, n, valid, changed)
      : this.#clampNumbers(source, n, valid, changed);
    const nullCount = valid === null ? 0 : input.nullCount;
    return makeFixedWidth(input.type, n, out, valid, nullCount);
  }

  #clampNumbers(source: NumberArray, n: number, valid: Uint8Array | null, changed: Uint8Array): NumberArray {
    const out = source.slice(0, n);
    const min = this.#min;
    const max = this.#max;
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) { out[i] = 0; continue; }
      const v = out[i]!;
      if (v < min) { out[i] = min; changed[i] = 1; } else if (v > max) { out[i] = max; changed[i] = 1; }
    }
    return out;
  }

  #clampBigInts(source: BigInt64Array | BigUint64Array, n: number, valid: Uint8Array | null, changed: Uint8Array): BigInt64Array | BigUint64Array {
    const out = source.slice(0, n);
    const min = Number.isFinite(this.#min) ? BigInt(this.#min) : undefined;
    const max = Number.isFinite(this.#max) ? BigInt(this.#max) : undefined;
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) { out[i] = 0n; continue; }
      const v = out[i]!;
      if (min !== undefined && v < min) { out[i] = min; changed[i] = 1; } else if (max !== undefined && v > max) { out[i] = max; changed[i] = 1; }
    }
    return out;
  }
}
