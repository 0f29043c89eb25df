// Time bucketing: each instant is floored to a multiple of `seconds` since 1970-01-01T00:00:00Z,
// keeping the value's type and text format (text with an offset is bucketed as the instant it
// names and written back in its own offset; text without one is read as UTC). Date-only values
// are instants at midnight; reduced-precision text (a year, a month) at the period's start.
import type { Data, DataType, RecordBatch } from 'apache-arrow';
import { typeName } from './columns.js';
import { invalidStep, stepWhere } from './errors.js';
import {
  daysFromCivil, floorMod, newIsoFields, parseIso, rewriteTemporal, setDays, temporalKind, unitsPerSecond, writeIso, zeroFraction,
  type Civil, type TemporalKind, type TemporalRewrite,
} from './temporal.js';
import { newCounters, type BucketTimeStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export class BucketTime implements StepKernel, TemporalRewrite {
  readonly op = 'bucketTime';
  readonly outputType: DataType;
  readonly counters: StepCounters = newCounters();
  readonly #seconds: number;
  readonly #kind: TemporalKind;
  readonly #quantum: bigint = 0n;
  readonly #iso = newIsoFields();
  readonly #civil: Civil = { year: 0, month: 0, day: 0 };

  constructor(step: BucketTimeStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('bucketTime', ctx.column);
    if (!Number.isSafeInteger(step.seconds) || step.seconds < 1) throw invalidStep(where, `seconds ${step.seconds} is not a positive integer`);
    const kind = temporalKind(inputType);
    if (!kind) throw invalidStep(where, `needs ISO 8601 text, Date or Timestamp, got ${typeName(inputType)}`);
    this.outputType = inputType;
    this.#seconds = step.seconds;
    this.#kind = kind;
    if (kind === 'instant') this.#quantum = BigInt(step.seconds) * unitsPerSecond(inputType);
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data {
    return rewriteTemporal(input, this.#kind, this, changed);
  }

  string(b: Uint8Array, s: number, e: number): boolean {
    const f = this.#iso;
    if (!parseIso(b, s, e, f)) return false;
    const zone = f.tzMinutes * 60;
    const t = daysFromCivil(f.year, f.month, f.day) * 86_400 + f.hour * 3_600 + f.minute * 60 + f.second - zone;
    const local = t - (((t % this.#seconds) + this.#seconds) % this.#seconds) + zone;
    const days = Math.floor(local / 86_400);
    let rest = local - days * 86_400;
    if (!setDays(f, days, this.#civil)) return false;
    f.hour = Math.floor(rest / 3_600);
    rest -= f.hour * 3_600;
    f.minute = Math.floor(rest / 60);
    f.second = rest - f.minute * 60;
    writeIso(b, s, f);
    zeroFraction(b, f);
    return true;
  }

  days(v: number): number {
    const t = v * 86_400;
    return Math.floor((t - (((t % this.#seconds) + this.#seconds) % this.#seconds)) / 86_400);
  }

  instant(v: bigint): bigint {
    return v - floorMod(v, this.#quantum);
  }
}
