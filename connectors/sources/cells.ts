// One cell of a source (CSV text, or a JSON scalar) read as a declared type, and the type
// inference rule for sources that declare none.
//
// Null rule: `null`, `undefined` and the empty string are missing values (null) in every type.
// (Readers map their own missing-value spellings, such as CSV's unquoted `NA`, to null first.)
//
// Inference rule, over the non-null cells of a column in the first batch:
//   - no non-null cell                                   -> utf8
//   - every cell a JSON boolean                          -> bool
//   - every cell an integer                              -> int32, or int64 if one is outside int32
//   - every cell a number (integers and floats mixed)    -> float64
//   - anything else                                      -> utf8
// A JSON number is a number. Text (CSV) is a number only when it is written as a plain decimal:
// `-12`, `3.5`, `.5`, `1e-3`; never `0012` or `007.5` (a leading zero marks a code, such as a
// site or postal code, whose zeros would be lost) and never an integer outside int64 (an
// identifier, whose digits a float64 would round). JSON strings stay utf8: JSON has numbers.
// The type is fixed by the first batch: a later cell that does not fit is a DP_ERR_VALIDATION
// (an Arrow stream cannot change its schema); pass a schema to read such a source.
import type { SourceType } from './types.js';

export type Cell = string | number | boolean | null | undefined;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MS_PER_DAY = 86_400_000;

/** Integer text as a declared integer column accepts it: `63`, `+7`, `007`, and `1533226488299.0`. */
const INT_TEXT = /^\s*([+-]?\d+)(?:\.0*)?\s*$/;
/** Integer text as inference accepts it: no leading zeros, no fraction. */
const PLAIN_INT_TEXT = /^[+-]?(?:0|[1-9]\d*)$/;
const FLOAT_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const PLAIN_FLOAT_TEXT = /^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 calendar date and time (RFC 3339 profile, plus a space for the T, a missing zone
// meaning UTC, and seconds or the time itself optional).
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function isMissing(cell: Cell): cell is null | undefined | '' {
  return cell === null || cell === undefined || cell === '';
}

export function parseInt32(cell: string | number | boolean): number | undefined {
  const n = typeof cell === 'number' ? cell : typeof cell === 'string' ? intTextValue(cell) : undefined;
  return n !== undefined && Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX ? n : undefined;
}

export function parseInt64(cell: string | number | boolean): bigint | undefined {
  if (typeof cell === 'number') return Number.isInteger(cell) && inInt64(BigInt(cell)) ? BigInt(cell) : undefined;
  if (typeof cell !== 'string') return undefined;
  const m = INT_TEXT.exec(cell);
  if (!m) return undefined;
  const v = BigInt(m[1]!);
  return inInt64(v) ? v : undefined;
}

export function parseFloat64(cell: string | number | boolean): number | undefined {
  if (typeof cell === 'number') return cell;
  return typeof cell === 'string' && FLOAT_TEXT.test(cell) ? Number(cell) : undefined;
}

/** `true`/`false` (any case), `1`/`0`, or a JSON boolean. */
export function parseBool(cell: string | number | boolean): boolean | undefined {
  if (typeof cell === 'boolean') return cell;
  if (typeof cell === 'number') return cell === 1 ? true : cell === 0 ? false : undefined;
  const s = cell.trim().toLowerCase();
  return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : undefined;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, or a number taken as such a day count. */
export function parseDate32(cell: string | number | boolean): number | undefined {
  if (typeof cell === 'number') return Number.isInteger(cell) && cell >= INT32_MIN && cell <= INT32_MAX ? cell : undefined;
  if (typeof cell !== 'string') return undefined;
  const m = DATE_TEXT.exec(cell.trim());
  if (!m) return undefined;
  const ms = utcMs(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0);
  return ms === undefined ? undefined : ms / MS_PER_DAY;
}

/**
 * Milliseconds since the Unix epoch (UTC) of an ISO 8601 date-time; a time without a zone is
 * UTC, a date without a time is its midnight. A JSON number is taken as epoch ms; digits in
 * text are not (`1928` is a partial ISO date in SDTM, not 1.928 s after the epoch).
 */
export function parseTimestampMs(cell: string | number | boolean): number | undefined {
  if (typeof cell === 'number') return Number.isSafeInteger(cell) ? cell : undefined;
  if (typeof cell !== 'string') return undefined;
  const m = TIMESTAMP_TEXT.exec(cell.trim());
  if (!m) return undefined;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const local = utcMs(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), ms);
  if (local === undefined) return undefined;
  const offset = zoneOffsetMinutes(m[8]);
  return offset === undefined ? undefined : local - offset * 60_000;
}

/** The type a column gets from the cells of the first batch (see the rule at the top of this file). */
export function inferType(cells: readonly Cell[], length: number, fromText: boolean): SourceType {
  let seen = 0;
  let bools = 0;
  let ints = 0;
  let wide = false;
  let numbers = 0;
  for (let i = 0; i < length; i++) {
    const c = cells[i];
    if (isMissing(c)) continue;
    seen++;
    if (typeof c === 'boolean') bools++;
    else if (typeof c === 'number') {
      if (!Number.isFinite(c)) return 'utf8';
      numbers++;
      // Past ±2^63 a JSON integer can only be a float64.
      if (Number.isInteger(c) && Math.abs(c) < 2 ** 63) {
        ints++;
        wide ||= c < INT32_MIN || c > INT32_MAX;
      }
    } else if (fromText && PLAIN_INT_TEXT.test(c)) {
      const v = BigInt(c);
      if (!inInt64(v)) return 'utf8';
      numbers++;
      ints++;
      wide ||= v < INT32_MIN || v > INT32_MAX;
    } else if (fromText && PLAIN_FLOAT_TEXT.test(c) && Number.isFinite(Number(c))) {
      numbers++;
    } else {
      return 'utf8';
    }
  }
  if (seen === 0) return 'utf8';
  if (bools === seen) return 'bool';
  if (ints === seen) return wide ? 'int64' : 'int32';
  if (numbers === seen) return 'float64';
  return 'utf8';
}

function intTextValue(s: string): number | undefined {
  const m = INT_TEXT.exec(s);
  return m ? Number(m[1]) : undefined;
}

function inInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** Epoch ms of a calendar date and time, or undefined when a field is out of range (2023-02-30). */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  // setUTCFullYear, not Date.UTC, which reads years 0..99 as 1900..1999.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, ms);
  // Day 30 of February rolls over into March; a real date survives the round trip.
  return t.getUTCDate() === d && t.getUTCMonth() === mo - 1 ? t.getTime() : undefined;
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (h > 23 || m > 59) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (h * 60 + m);
}
