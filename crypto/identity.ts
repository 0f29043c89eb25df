// Ed25519 identities (RFC 8032) named as did:key (W3C CCG did:key method, Ed25519 variant), and the
// pure codec of the key file that holds one. Reading and writing the file lives in gateway/key-file.ts.
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519Backend } from './ed25519.js';
import { base58 } from '@scure/base';
import { abytes, concatBytes, equalBytes, fromBase64Url, isBytes, toBase64Url } from './bytes.js';
import { DataportError, quoteUntrusted as quote } from './errors.js';

export interface Identity {
  /** `did:key:z6Mk...`, derived from `publicKey`. */
  did: string;
  /** The 32-byte Ed25519 public key A (RFC 8032 5.1.5). */
  publicKey: Uint8Array;
  /** The 32-byte Ed25519 secret key: the seed k of RFC 8032 5.1.5, not the expanded scalar. */
  secretKey: Uint8Array;
}

const DID_KEY_PREFIX = 'did:key:';
// Multibase prefix of base58btc (the only encoding did:key allows).
const MULTIBASE_BASE58BTC = 'z';
// Multicodec ed25519-pub = 0xed, written as an unsigned varint: 0xed 0x01.
const ED25519_PUB_CODEC = 0xed;
const ED25519_PUB_PREFIX = Uint8Array.of(0xed, 0x01);
const KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;

export const KEY_FILE_TYPE = 'dataport-ed25519-key';
export const KEY_FILE_VERSION = 1;
const KEY_FILE_FIELDS = ['type', 'version', 'did', 'publicKey', 'secretKey'];

/** A new identity: from a 32-byte `seed` (deterministic), or from fresh randomness. */
export function generateIdentity(seed?: Uint8Array): Identity {
  const secretKey = seed === undefined ? ed25519.utils.randomSecretKey() : Uint8Array.from(abytes(seed, KEY_LENGTH, 'seed'));
  const publicKey = ed25519.getPublicKey(secretKey);
  return { did: didFromPublicKey(publicKey), publicKey, secretKey };
}

/** `did:key:z` + base58btc(0xed 0x01 || publicKey). */
export function didFromPublicKey(publicKey: Uint8Array): string {
  abytes(publicKey, KEY_LENGTH, 'publicKey');
  return DID_KEY_PREFIX + MULTIBASE_BASE58BTC + base58.encode(concatBytes(ED25519_PUB_PREFIX, publicKey));
}

/**
 * The Ed25519 public key named by `did:key:z...` or by its verification method `did:key:z...#z...`.
 * Throws DP_ERR_DID_INVALID saying what is off.
 */
export function publicKeyFromDid(did: string): Uint8Array {
  if (typeof did !== 'string') throw invalidDid(`expected a string, got ${typeof did}`);
  const known = decodedDids.get(did);
  if (known) return known.slice();
  const publicKey = decodeDid(did);
  // Decoding checks the point (a square root): every signed request names its did, so remember it.
  if (decodedDids.size >= 4096) decodedDids.delete(decodedDids.keys().next().value!);
  decodedDids.set(did, publicKey.slice());
  return publicKey;
}

const decodedDids = new Map<string, Uint8Array>();

