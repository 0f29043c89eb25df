// Mainland China mobile numbers (numbering plan of the MIIT: 11 digits, 1[3-9]x prefixes).
import { scan, type IdentifierSpan } from './span.js';

// Optional country code (+86, 0086 or 86, ITU-T E.164 / E.123), then 1[3-9] and 9 more digits,
// optionally written 3-4-4 with one consistent separator (space or '-'). Never a slice of a
// longer digit run: 10- and 12-digit runs are not phone numbers.
const PATTERN = /(?<![0-9])(?:(?:\+86|0086|86)[ -]?)?1[3-9][0-9]([ -]?)[0-9]{4}\1[0-9]{4}(?![0-9])/g;

export function detectMobiles(text: string): IdentifierSpan[] {
  return scan(text, PATTERN, 'cn_mobile', () => true);
}
