import t from 'tap';
import { addDuration, formatSpan, parseDateTime, parseDuration, parseNumber, type Duration } from '../../../policies/odrl/xsd.js';

const ms = (s: string): number => Date.parse(s);

t.test('xsd:dateTime with Z, offsets and fractions parses to the instant', async (t) => {
  t.same(parseDateTime('2025-01-01T00:00:00Z'), { ok: true, value: ms('2025-01-01T00:00:00Z') });
  t.same(parseDateTime('2025-01-01T08:00:00+08:00'), { ok: true, value: ms('2025-01-01T00:00:00Z') }, '+08:00 (Beijing) is the same instant');
  t.same(parseDateTime('2024-12-31T19:00:00-05:00'), { ok: true, value: ms('2025-01-01T00:00:00Z') });
  t.same(parseDateTime('2025-01-01T00:00:00.1239Z'), { ok: true, value: ms('2025-01-01T00:00:00.123Z') }, 'fractions truncate to the millisecond');
  t.same(parseDateTime('2023-12-31T06:00Z'), { ok: true, value: ms('2023-12-31T06:00:00Z') }, "DSP's own examples leave out the seconds");
  t.same(parseDateTime('2024-12-31T24:00:00Z'), { ok: true, value: ms('2025-01-01T00:00:00Z') }, '24:00:00 is the next day (3.3.7)');
  t.equal(new Date((parseDateTime('0099-03-01T00:00:00Z') as { value: number }).value).getUTCFullYear(), 99);
});

t.test('xsd:dateTime without a timezone, out of range or as a date is refused with the reason', async (t) => {
  t.match(parseDateTime('2025-01-01T00:00:00'), { ok: false, why: /no timezone/ });
  t.match(parseDateTime('2025-02-29T00:00:00Z'), { ok: false, why: /day 29 is not in 2025-02/ });
  t.match(parseDateTime('2024-02-29T00:00:00Z'), { ok: true }, '2024 is a leap year');
  t.match(parseDateTime('2025-13-01T00:00:00Z'), { ok: false, why: /month 13/ });
  t.match(parseDateTime('2025-01-01T24:00:01Z'), { ok: false, why: /out of range/ });
  t.match(parseDateTime('2025-01-01T10:60:00Z'), { ok: false, why: /out of range/ });
  t.match(parseDateTime('2025-01-01T00:00:00+15:00'), { ok: false, why: /±14:00/ });
  t.match(parseDateTime('2025-01-01'), { ok: false, why: /is an xsd:date, not an instant/ });
  t.match(parseDateTime('next tuesday'), { ok: false, why: /'next tuesday' is not an xsd:dateTime/ });
});

t.test('xsd:duration parses into months and seconds', async (t) => {
  t.same(parseDuration('P30D'), { ok: true, value: { negative: false, months: 0, seconds: 30 * 86400 } });
  t.same(parseDuration('PT12H'), { ok: true, value: { negative: false, months: 0, seconds: 12 * 3600 } });
  t.same(parseDuration('P1Y2M'), { ok: true, value: { negative: false, months: 14, seconds: 0 } });
  t.same(parseDuration('P1DT1H1M1.5S'), { ok: true, value: { negative: false, months: 0, seconds: 86400 + 3600 + 60 + 1.5 } });
  t.same(parseDuration('-PT1S'), { ok: true, value: { negative: true, months: 0, seconds: 1 } });
});

t.test('malformed xsd:durations are refused', async (t) => {
  for (const bad of ['P', 'PT', 'P1DT', '30D', 'P1.5D', 'P1H', 'PT1D', 'p30d', 'P30D ', '']) {
    t.match(parseDuration(bad), { ok: false, why: /is not an xsd:duration/ }, JSON.stringify(bad));
  }
});

t.test('adding a duration pins the day to the end of a shorter month (XSD E.3.3)', async (t) => {
  const add = (at: string, d: string): string => new Date(addDuration(ms(at), (parseDuration(d) as unknown as { value: Duration }).value)).toISOString();
  t.equal(add('2025-01-31T10:00:00Z', 'P1M'), '2025-02-28T10:00:00.000Z');
  t.equal(add('2024-01-31T10:00:00Z', 'P1M'), '2024-02-29T10:00:00.000Z');
  t.equal(add('2025-11-15T00:00:00Z', 'P3M'), '2026-02-15T00:00:00.000Z', 'months carry into years');
  t.equal(add('2025-01-01T00:00:00Z', 'P30D'), '2025-01-31T00:00:00.000Z');
  t.equal(add('2025-01-01T00:00:00Z', 'P1Y1DT12H'), '2026-01-02T12:00:00.000Z');
  t.equal(add('2025-03-01T00:00:00Z', '-P1M'), '2025-02-01T00:00:00.000Z');
});

t.test('a span of milliseconds renders as a day-time duration', async (t) => {
  t.equal(formatSpan(31 * 86_400_000), 'P31D');
  t.equal(formatSpan(2 * 3_600_000 + 30 * 60_000), 'PT2H30M');
  t.equal(formatSpan(86_400_000 + 1500), 'P1DT1.5S');
  t.equal(formatSpan(0), 'PT0S');
  t.equal(formatSpan(-5000), '-PT5S');
});

t.test('numbers: decimal lexical forms only', async (t) => {
  t.same(parseNumber('10'), { ok: true, value: 10 });
  t.same(parseNumber('-2.5e1'), { ok: true, value: -25 });
  for (const bad of ['', ' ', '0x10', 'INF', 'NaN', 'ten', '1,000']) t.match(parseNumber(bad), { ok: false, why: /is not a number/ }, JSON.stringify(bad));
});
