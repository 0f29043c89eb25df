// The one place dataport chooses its Ed25519 implementation (RFC 8032). Node's native one
// (OpenSSL) signs in ~35 µs and verifies in ~110 µs here, against ~520 µs and ~1,150 µs for
// @noble/curves; every signed request costs a signature and a verification, so the negotiation
// benchmark depends on it. noble stays the reference: the tests check both against the RFC 8032
// vectors and against each other, and `nobleEd25519` is exported for platforms without node:crypto.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';

export interface Ed25519Backend {
  readonly name: string;
  /** RFC 8032 5.1.6 (deterministic). `secretKey` is the 32-byte seed. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** RFC 8032 5.1.7, strict encodings. May throw on malformed input; callers catch. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export const nobleEd25519: Ed25519Backend = {
  name: '@noble/curves',
  sign: (message, secretKey) => ed25519.sign(message, secretKey),
  verify: (signature, message, publicKey) => ed25519.verify(signature, message, publicKey, { zip215: false }),
};

// DER prefixes of a PKCS#8 Ed25519 private key and an SPKI public key (RFC 8410 7 and 4).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const CACHE_LIMIT = 4096;

/** Bounded cache of parsed keys: parsing costs as much as a verification. */
function keyCache(make: (raw: Uint8Array) => KeyObject): (raw: Uint8Array) => KeyObject {
  const cache = new Map<string, KeyObject>();
  return (raw) => {
    const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    let key = cache.get(id);
    if (!key) {
      key = make(raw);
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
      cache.set(id, key);
    }
    return key;
  };
}

const privateKey = keyCache((seed) => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
const publicKey = keyCache((raw) => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }));

export const nodeEd25519: Ed25519Backend = {
  name: 'node:crypto',
  sign: (message, secretKey) => new Uint8Array(nodeSign(null, message, privateKey(secretKey))),
  verify: (signature, message, key) => {
    // RFC 8032 5.1.7 rejects a public key that is not a canonical point encoding; OpenSSL's
    // check is looser there, so noble's decoder (cheap next to the verification) decides it.
    if (!isCanonicalPoint(key)) return false;
    return nodeVerify(null, message, publicKey(key), signature);
  },
};

const canonical = new Map<string, boolean>();
function isCanonicalPoint(key: Uint8Array): boolean {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
  let ok = canonical.get(id);
  if (ok === undefined) {
    try {
      ed25519.Point.fromBytes(key, false);
      ok = true;
    } catch {
      ok = false;
    }
    if (canonical.size >= CACHE_LIMIT) canonical.delete(canonical.keys().next().value!);
    canonical.set(id, ok);
  }
  return ok;
}

/** The implementation every signature in dataport goes through. */
export const ed25519Backend: Ed25519Backend = nodeEd25519;
