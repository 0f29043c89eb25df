// HMAC-SHA-256 (RFC 2104) on the data plane's hot path: the one place that picks the backend.
// 'cached' keeps the key's inner and outer pad states (RFC 2104 steps 1-3 done once) and clones
// them per message (noble's HMAC clone into one reused instance: no allocation per value);
// 'node' calls node:crypto createHmac per message, which pays a native call and the key setup
// each time. benchmarks/transforms.ts measures both; 'cached' is the default because it won there.
import { createHmac, createSecretKey } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export type HmacBackend = 'cached' | 'node';

export const DEFAULT_HMAC_BACKEND: HmacBackend = 'cached';

/** HMAC-SHA-256 under one key: writes the 32-byte tag of `message` into `out` and returns it. */
export type KeyedHash = (message: Uint8Array, out: Uint8Array) => Uint8Array;

export function keyedHash(key: Uint8Array, backend: HmacBackend = DEFAULT_HMAC_BACKEND): KeyedHash {
  if (backend === 'node') {
    const keyObject = createSecretKey(key);
    return (message, out) => {
      out.set(createHmac('sha256', keyObject).update(message).digest());
      return out;
    };
  }
  const keyed = hmac.create(sha256, key);
  const work = hmac.create(sha256, key);
  return (message, out) => {
    keyed._cloneInto(work);
    work.update(message);
    work.digestInto(out);
    return out;
  };
}

const HEX = new TextEncoder().encode('0123456789abcdef');

/** The first `chars` lowercase hex characters of `tag`, written as ASCII into b at `at`. */
export function writeHex(tag: Uint8Array, chars: number, b: Uint8Array, at: number): void {
  for (let j = 0; j < chars; j++) {
    const byte = tag[j >> 1]!;
    b[at + j] = HEX[(j & 1) === 0 ? byte >> 4 : byte & 15]!;
  }
}
