// Per-subject date shifting: every date of one subject moves by the same secret number of days,
// offset = (first 48 bits of HMAC-SHA-256(dateShiftKey, subject)) mod (2 maxDays + 1) - maxDays,
// so intervals within a subject (age at visit, days on treatment) survive while calendar dates
// no longer match outside records. The modulo bias is below 2^-35 for maxDays <= 3650.
// Reduced-precision text dates shift their period's midpoint (the 15th; 2 July) and keep their
// precision. A date whose subject is null, or that does not parse, becomes null (fail closed).
// All dateShift columns of a plan with one maxDays share the offsets, computed once per batch.
import { Buffer } from 'node:buffer';
import type { Data, DataType, RecordBatch } from 'apache-arrow';
import { dateShiftKey } from '../../../crypto/pseudonym-keys.js';
import { isInteger, isUtf8, isValid, typeName, RowBytes, validityOf } from './columns.js';
import { invalidStep, quote, schemaMismatch, stepWhere } from './errors.js';
import { keyedHash, type KeyedHash } from './keyed-hash.js';
import {
  IsoPrecision, daysFromCivil, newIsoFields, parseIso, rewriteTemporal, setDays, temporalKind, unitsPerSecond, writeIso,
  type Civil, type TemporalKind, type TemporalRewrite,
} from './temporal.js';
import { TokenCache, fnv1a } from './token-cache.js';
import { newCounters, type DateShiftStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export const MAX_SHIFT_DAYS = 3650;
/** Row offset of a row whose subject is null. */
const NO_SUBJECT = 0x7fffffff;

export class DateShift implements StepKernel, TemporalRewrite {
  readonly op = 'dateShift';
  readonly outputType: DataType;
  readonly counters: StepCounters = newCounters();
  readonly #kind: TemporalKind;
  readonly #subjects: SubjectOffsets;
  readonly #unitsPerDay: bigint;
  readonly #iso = newIsoFields();
  readonly #civil: Civil = { year: 0, month: 0, day: 0 };
  #rowOffsets: Int32Array = new Int32Array(0);

  constructor(step: DateShiftStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('dateShift', ctx.column);
    if (!Number.isInteger(step.maxDays) || step.maxDays < 1 || step.maxDays > MAX_SHIFT_DAYS) {
      throw invalidStep(where, `maxDays ${step.maxDays} is not an integer in 1..${MAX_SHIFT_DAYS}`);
    }
    const kind = temporalKind(inputType);
    if (!kind) throw invalidStep(where, `needs ISO 8601 text, Date or Timestamp, got ${typeName(inputType)}`);
    if (ctx.subjectColumn === undefined) throw invalidStep(where, 'the plan names no subjectColumn');
    const subjectIndex = ctx.inputIndex.get(ctx.subjectColumn);
    if (subjectIndex === undefined) throw schemaMismatch(ctx.subjectColumn, `the subject column of ${where}`);
    const subjectType = ctx.inputTypes[subjectIndex]!;
    if (!isUtf8(subjectType) && !isInteger(subjectType)) {
      throw invalidStep(where, `subject column ${quote(ctx.subjectColumn)} is ${typeName(subjectType)}, want Utf8 or integer`);
    }
    this.outputType = inputType;
    this.#kind = kind;
    // One offset computation per subject and batch, however many date columns the plan shifts.
    const shared = `dateShift/${step.maxDays}`;
    let subjects = ctx.shared.get(shared) as SubjectOffsets | undefined;
    if (!subjects) ctx.shared.set(shared, (subjects = new SubjectOffsets(dateShiftKey(ctx.secret, ctx.agreementId), step.maxDays, subjectIndex, ctx)));
    this.#subjects = subjects;
    this.#unitsPerDay = kind === 'instant' ? unitsPerSecond(inputType) * 86_400n : 0n;
  }

  apply(input: Data, batch: RecordBatch, changed: Uint8Array): Data {
    this.#rowOffsets = this.#subjects.offsetsFor(batch, this.counters);
    return rewriteTemporal(input, this.#kind, this, changed);
  }

  string(b: Uint8Array, s: number, e: number, row: number): boolean {
    const offset = this.#rowOffsets[row]!;
    const f = this.#iso;
    if (offset === NO_SUBJECT || !parseIso(b, s, e, f)) return false;
    const day = f.precision >= IsoPrecision.Day ? f.day : f.precision === IsoPrecision.Month ? 15 : 2;
    const month = f.precision >= IsoPrecision.Month ? f.month : 7;
    if (!setDays(f, daysFromCivil(f.year, month, day) + offset, this.#civil)) return false;
    writeIso(b, s, f);
    return true;
  }

  days(v: number, row: number): number {
    const offset = this.#rowOffsets[row]!;
    return offset === NO_SUBJECT ? NaN : v + offset;
  }

  instant(v: bigint, row: number): bigint | null {
    const offset = this.#rowOffsets[row]!;
    return offset === NO_SUBJECT ? null : v + BigInt(offset) * this.#unitsPerDay;
  }
}

/**
 * The day offset of each row's subject, for every dateShift column of one pipeline with the same
 * maxDays: a per-transfer cache from subject bytes to the offset's 4 bytes, copied straight into
 * the Int32Array of row offsets, and the offsets of the last batch, reused by the next column.
 */
class SubjectOffsets {
  readonly #maxDays: number;
  readonly #subjectIndex: number;
  readonly #hash: KeyedHash;
  readonly #tag = new Uint8Array(32);
  readonly #cache: TokenCache;
  readonly #digits = Buffer.alloc(24);
  /** Offsets per batch, for the next column of the same batch; a WeakMap keeps no batch alive. */
  readonly #byBatch = new WeakMap<RecordBatch, Int32Array>();

  constructor(key: Uint8Array, maxDays: number, subjectIndex: number, ctx: StepContext) {
    this.#maxDays = maxDays;
    this.#subjectIndex = subjectIndex;
    this.#hash = keyedHash(key, ctx.hmacBackend);
    this.#cache = new TokenCache(4, ctx.cacheCapacity);
  }

  /** Row offsets for `batch` (NO_SUBJECT where the subject is null); work done is added to `counters`. */
  offsetsFor(batch: RecordBatch, counters: StepCounters): Int32Array {
    const done = this.#byBatch.get(batch);
    if (done) return done;
    const subjects = batch.data.children[this.#subjectIndex]!;
    const n = subjects.length;
    const out = new Int32Array(n);
    const outBytes = new Uint8Array(out.buffer);
    const valid = validityOf(subjects);
    const row = new RowBytes(subjects, this.#digits);
    const cache = this.#cache;
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) { out[i] = NO_SUBJECT; continue; }
      row.at(i);
      const b = row.bytes;
      const s = row.start;
      const e = row.end;
      const h = fnv1a(b, s, e);
      if (cache.copyTo(b, s, e, h, outBytes, 4 * i)) {
        counters.cacheHits++;
      } else {
        out[i] = this.#offsetOf(b.subarray(s, e));
        counters.hmacs++;
        cache.put(b, s, e, h, outBytes, 4 * i);
      }
    }
    this.#byBatch.set(batch, out);
    return out;
  }

  #offsetOf(subject: Uint8Array): number {
    const t = this.#hash(subject, this.#tag);
    // 48 bits, big-endian, exact in a double.
    const u = ((t[0]! << 8) | t[1]!) * 2 ** 32 + (((t[2]! << 24) | (t[3]! << 16) | (t[4]! << 8) | t[5]!) >>> 0);
    return (u % (2 * this.#maxDays + 1)) - this.#maxDays;
  }
}
