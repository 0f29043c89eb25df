// Calendar arithmetic on YYYY-MM-DD dates as day numbers (days since 1970-01-01), so that the
// engine never reads a clock: every date it compares comes from the facts.

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a YYYY-MM-DD calendar date; undefined when `date` is not one (2026-02-30). */
export function dayNumber(date: string): number | undefined {
  const m = DATE.exec(date);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return Math.round(d.getTime() / DAY_MS);
}

export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The last day of a period of `years` counted from `date`: the corresponding day `years` later, or
 * the last day of that month when it has none (Civil Code Arts 201-202: the first day is not
 * counted, the period ends on the corresponding day). From 2023-05-01: 2026-05-01; from 2024-02-29: 2027-02-28.
 */
export function periodEnd(date: string, years: number): number {
  const d = new Date(dayNumber(date)! * DAY_MS);
  const month = d.getUTCMonth();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  // 29 February into a common year rolls over to 1 March: back to the month's last day.
  if (d.getUTCMonth() !== month) d.setUTCDate(0);
  return Math.round(d.getTime() / DAY_MS);
}

/**
 * Working days after day `from` up to and including day `to` (negative when `to` is earlier):
 * Monday to Friday. Public holidays and the weekend days China makes working days are not known
 * to the engine and are not counted either way.
 */
export function workingDaysBetween(from: number, to: number): number {
  return weekdaysThrough(to) - weekdaysThrough(from);
}

/** Weekdays from Monday 1970-01-05 (day 4) through `day`, counted relative to it. */
function weekdaysThrough(day: number): number {
  const sinceMonday = day - 4;
  const weeks = Math.floor(sinceMonday / 7);
  const rest = sinceMonday - weeks * 7; // 0 = Monday ... 6 = Sunday
  return weeks * 5 + Math.min(rest + 1, 5);
}
