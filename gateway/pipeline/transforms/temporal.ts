// Dates and times as the date transforms see them: ISO 8601 text in a Utf8 column (read and
// rewritten as ASCII bytes, in place, so the output keeps the input's format and length), Arrow
// DateDay (int32 days), or DateMillisecond / Timestamp (int64 in some unit since the epoch).
// Calendar arithmetic is proleptic Gregorian (ISO 8601 4.3.2) via days since 1970-01-01.
import { DataType, DateUnit, TimeUnit, Type, type Data } from 'apache-arrow';
import { emptyBitmap, isValid, makeFixedWidth, makeUtf8, setValid, utf8Column, validityOf } from './columns.js';

// ---- civil calendar (H. Hinnant, "chrono-compatible low-level date algorithms") --------------

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year, month and day of a day count, written into a caller-owned object (no allocation per row). */
export interface Civil { year: number; month: number; day: number }

export function civilFromDays(days: number, out: Civil): Civil {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (y: number, m: number): number => (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!);

// ---- ISO 8601 text as bytes ----------------------------------------------------------------

/** How much of `YYYY-MM-DDTHH:MM:SS` a value carries. */
export const IsoPrecision = { Year: 1, Month: 2, Day: 3, Hour: 4, Minute: 5, Second: 6 } as const;
export type IsoPrecision = (typeof IsoPrecision)[keyof typeof IsoPrecision];

/** The fields of one parsed value; positions are absolute indexes into the byte buffer. */
export interface IsoFields {
  precision: IsoPrecision;
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  /** [fracStart, fracEnd): the digits after the decimal point of the seconds (empty if none). */
  fracStart: number; fracEnd: number;
  /** Offset from UTC in minutes (0 without a designator: the value is read as UTC). */
  tzMinutes: number;
}

export const newIsoFields = (): IsoFields => ({
  precision: IsoPrecision.Year, year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, fracStart: 0, fracEnd: 0, tzMinutes: 0,
});

const DIGIT_0 = 0x30;

function digits(b: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const d = b[at + k]! - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

export function writeDigits(b: Uint8Array, at: number, value: number, count: number): void {
  for (let k = count - 1; k >= 0; k--) {
    b[at + k] = DIGIT_0 + (value % 10);
    value = Math.floor(value / 10);
  }
}

/**
 * Parses `YYYY[-MM[-DD[(T| )HH[:MM[:SS[.f+]]][Z|±HH[:MM]|±HHMM]]]]` from b[s, e) into `f`
 * (ISO 8601-1 5.2.1 / 5.3 / 5.4, the extended format, reduced precision as CDISC SDTM uses it).
 * False if the text is anything else or a field is out of range.
 */
export function parseIso(b: Uint8Array, s: number, e: number, f: IsoFields): boolean {
  const len = e - s;
  if (len < 4 || (f.year = digits(b, s, 4)) < 0) return false;
  f.month = 1; f.day = 1; f.hour = 0; f.minute = 0; f.second = 0; f.fracStart = f.fracEnd = 0; f.tzMinutes = 0;
  f.precision = IsoPrecision.Year;
  if (len === 4) return true;
  if (len < 7 || b[s + 4] !== 0x2d || (f.month = digits(b, s + 5, 2)) < 1 || f.month > 12) return false;
  f.precision = IsoPrecision.Month;
  if (len === 7) return true;
  if (len < 10 || b[s + 7] !== 0x2d || (f.day = digits(b, s + 8, 2)) < 1 || f.day > daysInMonth(f.year, f.month)) return false;
  f.precision = IsoPrecision.Day;
  if (len === 10) return true;
  const sep = b[s + 10];
  if ((sep !== 0x54 && sep !== 0x20) || len < 13 || (f.hour = digits(b, s + 11, 2)) < 0 || f.hour > 23) return false;
  f.precision = IsoPrecision.Hour;
  let at = s + 13;
  if (at < e && b[at] === 0x3a) {
    if (e - at < 3 || (f.minute = digits(b, at + 1, 2)) < 0 || f.minute > 59) return false;
    f.precision = IsoPrecision.Minute;
    at += 3;
    if (at < e && b[at] === 0x3a) {
      if (e - at < 3 || (f.second = digits(b, at + 1, 2)) < 0 || f.second > 59) return false;
      f.precision = IsoPrecision.Second;
      at += 3;
      if (at < e && b[at] === 0x2e) {
        f.fracStart = ++at;
        while (at < e && b[at]! >= DIGIT_0 && b[at]! <= DIGIT_0 + 9) at++;
        f.fracEnd = at;
        if (f.fracEnd === f.fracStart) return false;
      }
    }
  }
  if (at === e) return true;
  return parseZone(b, at, e, f);
}

function parseZone(b: Uint8Array, at: number, e: number, f: IsoFields): boolean {
  if (b[at] === 0x5a) return at + 1 === e; // 'Z'
  const sign = b[at] === 0x2b ? 1 : b[at] === 0x2d ? -1 : 0;
  if (sign === 0) return false;
  const rest = e - at - 1;
  const hh = digits(b, at + 1, 2);
  let mm = 0;
  if (rest === 5 && b[at + 3] === 0x3a) mm = digits(b, at + 4, 2);
  else if (rest === 4) mm = digits(b, at + 3, 2);
  else if (rest !== 2) return false;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return false;
  f.tzMinutes = sign * (hh * 60 + mm);
  return true;
}

/** Writes year..second of `f` back into b at s, as far as its precision reaches (the fraction is left alone). */
export function writeIso(b: Uint8Array, s: number, f: IsoFields): void {
  writeDigits(b, s, f.year, 4);
  if (f.precision >= IsoPrecision.Month) writeDigits(b, s + 5, f.month, 2);
  if (f.precision >= IsoPrecision.Day) writeDigits(b, s + 8, f.day, 2);
  if (f.precision >= IsoPrecision.Hour) writeDigits(b, s + 11, f.hour, 2);
  if (f.precision >= IsoPrecision.Minute) writeDigits(b, s + 14, f.minute, 2);
  if (f.precision >= IsoPrecision.Second) writeDigits(b, s + 17, f.second, 2);
}

/** Sets the fraction digits of the seconds to zero. */
export function zeroFraction(b: Uint8Array, f: IsoFields): void {
  if (f.fracEnd > f.fracStart) b.fill(DIGIT_0, f.fracStart, f.fracEnd);
}

/** Sets year/month/day of `f` from a day count; false if the year leaves 0000..9999 (4 digits). */
export function setDays(f: IsoFields, days: number, scratch: Civil): boolean {
  civilFromDays(days, scratch);
  if (scratch.year < 0 || scratch.year > 9999) return false;
  f.year = scratch.year; f.month = scratch.month; f.day = scratch.day;
  return true;
}

// ---- Arrow temporal types -------------------------------------------------------------------

export type TemporalKind = 'string' | 'days' | 'instant';

export function temporalKind(type: DataType): TemporalKind | undefined {
  if (type.typeId === Type.Utf8) return 'string';
  if (DataType.isDate(type)) return type.unit === DateUnit.DAY ? 'days' : 'instant';
  if (DataType.isTimestamp(type)) return 'instant';
  return undefined;
}

const UNITS_PER_SECOND: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1n, [TimeUnit.MILLISECOND]: 1_000n, [TimeUnit.MICROSECOND]: 1_000_000n, [TimeUnit.NANOSECOND]: 1_000_000_000n,
};

/** Units per second of an 'instant' column (DateMillisecond counts milliseconds). */
export function unitsPerSecond(type: DataType): bigint {
  if (DataType.isTimestamp(type)) return UNITS_PER_SECOND[type.unit];
  return 1_000n;
}

/** Floor division for bigints (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/**
 * The per-value rewrites of one date transform. `string` edits the ASCII text b[s, e) in place,
 * `days` maps a DateDay value, `instant` an int64 value; each reports failure (false / NaN /
 * null), which makes the row null. `row` lets a transform look up per-row state (a subject's offset).
 */
export interface TemporalRewrite {
  string(b: Uint8Array, s: number, e: number, row: number): boolean;
  days(v: number, row: number): number;
  instant(v: bigint, row: number): bigint | null;
}

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** Applies `rewrite` to every non-null value of a date column, keeping its type. */
export function rewriteTemporal(data: Data, kind: TemporalKind, rewrite: TemporalRewrite, changed: Uint8Array): Data {
  if (kind === 'string') return rewriteStrings(data, rewrite, changed);
  const n = data.length;
  const inValid = validityOf(data);
  const outValid = emptyBitmap(n);
  let nullCount = 0;
  if (kind === 'days') {
    const values = data.values as Int32Array;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (!isValid(inValid, i)) { nullCount++; continue; }
      const v = rewrite.days(values[i]!, i);
      if (Number.isNaN(v) || v < -2147483648 || v > 2147483647) { nullCount++; changed[i] = 1; continue; }
      out[i] = v;
      setValid(outValid, i);
      if (v !== values[i]) changed[i] = 1;
    }
    return makeFixedWidth(data.type, n, out, outValid, nullCount);
  }
  const values = data.values as BigInt64Array;
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    if (!isValid(inValid, i)) { nullCount++; continue; }
    const v = rewrite.instant(values[i]!, i);
    if (v === null || v < MIN_INT64 || v > MAX_INT64) { nullCount++; changed[i] = 1; continue; }
    out[i] = v;
    setValid(outValid, i);
    if (v !== values[i]) changed[i] = 1;
  }
  return makeFixedWidth(data.type, n, out, outValid, nullCount);
}

