// One column of a batch as text, for the text sinks (CSV, NDJSON, Dataset-JSON). Each column is
// converted in one loop over its Arrow buffers (typed values, validity bitmap, UTF-8 offsets and
// bytes), chosen once by its type; only types the readers never produce go through `get(i)`.
//
// Text rule, the inverse of connectors/sources/cells.ts:
//   - null                        -> null (each sink writes its own missing value)
//   - utf8                        -> the string
//   - integers                    -> decimal digits
//   - floats                      -> shortest round-trip form, with ".0" on whole numbers so that
//                                    a reader infers float64 again; NaN and infinities as words
//   - bool                        -> true / false
//   - date (day or ms)            -> YYYY-MM-DD
//   - timestamp (any unit)        -> ISO 8601 in UTC, `YYYY-MM-DDThh:mm:ss[.fff]Z` (the fraction
//                                    only when non-zero, to the unit's precision, trailing zeros cut)
//   - dictionary                  -> as its values' type
//   - anything else (lists, structs, decimals...) -> the value as JSON
import { Buffer } from 'node:buffer';
import { DataType, DateUnit, makeVector, Precision, TimeUnit, type Data, type Field } from 'apache-arrow';

/** What a column's text stands for: a JSON writer quotes strings and writes the others bare. */
export type CellKind = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'timestamp' | 'json';

export interface ColumnText {
  kind: CellKind;
  /** One entry per row; null for a null value. For kind 'json', each entry is a JSON text. */
  cells: (string | null)[];
}

const MS_PER_DAY = 86_400_000;
/** ECMA-262 21.4.1.22: a Date holds at most 8.64e15 ms either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

/** The kind of text a field's values become. */
export function cellKindOf(field: Field): CellKind {
  return kindOfType(field.type as DataType);
}

function kindOfType(type: DataType): CellKind {
  if (DataType.isDictionary(type)) return kindOfType(type.dictionary);
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'string';
  if (DataType.isInt(type)) return 'integer';
  if (DataType.isFloat(type)) return 'float';
  if (DataType.isBool(type)) return 'boolean';
  if (DataType.isDate(type)) return 'date';
  if (DataType.isTimestamp(type)) return 'timestamp';
  return 'json';
}

/** The cells of `data` (one column of one batch) as text, by the rule at the top of this file. */
export function columnText(data: Data, kind: CellKind): ColumnText {
  const type = data.type as DataType;
  if (DataType.isDictionary(type)) return viaArrow(data, kind);
  const n = data.length;
  const cells = new Array<string | null>(n);
  const valid = validity(data);
  switch (kind) {
    case 'string': {
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      const bytes = (data.values as Uint8Array | undefined) ?? new Uint8Array(0);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) cells[i] = isValid(valid, i) ? text.toString('utf8', Number(offsets[i]!), Number(offsets[i + 1]!)) : null;
      break;
    }
    case 'integer': {
      const values = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) cells[i] = isValid(valid, i) ? String(values[i]!) : null;
      break;
    }
    case 'float': {
      if (DataType.isFloat(type) && type.precision === Precision.HALF) return viaArrow(data, kind);
      const values = data.values as Float64Array | Float32Array;
      for (let i = 0; i < n; i++) cells[i] = isValid(valid, i) ? floatText(values[i]!) : null;
      break;
    }
    case 'boolean': {
      // A sliced Bool column keeps its whole bitmap: bit (offset + i) is row i.
      const bits = data.values as Uint8Array;
      const at = data.offset;
      for (let i = 0; i < n; i++) {
        const p = at + i;
        cells[i] = isValid(valid, i) ? ((bits[p >> 3]! >> (p & 7)) & 1 ? 'true' : 'false') : null;
      }
      break;
    }
    case 'date': {
      const values = data.values as Int32Array | BigInt64Array;
      const perDay = DataType.isDate(type) && type.unit === DateUnit.DAY ? 1 : MS_PER_DAY;
      for (let i = 0; i < n; i++) cells[i] = isValid(valid, i) ? dateText(Math.floor(Number(values[i]!) / perDay)) : null;
      break;
    }
    case 'timestamp': {
      const values = data.values as BigInt64Array;
      const unit = DataType.isTimestamp(type) ? type.unit : TimeUnit.MILLISECOND;
      for (let i = 0; i < n; i++) cells[i] = isValid(valid, i) ? timestampText(values[i]!, unit) : null;
      break;
    }
    case 'json':
      return viaArrow(data, kind);
  }
  return { kind, cells };
}

