// The provider's pseudonym secrets. A provider connector derives a root secret from its own key
// seed and, per agreement, an agreement secret that it hands the gateway with the data of a
// transfer: tokens then differ per agreement (one consumer cannot link its tokens with another's),
// and only the provider, who holds the root, can recompute them to re-identify.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { abytes, utf8 } from './bytes.js';

/** RFC 5869 HKDF-SHA256 of the provider's 32-byte key seed: the root of its pseudonym secrets. */
export function pseudonymRoot(seed: Uint8Array): Uint8Array {
  return hkdf(sha256, abytes(seed, 32, 'seed'), utf8.encode('dataport'), utf8.encode('dataport/pseudonym-root/v1'), 32);
}

/** The secret of one agreement: what the gateway's pipeline keys its pseudonyms and date shifts with. */
export function agreementSecret(root: Uint8Array, agreementId: string): Uint8Array {
  return hkdf(sha256, abytes(root, 32, 'root'), utf8.encode(agreementId), utf8.encode('dataport/agreement-secret/v1'), 32);
}