function rewriteStrings(data: Data, rewrite: TemporalRewrite, changed: Uint8Array): Data {
  const col = utf8Column(data);
  const { offsets, bytes, valid: inValid } = col;
  const n = col.length;
  const out = new Uint8Array(offsets[n]! - offsets[0]!);
  const outOffsets = new Int32Array(n + 1);
  const outValid = emptyBitmap(n);
  let nullCount = 0;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(inValid, i)) {
      const s = offsets[i]!;
      const len = offsets[i + 1]! - s;
      for (let k = 0; k < len; k++) out[pos + k] = bytes[s + k]!;
      if (rewrite.string(out, pos, pos + len, i)) {
        setValid(outValid, i);
        for (let k = 0; k < len; k++) {
          if (out[pos + k] !== bytes[s + k]) { changed[i] = 1; break; }
        }
        pos += len;
      } else {
        nullCount++;
        changed[i] = 1;
      }
    } else {
      nullCount++;
    }
    outOffsets[i + 1] = pos;
  }
  out.fill(0, pos); // the bytes of values that failed must not travel, even outside the view
  return makeUtf8(n, outOffsets, out.subarray(0, pos), outValid, nullCount);
}

/**
 * Minutes east of UTC of an Arrow Timestamp's time zone when it is fixed: none, UTC, or an
 * offset `±HH:MM` / `±HHMM` / `±HH`. Undefined for named zones (their offset depends on the date).
 */
export function fixedZoneMinutes(timezone: string | null | undefined): number | undefined {
  if (!timezone || timezone === 'UTC' || timezone === 'Etc/UTC' || timezone === 'Z' || timezone === 'GMT') return 0;
  const m = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(timezone);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

/** The non-negative remainder of a by b (b > 0). */
export function floorMod(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r < 0n ? r + b : r;
}
