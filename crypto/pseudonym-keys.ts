// Keys for keyed pseudonyms and per-subject date shifts, derived with HKDF-SHA256 (RFC 5869)
// from the provider's secret. The agreement id is the salt, so two agreements (two consumers, or
// one consumer's two contracts) get unrelated keys and their tokens cannot be joined; the column
// is in `info`, so a token of one column says nothing about another. Only the secret's holder
// (the provider) can recompute a token from a value, which is how it re-identifies.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { DataportError } from './errors.js';

/** Bytes of every derived key: the SHA-256 output size, the HMAC-SHA-256 key size that wastes nothing. */
export const PSEUDONYM_KEY_LENGTH = 32;
/** The provider secret must carry at least as much entropy as the keys derived from it. */
export const MIN_PROVIDER_SECRET_LENGTH = 32;

const PSEUDONYM_INFO = 'dataport/pseudonym/v1/';
const DATE_SHIFT_INFO = 'dataport/date-shift/v1';

/** The HMAC key that turns the values of `column` into tokens under `agreementId`. */
export function columnKey(providerSecret: Uint8Array, agreementId: string, column: string): Uint8Array {
  checkSecret(providerSecret);
  checkName(agreementId, 'agreementId');
  checkName(column, 'column');
  return derive(providerSecret, agreementId, PSEUDONYM_INFO + column);
}

/** The HMAC key that maps a subject to its secret date offset under `agreementId`. */
export function dateShiftKey(providerSecret: Uint8Array, agreementId: string): Uint8Array {
  checkSecret(providerSecret);
  checkName(agreementId, 'agreementId');
  return derive(providerSecret, agreementId, DATE_SHIFT_INFO);
}

// RFC 5869 2.2 (extract, salt = agreement id) then 2.3 (expand, info = purpose and column).
function derive(secret: Uint8Array, agreementId: string, info: string): Uint8Array {
  return hkdf(sha256, secret, utf8ToBytes(agreementId), utf8ToBytes(info), PSEUDONYM_KEY_LENGTH);
}

function checkSecret(secret: unknown): void {
  if (!(secret instanceof Uint8Array)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'providerSecret must be a Uint8Array');
  }
  if (secret.length < MIN_PROVIDER_SECRET_LENGTH) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `providerSecret has ${secret.length} bytes, want at least ${MIN_PROVIDER_SECRET_LENGTH}`);
  }
}

function checkName(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${name} must be a non-empty string`);
  }
}
