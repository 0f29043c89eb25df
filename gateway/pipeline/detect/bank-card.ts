// Payment card numbers (PAN), ISO/IEC 7812-1.
import { compact, scan, type IdentifierSpan } from './span.js';

// ISO/IEC 7812-1: up to 19 digits; 16-19 covers UnionPay, Visa, Mastercard, JCB. Either one
// unbroken run, or groups of four joined by one consistent separator (space or '-') with an
// optional 1-3 digit tail (a 19-digit UnionPay card is printed 4-4-4-4-3). Never a slice of a
// longer run: no digit right before or after, and for the grouped form no digit + separator
// before or separator + digit after either. The first digit, the major industry identifier, is 3-6 (travel, banking,
// merchandising: the card ranges in use).
const PATTERN = /(?<![0-9])(?:[3-6][0-9]{15,18}(?![0-9])|(?<![0-9][ -])[3-6][0-9]{3}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}(?:\1[0-9]{1,3})?(?![0-9]|[ -][0-9]))/g;

/** ISO/IEC 7812-1 Annex B (Luhn): doubling every second digit from the right sums to 0 mod 10. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function detectBankCards(text: string): IdentifierSpan[] {
  return scan(text, PATTERN, 'bank_card', (m) => passesLuhn(compact(m)));
}
