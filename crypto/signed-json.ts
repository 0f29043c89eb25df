// Detached Ed25519 signatures over canonical JSON (RFC 8785), with a purpose string for domain
// separation, so a signature made for one kind of object (an agreement, an approval) can never be
// replayed as another. What is signed: UTF-8 of `dataport:<purpose>:v1\n` followed by JCS(value).
import { fromBase64, toBase64, utf8, concatBytes } from './bytes.js';
import { canonicalBytes } from './jcs.js';
import { DataportError } from './errors.js';
import { publicKeyFromDid, signBytes, verifyBytes, type Identity } from './identity.js';

export interface JsonSignature {
  /** The signer's did:key. */
  signer: string;
  alg: 'ed25519';
  /** base64 of the 64-byte Ed25519 signature. */
  value: string;
}

function signedBytes(purpose: string, value: unknown): Uint8Array {
  if (!/^[a-z][a-z0-9-]*$/.test(purpose)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `purpose ${JSON.stringify(purpose)} must be a lower-case word`);
  return concatBytes(utf8.encode(`dataport:${purpose}:v1\n`), canonicalBytes(value));
}

export function signJson(purpose: string, value: unknown, identity: Identity): JsonSignature {
  return { signer: identity.did, alg: 'ed25519', value: toBase64(signBytes(identity, signedBytes(purpose, value))) };
}

/** True when `signature` is a valid signature by its signer over `value` for `purpose`; never throws. */
export function verifyJson(purpose: string, value: unknown, signature: unknown): boolean {
  try {
    const sig = signature as JsonSignature;
    if (!sig || typeof sig !== 'object' || sig.alg !== 'ed25519' || typeof sig.value !== 'string' || typeof sig.signer !== 'string') return false;
    const raw = fromBase64(sig.value);
    return raw.length === 64 && verifyBytes(publicKeyFromDid(sig.signer), signedBytes(purpose, value), raw);
  } catch {
    return false;
  }
}
