// Format-preserving tokens for the identifiers whose shape downstream systems validate: a keyed,
// deterministic replacement of the same length and character classes, with its check
// character(s) recomputed, so a token passes the validators (and this folder's detector) that
// the original passed.
//
// The keyed part is a permutation: FF1's Feistel network (NIST SP 800-38G 6.2, Algorithm 7,
// step 6: ten alternating rounds, C = (A + F(B)) mod |A's range|, A = B, B = C) over a
// mixed-radix domain Z_p x Z_q instead of radix^n, with HMAC-SHA-256 as the round function F
// instead of AES. It is therefore not FF1 and has no published vectors, but every round is
// invertible, so under one key two identifiers never share a token (the provider, who holds the
// key, could run it backwards). The parts an identifier keeps go into the tweak, so the
// permutation differs per kept part. Each domain is far above the 10^6 values SP 800-38G 5.2
// asks of FF1's.
//
// What each token keeps and what it keys:
//  - resident ID (GB 11643-1999): keeps the province (digits 1-2) and the birth year; keys the
//    rest of the address code (digits 3-6: a keyed code inside the province, not necessarily a
//    real GB/T 2260 county), the day of the birth date within its year, and the sequence (whose
//    parity is the sex, so sex is not kept). A token is therefore always a real date of the same
//    year. The trade-off: any deterministic injective token that a "birth date <= today" check
//    accepts for every today must keep the whole date (the tokens of the ids born up to any day
//    must be exactly those ids); keying the day within the year gives up that guarantee for one
//    year only: an id born this calendar year may get a token dated later this year, which a
//    validator rejects until that day has passed.
//  - VIN (ISO 3779): keeps the WMI (positions 1-3, the manufacturer: not identifying) and
//    position 10 (model year, kept as it is: a valid year code stays one); keys positions 4-8
//    and 11-17 (vehicle attributes, plant, serial), each within its class (a digit stays a
//    digit, a letter a letter of the VIN alphabet), then recomputes the position-9 check digit.
//  - USCC (GB 32100-2015): keeps the registration authority, the category and the division code
//    (positions 1-8: an organisation's type and registering authority, public); keys the
//    organisation code body (positions 9-16) within classes, recomputes its GB 11714-1997 check
//    character (position 17) and the GB 32100 one (position 18).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { abytes } from '../../../crypto/bytes.js';
import { DataportError } from '../../../crypto/errors.js';
import type { TokenKind } from '../../../policies/pipeline/models.js';
import { keyedHash, type HmacBackend, type KeyedHash } from '../transforms/keyed-hash.js';
import { isResidentId, residentIdCheckChar } from './resident-id.js';
import { isUscc, usccCheckChar } from './uscc.js';
import { isVin, vinCheckDigit } from './vin.js';

export type { TokenKind } from '../../../policies/pipeline/models.js';

/** Feistel rounds, as FF1. */
const ROUNDS = 10;
const MIN_KEY_LENGTH = 16;
/** The round key is HMAC(key, this), so a key shared with pseudonymize yields unrelated values. */
const ROUND_KEY_LABEL = 'dataport/format-token/v1';