/** The shortest text that reads back as the same double, and still reads as a float. */
export function floatText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const s = String(x);
  return Number.isInteger(x) && !s.includes('e') ? `${s}.0` : s;
}

/** YYYY-MM-DD of a day count since 1970-01-01 (years past 9999 in ISO 8601's expanded form). */
export function dateText(days: number): string {
  const ms = days * MS_PER_DAY;
  if (!(Math.abs(ms) <= MAX_DATE_MS)) return String(days); // beyond what ISO text via Date can spell
  const iso = new Date(ms).toISOString();
  return iso.slice(0, iso.indexOf('T'));
}

const UNIT_DIGITS: Record<TimeUnit, number> = {
  [TimeUnit.SECOND]: 0, [TimeUnit.MILLISECOND]: 3, [TimeUnit.MICROSECOND]: 6, [TimeUnit.NANOSECOND]: 9,
};

/** ISO 8601 UTC of a timestamp in `unit` since the epoch; the fraction only when it is not zero. */
export function timestampText(value: bigint, unit: TimeUnit): string {
  const digits = UNIT_DIGITS[unit];
  const perSecond = 10n ** BigInt(digits);
  let seconds = value / perSecond;
  let fraction = value % perSecond;
  if (fraction < 0n) {
    // Before the epoch: floor division, so that the fraction counts forward from a whole second.
    fraction += perSecond;
    seconds -= 1n;
  }
  const ms = Number(seconds) * 1000;
  if (!(Math.abs(ms) <= MAX_DATE_MS)) return String(value);
  const iso = new Date(ms).toISOString(); // ...T10:42:07.000Z
  const whole = iso.slice(0, iso.length - 5);
  return fraction === 0n ? `${whole}Z` : `${whole}.${fraction.toString().padStart(digits, '0').replace(/0+$/, '')}Z`;
}

/**
 * Types no reader produces (dictionaries, half floats, lists, structs...): each value decoded by
 * arrow-js, which gives dates and timestamps as epoch milliseconds.
 */
function viaArrow(data: Data, kind: CellKind): ColumnText {
  const vector = makeVector(data);
  const n = data.length;
  const cells = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = vector.get(i);
    if (v === null || v === undefined) cells[i] = null;
    else if (kind === 'float') cells[i] = floatText(Number(v));
    else if (kind === 'date') cells[i] = dateText(Math.floor(Number(v) / MS_PER_DAY));
    else if (kind === 'timestamp') cells[i] = timestampText(BigInt(Math.floor(Number(v))), TimeUnit.MILLISECOND);
    else if (kind === 'json') cells[i] = JSON.stringify(v, jsonReplacer);
    else cells[i] = String(v);
  }
  return { kind, cells };
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return v;
}

/** The validity bitmap of `data` with bit (offset + i) for row i, or null when no value is null. */
function validity(data: Data): { bits: Uint8Array; offset: number } | null {
  const bits = data.nullBitmap;
  return data.nullCount === 0 || !bits || bits.length === 0 ? null : { bits, offset: data.offset };
}

function isValid(valid: { bits: Uint8Array; offset: number } | null, i: number): boolean {
  if (valid === null) return true;
  const p = valid.offset + i;
  return ((valid.bits[p >> 3]! >> (p & 7)) & 1) === 1;
}

/**
 * The cells as JSON values: strings, dates and timestamps quoted, numbers and booleans bare
 * (as strings with `numbersAsStrings`, Dataset-JSON's rule for decimals), `null` for a null and
 * for a float JSON cannot spell (NaN, infinities).
 */
export function jsonCells({ kind, cells }: ColumnText, numbersAsStrings = false): string[] {
  const n = cells.length;
  const out = new Array<string>(n);
  const quote = kind === 'string' || kind === 'date' || kind === 'timestamp' || (numbersAsStrings && (kind === 'integer' || kind === 'float'));
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    if (c === null || (kind === 'float' && !FINITE_TEXT.test(c))) out[i] = 'null';
    else out[i] = quote ? JSON.stringify(c) : c;
  }
  return out;
}

const FINITE_TEXT = /^-?\d/;
