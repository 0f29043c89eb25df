// The XML Schema 1.1 Part 2 lexical spaces ODRL's operands use: xsd:dateTime (3.3.7), xsd:duration
// (3.3.6) and the decimal numbers. Instants are milliseconds since the epoch; finer fractions of a
// second are truncated, so comparisons are exact to the millisecond.

export type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };
const fail = (why: string): { ok: false; why: string } => ({ ok: false, why });

// 3.3.7.2 dateTimeLexicalRep, except that seconds may be left out: DSP 2025-1's own examples
// write "2023-12-31T06:00Z".
const DATE_TIME = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function utc(year: number, month: number, day: number, ms: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC, which maps years 0..99 to 1900..1999
  return d.getTime() + ms;
}

/** An xsd:dateTime with a timezone, as an instant. Without a timezone there is no instant (3.3.7: not totally ordered). */
export function parseDateTime(s: string): Parsed<number> {
  const m = DATE_TIME.exec(s);
  if (m === null) {
    if (/^-?\d{4,}-\d\d-\d\d(Z|[+-]\d\d:\d\d)?$/.test(s)) return fail(`'${s}' is an xsd:date, not an instant; write an xsd:dateTime such as ${s.slice(0, 10)}T00:00:00Z`);
    return fail(`'${s}' is not an xsd:dateTime (YYYY-MM-DDThh:mm:ss with Z or ±hh:mm)`);
  }
  const [, y, mo, d, h, mi, sec = '00', frac = '', tz] = m as unknown as [string, string, string, string, string, string, string?, string?, string?];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, sec].map(Number) as [number, number, number, number, number, number];
  if (tz === undefined) return fail(`'${s}' has no timezone, so it names no instant; add Z or ±hh:mm`);
  if (month < 1 || month > 12) return fail(`'${s}': month ${mo} is not 01..12`);
  if (day < 1 || day > daysInMonth(year, month)) return fail(`'${s}': day ${d} is not in ${y}-${mo}`);
  const endOfDay = hour === 24 && minute === 0 && second === 0 && !/[1-9]/.test(frac);
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59) return fail(`'${s}': time ${h}:${mi}:${sec} is out of range`);
  let offset = 0;
  if (tz !== 'Z') {
    const tzh = Number(tz.slice(1, 3));
    const tzm = Number(tz.slice(4, 6));
    if (tzm > 59 || tzh > 14 || (tzh === 14 && tzm > 0)) return fail(`'${s}': timezone ${tz} is not within ±14:00`);
    offset = (tz[0] === '-' ? -1 : 1) * (tzh * 60 + tzm) * 60_000;
  }
  const ms = Math.floor(Number(`0${frac}`) * 1000);
  return { ok: true, value: utc(year, month, day, ((hour * 60 + minute) * 60 + second) * 1000 + ms) - offset };
}

/** 3.3.6: a duration is a (months, seconds) pair; the two do not convert into each other. */
export interface Duration {
  readonly negative: boolean;
  readonly months: number;
  readonly seconds: number;
}

const DURATION = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(s: string): Parsed<Duration> {
  const m = DURATION.exec(s);
  // 3.3.6.2: at least one field, and a 'T' only with a time field after it.
  if (m === null || s.endsWith('T') || m.slice(2).every((f) => f === undefined)) {
    return fail(`'${s}' is not an xsd:duration (e.g. P30D, PT12H, P1Y2M)`);
  }
  const [Y, M, D, H, Mi, S] = m.slice(2).map((f) => (f === undefined ? 0 : Number(f))) as [number, number, number, number, number, number];
  return { ok: true, value: { negative: m[1] === '-', months: Y * 12 + M, seconds: ((D * 24 + H) * 60 + Mi) * 60 + S } };
}

/** Appendix E.3.3: months first, the day pinned to the new month's length, then the seconds. Computed in UTC. */
export function addDuration(instant: number, d: Duration): number {
  const sign = d.negative ? -1 : 1;
  const t = new Date(instant);
  const total = t.getUTCFullYear() * 12 + t.getUTCMonth() + sign * d.months;
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  const day = Math.min(t.getUTCDate(), daysInMonth(year, month));
  const msOfDay = instant - utc(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), 0);
  return utc(year, month, day, msOfDay) + sign * Math.round(d.seconds * 1000);
}

/** A span of milliseconds as a day-time xsd:duration: 2_678_400_000 -> 'P31D'. */
export function formatSpan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  const seconds = (rest - minutes * 60_000) / 1000;
  const time = (hours ? `${hours}H` : '') + (minutes ? `${minutes}M` : '') + (seconds ? `${seconds}S` : '');
  if (!days && !time) return 'PT0S';
  return `${sign}P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** xsd:decimal / xsd:integer / xsd:double lexical forms (no INF or NaN: they order nothing). */
export function parseNumber(s: string): Parsed<number> {
  const n = Number(s);
  return DECIMAL.test(s) && Number.isFinite(n) ? { ok: true, value: n } : fail(`'${s}' is not a number`);
}