const RESIDENT_ID = /^[0-9]{17}[0-9Xx]$/;
const VIN = /^[0-9A-HJ-NPR-Z]{17}$/;
const USCC = /^[1-9ANY][1-9][0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$/;

const DIGITS = '0123456789';
/** ISO 3779 4.1: the VIN letters (no I, O, Q). */
const VIN_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
/** GB 32100-2015 4: the code's letters (no I, O, S, V, Z). */
const USCC_LETTERS = 'ABCDEFGHJKLMNPQRTUWXY';

/** 0-based positions a VIN token rewrites: the VDS (4-8) and the VIS after the model year (11-17). */
const VIN_KEYED = [3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16];
/** The organisation code's body (USCC positions 9-16), and the body with its check character. */
const ORG_BODY = [8, 9, 10, 11, 12, 13, 14, 15];
const ORG_CODE = [...ORG_BODY, 16];

const DAY_MS = 86_400_000;
/** A bound no birth date reaches: "reads as a resident ID" must not change with the date. */
const END_OF_TIME = new Date(Date.UTC(9999, 11, 31));

const NAMES: Readonly<Record<TokenKind, string>> = {
  cn_resident_id: 'resident ID number (GB 11643-1999: province code, birth date from 1900 to today, MOD 11-2 check character)',
  vin: 'VIN (ISO 3779: 17 characters without I, O, Q, at least one letter, position-9 check digit)',
  cn_uscc: 'unified social credit code (GB 32100-2015 character set and check character)',
};

// GB 11714-1997 2.1.2: C9 = 11 - MOD(sum(Ci * Wi), 11), 10 written 'X' and 11 written '0';
// Annex A values the characters 0-9 and A-Z as 0-35.
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** The GB 11714-1997 check character of an 8-character organisation code body. */
export function orgCodeCheckChar(body: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body.charCodeAt(i);
    sum += (c <= 57 ? c - 48 : c - 55) * ORG_WEIGHTS[i]!;
  }
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

export interface FormatTokenizerOptions {
  hmacBackend?: HmacBackend;
  /** The last birth date a resident ID may carry (its UTC day), as the detector; defaults to now. */
  today?: Date;
}

/** Format-preserving tokens under one key; each method returns null for a value that is not a valid identifier. */
export class FormatTokenizer {
  readonly #hash: KeyedHash;
  readonly #today: Date;
  /** One round's HMAC input: tweak length, tweak, round, B (6 bytes big-endian). */
  readonly #message = new Uint8Array(72);
  readonly #tag = new Uint8Array(32);
  #hmacs = 0;

  constructor(key: Uint8Array, options: FormatTokenizerOptions = {}) {
    abytes(key, undefined, 'key');
    if (key.length < MIN_KEY_LENGTH) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `key has ${key.length} bytes, want at least ${MIN_KEY_LENGTH}`);
    const today = options.today ?? new Date();
    if (!(today instanceof Date) || Number.isNaN(today.getTime())) throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'options.today must be a valid Date');
    this.#hash = keyedHash(hmac(sha256, key, utf8ToBytes(ROUND_KEY_LABEL)), options.hmacBackend);
    this.#today = today;
  }

  /** HMAC-SHA-256 evaluations so far: ten per token, more when a credit code walks (see uscc). */
  get hmacs(): number {
    return this.#hmacs;
  }

  tokenize(kind: TokenKind, value: string): string | null {
    switch (kind) {
      case 'cn_resident_id': return this.residentId(value);
      case 'vin': return this.vin(value);
      case 'cn_uscc': return this.uscc(value);
      default: throw new DataportError('DP_ERR_INVALID_ARGUMENT', `no format-preserving token for kind ${JSON.stringify(String(kind))}`);
    }
  }

  residentId(id: string): string | null {
    if (!RESIDENT_ID.test(id) || !isResidentId(id, this.#today)) return null;
    const province = id.slice(0, 2);
    const year = Number(id.slice(6, 10));
    const jan1 = Date.UTC(year, 0, 1);
    const days = (Date.UTC(year + 1, 0, 1) - jan1) / DAY_MS;
    const dayOfYear = (Date.UTC(year, Number(id.slice(10, 12)) - 1, Number(id.slice(12, 14))) - jan1) / DAY_MS;
    // Two halves of similar size, as FF1 splits its digits: (day, address digits 3-4) and
    // (address digits 5-6, sequence).
    const [a, b] = this.#permute(`cn_resident_id|${province}|${year}`, days * 100, 100_000,
      dayOfYear * 100 + Number(id.slice(2, 4)), Number(id.slice(4, 6)) * 1000 + Number(id.slice(14, 17)));
    const birth = new Date(jan1 + Math.floor(a / 100) * DAY_MS);
    const first17 = province + pad(a % 100, 2) + pad(Math.floor(b / 1000), 2)
      + year + pad(birth.getUTCMonth() + 1, 2) + pad(birth.getUTCDate(), 2) + pad(b % 1000, 3);
    return first17 + residentIdCheckChar(first17);
  }

  vin(vin: string): string | null {
    if (!VIN.test(vin) || !isVin(vin)) return null;
    const chars = [...vin];
    this.#permuteChars(`vin|${vin.slice(0, 3)}${vin[9]}`, chars, VIN_KEYED, VIN_LETTERS);
    // Position 9 weighs 0 in its own sum (49 CFR 565.15 Table V), so the old digit can stay while it is computed.
    chars[8] = vinCheckDigit(chars.join(''));
    return chars.join('');
  }

  /**
   * Two properties of the input are kept by cycle-walking (re-applying the permutation until the
   * result has them too, which is again a permutation of the values that have them):
   * whether its organisation code's own check character is right (a code whose check is wrong
   * gets all nine characters permuted, and a token whose check is wrong too), and whether it also
   * reads as a resident ID (all digits with a valid province, date and MOD 11-2 character: the
   * detector prefers that reading, so a token must not acquire it). The second is judged without
   * the "born by today" bound, which would make tokens change with the date; so a code whose
   * digits 7-14 read as a date still to come passes as a credit code today, while its token, of
   * the same kind, may read as a resident ID already.
   */
  uscc(code: string): string | null {
    if (!USCC.test(code) || !isUscc(code)) return null;
    const orgCheckRight = orgCodeCheckChar(code.slice(8, 16)) === code[16];
    const ambiguous = readsAsResidentId(code);
    const tweak = `cn_uscc|${orgCheckRight ? 'body' : 'code'}|${code.slice(0, 8)}`;
    const chars = [...code];
    let token: string;
    do {
      this.#permuteChars(tweak, chars, orgCheckRight ? ORG_BODY : ORG_CODE, USCC_LETTERS);
      if (orgCheckRight) chars[16] = orgCodeCheckChar(chars.slice(8, 16).join(''));
      chars[17] = usccCheckChar(chars.join(''));
      token = chars.join('');
    } while (readsAsResidentId(token) !== ambiguous || (!orgCheckRight && orgCodeCheckChar(token.slice(8, 16)) === token[16]));
    return token;
  }

  /**
   * Permutes the characters of `chars` at `positions`, each within its class (digit or one of
   * `letters`): the positions are two mixed-radix numbers (first half, second half) for #permute.
   * The class pattern is part of the tweak, since it fixes the domain.
   */
  #permuteChars(tweak: string, chars: string[], positions: readonly number[], letters: string): void {
    const alphabets = positions.map((at) => (DIGITS.includes(chars[at]!) ? DIGITS : letters));
    const u = positions.length >> 1;
    let a = 0;
    let p = 1;
    let b = 0;
    let q = 1;
    positions.forEach((at, k) => {
      const alphabet = alphabets[k]!;
      if (k < u) {
        a = a * alphabet.length + alphabet.indexOf(chars[at]!);
        p *= alphabet.length;
      } else {
        b = b * alphabet.length + alphabet.indexOf(chars[at]!);
        q *= alphabet.length;
      }
    });
    const pattern = alphabets.map((x) => (x === DIGITS ? 'd' : 'l')).join('');
    [a, b] = this.#permute(`${tweak}|${pattern}`, p, q, a, b);
    for (let k = positions.length - 1; k >= 0; k--) {
      const alphabet = alphabets[k]!;
      if (k >= u) {
        chars[positions[k]!] = alphabet[b % alphabet.length]!;
        b = Math.floor(b / alphabet.length);
      } else {
        chars[positions[k]!] = alphabet[a % alphabet.length]!;
        a = Math.floor(a / alphabet.length);
      }
    }
  }

  /**
   * The keyed permutation of Z_p x Z_q: SP 800-38G Algorithm 7 step 6 with A in Z_p,
   * B in Z_q, and y = HMAC(tweak, i, B) read as a number mod the range of A. p and q stay below
   * 2^45 (the largest, 23^6, is ~2^27), so y * 256 + 255 is exact in a double.
   */
  #permute(tweak: string, p: number, q: number, a: number, b: number): [number, number] {
    const m = this.#message;
    const t = m.subarray(1, 1 + tweak.length);
    for (let k = 0; k < tweak.length; k++) t[k] = tweak.charCodeAt(k);
    m[0] = tweak.length;
    const at = 1 + tweak.length;
    for (let i = 0; i < ROUNDS; i++) {
      const modulus = i % 2 === 0 ? p : q;
      m[at] = i;
      const hi = Math.floor(b / 2 ** 32);
      m[at + 1] = hi >>> 8;
      m[at + 2] = hi & 0xff;
      m[at + 3] = b >>> 24;
      m[at + 4] = (b >>> 16) & 0xff;
      m[at + 5] = (b >>> 8) & 0xff;
      m[at + 6] = b & 0xff;
      const tag = this.#hash(m.subarray(0, at + 7), this.#tag);
      this.#hmacs++;
      // 96 bits of the tag mod the range: the bias is below 2^-50.
      let y = 0;
      for (let k = 0; k < 12; k++) y = (y * 256 + tag[k]!) % modulus;
      const c = (a + y) % modulus;
      a = b;
      b = c;
    }
    return [a, b];
  }
}

