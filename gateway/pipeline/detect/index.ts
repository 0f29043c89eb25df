// Identifier detection in free text: every family's detector, then one overlap rule.
import { DataportError } from '../../../crypto/errors.js';
import { detectBankCards } from './bank-card.js';
import { detectEmails } from './email.js';
import { detectMobiles } from './mobile.js';
import { detectPassports } from './passport.js';
import { detectPlates } from './plate.js';
import { detectResidentIds } from './resident-id.js';
import type { IdentifierSpan, IdentifierType } from './span.js';
import { detectUsccs } from './uscc.js';
import { detectVins } from './vin.js';

export type { IdentifierSpan, IdentifierType } from './span.js';
export { residentIdCheckChar } from './resident-id.js';
export { usccCheckChar } from './uscc.js';
export { vinCheckDigit } from './vin.js';
export { passesLuhn } from './bank-card.js';
export { FormatTokenizer, tokenizeResidentId, tokenizeUscc, tokenizeVin, type FormatTokenizerOptions } from './fpe.js';

export interface DetectOptions {
  /** The last birth date a resident id may carry (its UTC day); defaults to now. */
  today?: Date;
}

// Between two spans of the same length, the family that constrains its characters more wins:
// an 18-digit resident id (region, date, MOD 11-2) over a USCC (mod 31) over a Luhn number.
const SPECIFICITY: readonly IdentifierType[] = [
  'cn_resident_id', 'cn_uscc', 'vin', 'bank_card', 'cn_passport', 'cn_mobile', 'cn_plate', 'email',
];

/**
 * Finds identifiers in `text`: spans in UTF-16 code units, sorted by start, never overlapping.
 * Where detectors disagree, the longer span is kept (an e-mail address over the phone number
 * that is its local part), then the more specific family.
 */
export function detectIdentifiers(text: string, options: DetectOptions = {}): IdentifierSpan[] {
  if (typeof text !== 'string') {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `text must be a string, got ${typeof text}`);
  }
  const today = options.today ?? new Date();
  if (!(today instanceof Date) || Number.isNaN(today.getTime())) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'options.today must be a valid Date');
  }
  const candidates = [
    ...detectResidentIds(text, today),
    ...detectUsccs(text),
    ...detectVins(text),
    ...detectBankCards(text),
    ...detectPassports(text),
    ...detectMobiles(text),
    ...detectPlates(text),
    ...detectEmails(text),
  ];
  candidates.sort((a, b) =>
    (b.end - b.start) - (a.end - a.start)
    || SPECIFICITY.indexOf(a.type) - SPECIFICITY.indexOf(b.type)
    || a.start - b.start);
  // `kept` stays sorted by start and disjoint, so one binary search finds the only two
  // neighbours a candidate could overlap.
  const kept: IdentifierSpan[] = [];
  for (const c of candidates) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (kept[mid]!.start < c.start) lo = mid + 1; else hi = mid;
    }
    const before = kept[lo - 1];
    const after = kept[lo];
    if ((before === undefined || before.end <= c.start) && (after === undefined || c.end <= after.start)) {
      kept.splice(lo, 0, c);
    }
  }
  return kept;
}
