// Masking: every character but the last `keepLast` becomes `char` ('13812345678', keepLast 4:
// '*******5678'). Characters are Unicode code points, counted on the UTF-8 bytes (a byte that is
// not 10xxxxxx starts one), so '张三丰' with keepLast 1 is '**丰'. A value no longer than keepLast
// is left as it is. Utf8 in, Utf8 out.
import { Buffer } from 'node:buffer';
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { isUtf8, isValid, makeUtf8, typeName, utf8Column } from './columns.js';
import { invalidStep, quote, stepWhere } from './errors.js';
import { newCounters, type MaskStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export class Mask implements StepKernel {
  readonly op = 'mask';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #keepLast: number;
  readonly #char: Uint8Array;

  constructor(step: MaskStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('mask', ctx.column);
    if (!Number.isInteger(step.keepLast) || step.keepLast < 0) throw invalidStep(where, `keepLast ${step.keepLast} is not a non-negative integer`);
    const char = step.char ?? '*';
    if (typeof char !== 'string' || [...char].length !== 1) throw invalidStep(where, `char ${quote(String(char))} is not one character`);
    if (!isUtf8(inputType)) throw invalidStep(where, `needs a Utf8 column, got ${typeName(inputType)}`);
    this.#keepLast = step.keepLast;
    this.#char = Buffer.from(char, 'utf8');
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const { length: n, offsets, bytes, valid } = utf8Column(input);
    const char = this.#char;
    const w = char.length;
    const keep = this.#keepLast;
    // Each masked code point (>= 1 byte) becomes w bytes.
    const out = new Uint8Array((offsets[n]! - offsets[0]!) * Math.max(1, w));
    const outOffsets = new Int32Array(n + 1);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (isValid(valid, i)) {
        const s = offsets[i]!;
        const e = offsets[i + 1]!;
        // Walk back over the kept code points to where they start.
        let tail = e;
        let kept = 0;
        while (tail > s && kept < keep) {
          tail--;
          if ((bytes[tail]! & 0xc0) !== 0x80) kept++;
        }
        let masked = 0;
        for (let k = s; k < tail; k++) if ((bytes[k]! & 0xc0) !== 0x80) masked++;
        for (let m = 0; m < masked; m++) for (let k = 0; k < w; k++) out[pos++] = char[k]!;
        for (let k = tail; k < e; k++) out[pos++] = bytes[k]!;
        if (masked > 0) changed[i] = 1;
      }
      outOffsets[i + 1] = pos;
    }
    return makeUtf8(n, outOffsets, out.subarray(0, pos), valid, valid === null ? 0 : input.nullCount);
  }
}
