// Date truncation: every field finer than `unit` is set to its first value ('2014-05-17T10:20:30'
// by month is '2014-05-01T00:00:00'), keeping the value's type and, for text, its format and
// precision (a value already coarser than `unit` is left as it is). Timestamps are truncated in
// their own fixed time zone (UTC when they have none); a named zone is refused at compile time.
import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { typeName } from './columns.js';
import { invalidStep, quote, stepWhere } from './errors.js';
import {
  IsoPrecision, civilFromDays, daysFromCivil, fixedZoneMinutes, floorDiv, floorMod, newIsoFields, parseIso, rewriteTemporal,
  temporalKind, unitsPerSecond, writeIso, zeroFraction, type Civil, type TemporalKind, type TemporalRewrite,
} from './temporal.js';
import { newCounters, type DateUnit, type StepContext, type StepCounters, type StepKernel, type TruncateDateStep } from './types.js';

/** The coarsest text precision that `unit` keeps. */
const KEEPS: Record<DateUnit, IsoPrecision> = {
  year: IsoPrecision.Year, month: IsoPrecision.Month, day: IsoPrecision.Day, hour: IsoPrecision.Hour, minute: IsoPrecision.Minute,
};
const SECONDS_OF: Record<'day' | 'hour' | 'minute', bigint> = { day: 86_400n, hour: 3_600n, minute: 60n };

export class TruncateDate implements StepKernel, TemporalRewrite {
  readonly op = 'truncateDate';
  readonly outputType: DataType;
  readonly counters: StepCounters = newCounters();
  readonly #unit: DateUnit;
  readonly #kind: TemporalKind;
  readonly #iso = newIsoFields();
  readonly #civil: Civil = { year: 0, month: 0, day: 0 };
  readonly #unitsPerDay: bigint = 0n;
  readonly #zoneUnits: bigint = 0n;
  readonly #quantum: bigint = 0n;

  constructor(step: TruncateDateStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('truncateDate', ctx.column);
    if (!Object.hasOwn(KEEPS, step.unit)) throw invalidStep(where, `unit ${quote(String(step.unit))} is not year, month, day, hour or minute`);
    const kind = temporalKind(inputType);
    if (!kind) throw invalidStep(where, `needs ISO 8601 text, Date or Timestamp, got ${typeName(inputType)}`);
    this.outputType = inputType;
    this.#unit = step.unit;
    this.#kind = kind;
    if (kind === 'instant') {
      const zone = DataType.isTimestamp(inputType) ? fixedZoneMinutes(inputType.timezone) : 0;
      if (zone === undefined) throw invalidStep(where, `time zone ${quote(String((inputType as { timezone?: string }).timezone))} is not UTC or a fixed offset`);
      const perSecond = unitsPerSecond(inputType);
      this.#unitsPerDay = perSecond * 86_400n;
      this.#zoneUnits = BigInt(zone) * 60n * perSecond;
      if (step.unit !== 'year' && step.unit !== 'month') this.#quantum = SECONDS_OF[step.unit] * perSecond;
    }
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data {
    return rewriteTemporal(input, this.#kind, this, changed);
  }

  string(b: Uint8Array, s: number, e: number): boolean {
    const f = this.#iso;
    if (!parseIso(b, s, e, f)) return false;
    const keeps = KEEPS[this.#unit];
    if (f.precision <= keeps) return true;
    if (keeps < IsoPrecision.Month) f.month = 1;
    if (keeps < IsoPrecision.Day) f.day = 1;
    if (keeps < IsoPrecision.Hour) f.hour = 0;
    if (keeps < IsoPrecision.Minute) f.minute = 0;
    f.second = 0;
    writeIso(b, s, f);
    zeroFraction(b, f);
    return true;
  }

  days(v: number): number {
    if (this.#unit !== 'year' && this.#unit !== 'month') return v;
    const c = civilFromDays(v, this.#civil);
    return daysFromCivil(c.year, this.#unit === 'year' ? 1 : c.month, 1);
  }

  instant(v: bigint): bigint {
    const local = v + this.#zoneUnits;
    if (this.#quantum !== 0n) return v - floorMod(local, this.#quantum);
    const c = civilFromDays(Number(floorDiv(local, this.#unitsPerDay)), this.#civil);
    const first = daysFromCivil(c.year, this.#unit === 'year' ? 1 : c.month, 1);
    return BigInt(first) * this.#unitsPerDay - this.#zoneUnits;
  }
}