/** Whether a code also passes as a resident ID number, whatever today is. */
function readsAsResidentId(code: string): boolean {
  return RESIDENT_ID.test(code) && isResidentId(code, END_OF_TIME);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The token of resident ID number `id` under `key`; throws DP_ERR_VALIDATION if it is not one. */
export function tokenizeResidentId(key: Uint8Array, id: string, options?: FormatTokenizerOptions): string {
  return tokenOrThrow(key, 'cn_resident_id', id, options);
}

/** The token of `vin` under `key`; throws DP_ERR_VALIDATION if it is not a VIN. */
export function tokenizeVin(key: Uint8Array, vin: string, options?: FormatTokenizerOptions): string {
  return tokenOrThrow(key, 'vin', vin, options);
}

/** The token of unified social credit code `code` under `key`; throws DP_ERR_VALIDATION if it is not one. */
export function tokenizeUscc(key: Uint8Array, code: string, options?: FormatTokenizerOptions): string {
  return tokenOrThrow(key, 'cn_uscc', code, options);
}

function tokenOrThrow(key: Uint8Array, kind: TokenKind, value: string, options?: FormatTokenizerOptions): string {
  if (typeof value !== 'string') throw new DataportError('DP_ERR_INVALID_ARGUMENT', `the ${kind} value must be a string, got ${typeof value}`);
  const token = new FormatTokenizer(key, options).tokenize(kind, value);
  // The value is not quoted: it may well be personal data.
  if (token === null) throw new DataportError('DP_ERR_VALIDATION', `a value of ${value.length} characters is not a valid ${NAMES[kind]}`);
  return token;
}
