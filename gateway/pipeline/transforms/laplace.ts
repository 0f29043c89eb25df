// The Laplace mechanism (Dwork, McSherry, Nissim, Smith 2006): each number gets independent
// Laplace(0, scale) noise, scale = sensitivity / epsilon, drawn by inverting the CDF,
// x = -scale * sgn(u) * ln(1 - 2|u|) for u uniform in (-1/2, 1/2), from 53 bits of node:crypto
// randomness per value. Output is Float64. Doubles leak through their low bits (Mironov 2012);
// this is noise for statistics, not a certified differential-privacy release.
import { randomFillSync } from 'node:crypto';
import { Float64, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { isNumeric, isValid, makeFloat64, numbersOf, typeName, validityOf } from './columns.js';
import { invalidStep, stepWhere } from './errors.js';
import { newCounters, type LaplaceStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

const TWO_POW_53 = 2 ** 53;
/** Values drawn per randomFillSync call (512 KiB of randomness into one reused buffer). */
const CHUNK_VALUES = 1 << 16;

export class Laplace implements StepKernel {
  readonly op = 'laplace';
  readonly outputType = new Float64();
  readonly counters: StepCounters = newCounters();
  readonly #scale: number;
  readonly #random = new Uint32Array(2 * CHUNK_VALUES);

  constructor(step: LaplaceStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('laplace', ctx.column);
    if (typeof step.scale !== 'number' || !Number.isFinite(step.scale) || step.scale <= 0) throw invalidStep(where, `scale ${step.scale} is not a positive number`);
    if (!isNumeric(inputType)) throw invalidStep(where, `needs a numeric column, got ${typeName(inputType)}`);
    this.#scale = step.scale;
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Float64> {
    const n = input.length;
    const values = numbersOf(input);
    const valid = validityOf(input);
    const out = this.sample(new Float64Array(n));
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) { out[i] = 0; continue; }
      out[i] = values[i]! + out[i]!;
      changed[i] = 1;
    }
    return makeFloat64(out, valid, valid === null ? 0 : input.nullCount);
  }

  /** Fills `out` with independent Laplace(0, scale) draws. */
  sample(out: Float64Array): Float64Array {
    const b = this.#scale;
    for (let start = 0; start < out.length; start += CHUNK_VALUES) {
      const count = Math.min(CHUNK_VALUES, out.length - start);
      const r = randomFillSync(this.#random.subarray(0, 2 * count));
      for (let j = 0; j < count; j++) {
        // 53 random bits, centred: u in (-1/2, 1/2), never +-1/2, so the logarithm stays finite.
        const u = ((r[2 * j]! >>> 5) * 67108864 + (r[2 * j + 1]! >>> 6) + 0.5) / TWO_POW_53 - 0.5;
        out[start + j] = u < 0 ? b * Math.log(1 + 2 * u) : -b * Math.log(1 - 2 * u);
      }
    }
    return out;
  }
}
