// Redaction: every non-null value, whatever its type, becomes the same text (default
// '[REDACTED]'); nulls stay null, so the consumer still sees which rows had a value. Output is Utf8.
import { Buffer } from 'node:buffer';
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { makeUtf8, validityOf } from './columns.js';
import { invalidStep, stepWhere } from './errors.js';
import { newCounters, type RedactStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export const DEFAULT_REPLACEMENT = '[REDACTED]';

export class Redact implements StepKernel {
  readonly op = 'redact';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #replacement: Uint8Array;

  constructor(step: RedactStep, ctx: StepContext, _inputType: DataType) {
    const replacement = step.replacement ?? DEFAULT_REPLACEMENT;
    if (typeof replacement !== 'string') throw invalidStep(stepWhere('redact', ctx.column), 'replacement is not a string');
    this.#replacement = Buffer.from(replacement, 'utf8');
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const n = input.length;
    const valid = validityOf(input);
    const nullCount = valid === null ? 0 : input.nullCount;
    const r = this.#replacement;
    const w = r.length;
    const out = new Uint8Array((n - nullCount) * w);
    const offsets = new Int32Array(n + 1);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0) {
        out.set(r, pos);
        pos += w;
        changed[i] = 1;
      }
      offsets[i + 1] = pos;
    }
    return makeUtf8(n, offsets, out, valid, nullCount);
  }
}
