// Content-Digest (RFC 9530): the digest of a message's content, as a structured-field dictionary
// (RFC 8941 3.2) of algorithm to byte sequence. ./http-signatures.ts covers it to bind the body.
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { abytes, equalBytes, toBase64 } from './bytes.js';
import { DataportError, quoteUntrusted as quote } from './errors.js';
import { parseSfDictionary, type SfDictionary } from './structured-fields.js';

export type DigestAlgorithm = 'sha-256' | 'sha-512';

const DIGESTS: Record<DigestAlgorithm, (body: Uint8Array) => Uint8Array> = {
  'sha-256': (body) => sha256(body),
  'sha-512': (body) => sha512(body),
};

/** The Content-Digest field value for `body`: `sha-256=:<base64>:` (RFC 9530 2). */
export function contentDigest(body: Uint8Array, alg: DigestAlgorithm = 'sha-256'): string {
  abytes(body, undefined, 'body');
  if (!Object.hasOwn(DIGESTS, alg)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `digest algorithm ${quote(String(alg))} is not sha-256 or sha-512`);
  }
  return `${alg}=:${toBase64(DIGESTS[alg](body))}:`;
}

/**
 * Whether a Content-Digest field value vouches for `body`: every member whose algorithm is known
 * (sha-256, sha-512) must match, and at least one must be known. Malformed values are false.
 */
export function verifyContentDigest(headerValue: string, body: Uint8Array): boolean {
  abytes(body, undefined, 'body');
  return contentDigestProblem(headerValue, body) === undefined;
}

// Why `headerValue` does not vouch for `body`, or undefined when it does (verifyRequest reports it
// as DP_ERR_DIGEST_MISMATCH).
export function contentDigestProblem(headerValue: string, body: Uint8Array): string | undefined {
  if (typeof headerValue !== 'string') return 'Content-Digest is not text';
  let members: SfDictionary;
  try {
    members = parseSfDictionary(headerValue);
  } catch (e) {
    return `Content-Digest is not a structured-field dictionary (RFC 8941 3.2): ${(e as Error).message}`;
  }
  let checked = 0;
  for (const [alg, member] of members) {
    // RFC 9530 2: a recipient MAY ignore digests it does not know.
    if (!Object.hasOwn(DIGESTS, alg)) continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') return `Content-Digest ${alg} is not a byte sequence`;
    if (!equalBytes(member.value.value, DIGESTS[alg as DigestAlgorithm](body))) {
      return `Content-Digest ${alg} does not match the body`;
    }
    checked++;
  }
  if (checked === 0) {
    const seen = [...members.keys()].join(', ') || 'none';
    return `Content-Digest has no sha-256 or sha-512 member (found: ${quote(seen)})`;
  }
  return undefined;
}

