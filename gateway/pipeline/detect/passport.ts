// Passport numbers of the PRC (ordinary passports).
import { scan, type IdentifierSpan } from './span.js';

// Ordinary e-passports (from 2012): 'E' + 8 digits, or once those ran out 'E' + a letter +
// 7 digits; the older machine-readable ordinary passports: 'G' + 8 digits. Whole token only,
// so a letter and digits inside a longer code are not taken for a passport.
const PATTERN = /(?<![0-9A-Za-z])(?:E[0-9A-Z]|G[0-9])[0-9]{7}(?![0-9A-Za-z])/g;

export function detectPassports(text: string): IdentifierSpan[] {
  return scan(text, PATTERN, 'cn_passport', () => true);
}