function decodeDid(did: string): Uint8Array {
  const hash = did.indexOf('#');
  const base = hash < 0 ? did : did.slice(0, hash);
  if (!base.startsWith(DID_KEY_PREFIX)) {
    throw invalidDid(`${quote(did)} does not start with ${quote(DID_KEY_PREFIX)}`);
  }
  const id = base.slice(DID_KEY_PREFIX.length);
  if (hash >= 0 && did.slice(hash + 1) !== id) {
    throw invalidDid(`the fragment of ${quote(did)} must repeat the key ${quote(id)}`);
  }
  if (!id.startsWith(MULTIBASE_BASE58BTC)) {
    throw invalidDid(`multibase prefix ${quote(id.slice(0, 1))} is not base58btc ${quote(MULTIBASE_BASE58BTC)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(id.slice(1));
  } catch {
    throw invalidDid(`${quote(id)} is not valid base58btc`);
  }
  const codec = readVarint(bytes);
  if (codec === undefined) throw invalidDid(`${quote(id)} does not start with a multicodec varint`);
  if (codec.value !== ED25519_PUB_CODEC || codec.length !== ED25519_PUB_PREFIX.length) {
    throw invalidDid(`multicodec 0x${codec.value.toString(16)} is not ed25519-pub 0xed`);
  }
  const publicKey = bytes.slice(codec.length);
  if (publicKey.length !== KEY_LENGTH) {
    throw invalidDid(`ed25519 public key is ${publicKey.length} bytes, want ${KEY_LENGTH}`);
  }
  if (!ed25519.utils.isValidPublicKey(publicKey, false)) {
    throw invalidDid('the 32 bytes are not an Ed25519 point encoding (RFC 8032 5.1.3)');
  }
  return publicKey;
}

/** The RFC 8032 Ed25519 signature of `message`. */
export function signBytes(identity: Identity, message: Uint8Array): Uint8Array {
  abytes(message, undefined, 'message');
  return ed25519Backend.sign(message, abytes(identity?.secretKey, KEY_LENGTH, 'identity.secretKey'));
}

/**
 * Whether `signature` is a valid RFC 8032 signature of `message` under `publicKey`. Never throws:
 * malformed input is simply not a valid signature. Verification is strict (zip215: false): the
 * non-canonical encodings that RFC 8032 5.1.7 rejects are rejected here too.
 */
export function verifyBytes(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isBytes(publicKey, KEY_LENGTH) || !isBytes(message) || !isBytes(signature, SIGNATURE_LENGTH)) return false;
  try {
    return ed25519Backend.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** The key file for `identity`: pretty JSON, keys in base64url (RFC 4648 5, no padding). */
export function encodeKeyFile(identity: Identity): string {
  const publicKey = abytes(identity?.publicKey, KEY_LENGTH, 'identity.publicKey');
  const secretKey = abytes(identity?.secretKey, KEY_LENGTH, 'identity.secretKey');
  if (!equalBytes(ed25519.getPublicKey(secretKey), publicKey)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'identity.secretKey does not derive identity.publicKey');
  }
  const file = {
    type: KEY_FILE_TYPE,
    version: KEY_FILE_VERSION,
    did: didFromPublicKey(publicKey),
    publicKey: toBase64Url(publicKey),
    secretKey: toBase64Url(secretKey),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The identity in a key file. `mode` is the file's permission bits (from stat), checked first: a
 * key that group or others can read or write is refused with DP_ERR_KEY_FILE_PERMISSIONS. Anything
 * else off with the content is DP_ERR_KEY_FILE_INVALID.
 */
export function decodeKeyFile(text: string, mode?: number): Identity {
  if (mode !== undefined) {
    if (!Number.isInteger(mode) || mode < 0) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `mode must be a file mode, got ${mode}`);
    if ((mode & 0o077) !== 0) {
      const octal = `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
      throw new DataportError(
        'DP_ERR_KEY_FILE_PERMISSIONS',
        `mode ${octal} lets group or others access the key; run \`chmod 600\` on the file`,
        { mode: octal },
      );
    }
  }
  if (typeof text !== 'string') throw invalidKeyFile(`expected text, got ${typeof text}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text, which may hold the secret key.
    throw invalidKeyFile('not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidKeyFile('expected a JSON object');
  }
  const file = parsed as Record<string, unknown>;
  for (const name of KEY_FILE_FIELDS) {
    if (!(name in file)) throw invalidKeyFile(`missing field ${quote(name)}`);
  }
  for (const name of Object.keys(file)) {
    if (!KEY_FILE_FIELDS.includes(name)) throw invalidKeyFile(`unexpected field ${quote(name)}`);
  }
  if (file.type !== KEY_FILE_TYPE) throw invalidKeyFile(`type is ${show(file.type)}, want ${quote(KEY_FILE_TYPE)}`);
  if (file.version !== KEY_FILE_VERSION) throw invalidKeyFile(`version is ${show(file.version)}, want ${KEY_FILE_VERSION}`);
  const publicKey = keyField(file, 'publicKey');
  const secretKey = keyField(file, 'secretKey');
  if (typeof file.did !== 'string') throw invalidKeyFile(`field "did" must be a string, got ${show(file.did)}`);
  let didKey: Uint8Array;
  try {
    didKey = publicKeyFromDid(file.did);
  } catch (e) {
    throw invalidKeyFile(`field "did": ${(e as Error).message}`);
  }
  if (!equalBytes(didKey, publicKey) || file.did !== didFromPublicKey(publicKey)) {
    throw invalidKeyFile(`did ${quote(file.did)} does not name publicKey (want ${quote(didFromPublicKey(publicKey))})`);
  }
  if (!equalBytes(ed25519.getPublicKey(secretKey), publicKey)) {
    throw invalidKeyFile('secretKey does not derive publicKey');
  }
  return { did: file.did, publicKey, secretKey };
}

function keyField(file: Record<string, unknown>, name: 'publicKey' | 'secretKey'): Uint8Array {
  const value = file[name];
  if (typeof value !== 'string') throw invalidKeyFile(`field ${quote(name)} must be a string, got ${show(value)}`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(value);
  } catch {
    throw invalidKeyFile(`field ${quote(name)} is not unpadded base64url (RFC 4648 5)`);
  }
  if (bytes.length !== KEY_LENGTH) throw invalidKeyFile(`field ${quote(name)} is ${bytes.length} bytes, want ${KEY_LENGTH}`);
  return bytes;
}

// An unsigned LEB128 varint, as multiformats encodes codecs (at most 9 bytes).
function readVarint(bytes: Uint8Array): { value: number; length: number } | undefined {
  let value = 0;
  for (let i = 0; i < Math.min(bytes.length, 9); i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  return undefined;
}

function invalidDid(detail: string): DataportError {
  return new DataportError('DP_ERR_DID_INVALID', detail);
}

function invalidKeyFile(detail: string): DataportError {
  return new DataportError('DP_ERR_KEY_FILE_INVALID', detail);
}


function show(value: unknown): string {
  return typeof value === 'string' ? quote(value) : value === undefined ? 'undefined' : (JSON.stringify(value) ?? typeof value);
}
