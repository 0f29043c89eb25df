// Vehicle identification number, ISO 3779 / GB 16735 (which keeps the position-9 check digit).
import { scan, type IdentifierSpan } from './span.js';

// ISO 3779 4.1: 17 characters from 0-9 and A-Z without I, O, Q. Whole-token only.
const PATTERN = /(?<![0-9A-Za-z])[0-9A-HJ-NPR-Z]{17}(?![0-9A-Za-z])/g;

// Transliteration of letters to values (49 CFR 565.15 Table IV, GB 16735 Annex C).
const LETTER_VALUES: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8,
  J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};

// Position weights (49 CFR 565.15 Table V); position 9, the check digit itself, weighs 0.
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** The check digit for position 9: weighted sum mod 11, where 10 is written 'X'. */
export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i]!;
    const value = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : LETTER_VALUES[c]!;
    sum += value * WEIGHTS[i]!;
  }
  const check = sum % 11;
  return check === 10 ? 'X' : String(check);
}

export function isVin(vin: string): boolean {
  // One in eleven 17-digit runs would pass the check by chance; an all-digit token is far
  // likelier some other number than a VIN (whose WMI and VDS carry letters), so require one.
  if (!/[A-Z]/.test(vin)) return false;
  return vinCheckDigit(vin) === vin[8];
}

export function detectVins(text: string): IdentifierSpan[] {
  return scan(text, PATTERN, 'vin', isVin);
}
