// Unified social credit code for legal persons and other organisations, GB 32100-2015.
import { scan, type IdentifierSpan } from './span.js';

// GB 32100-2015 4: the code's 31-character set (digits and capitals without I, O, S, V, Z).
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

// GB 32100-2015 4 (Table 1): position 1 is the registration authority (1-9, A, N, Y), 2 the
// organisation category (a digit), 3-8 the GB/T 2260 administrative division code, 9-17 the
// organisation code, 18 the check character. Whole-token only.
const PATTERN = /(?<![0-9A-Za-z])[1-9ANY][1-9][0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Za-z])/g;

// GB 32100-2015 Annex B: W_i = 3^(i-1) mod 31.
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Check character of GB 32100-2015 Annex B: C18 = 31 - (sum mod 31), where 31 becomes 0. */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return CHARSET[(31 - (sum % 31)) % 31]!;
}

export function isUscc(code: string): boolean {
  return usccCheckChar(code) === code[17];
}

export function detectUsccs(text: string): IdentifierSpan[] {
  return scan(text, PATTERN, 'cn_uscc', isUscc);
}
