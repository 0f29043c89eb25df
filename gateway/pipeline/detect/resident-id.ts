// Citizen identification number of the PRC, GB 11643-1999.
import { scan, type IdentifierSpan } from './span.js';

// GB 11643-1999 4.1: 6-digit address code, 8-digit birth date, 3-digit sequence, 1 check
// character. Not preceded or followed by an ASCII letter or digit, so an id inside a longer
// token (a 19-digit card number, a serial) is never reported.
const PATTERN = /(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])/g;

// GB/T 2260 province-level codes: the first two digits of the address code.
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
  50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 91,
]);

// GB 11643-1999 7.2: W_i = 2^(i-1) mod 11 for positions 18..2, i.e. left to right:
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** ISO 7064 MOD 11-2 check character over the first 17 digits; 10 is written 'X'. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** A real calendar date (proleptic Gregorian) from 1900-01-01 up to `today` (UTC day). */
function isBirthDate(yyyymmdd: string, today: Date): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one; Date.UTC handles leap years.
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  const todayKey = today.getUTCFullYear() * 10000 + (today.getUTCMonth() + 1) * 100 + today.getUTCDate();
  return year * 10000 + month * 100 + day <= todayKey;
}

export function isResidentId(id: string, today: Date): boolean {
  if (!PROVINCES.has(Number(id.slice(0, 2)))) return false;
  if (!isBirthDate(id.slice(6, 14), today)) return false;
  return residentIdCheckChar(id) === id[17]!.toUpperCase();
}

export function detectResidentIds(text: string, today: Date): IdentifierSpan[] {
  return scan(text, PATTERN, 'cn_resident_id', (m) => isResidentId(m, today));
}
