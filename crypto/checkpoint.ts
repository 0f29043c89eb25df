// C2SP signed notes (https://c2sp.org/signed-note) and transparency-log checkpoints
// (https://c2sp.org/tlog-checkpoint). Signs with Ed25519 only; parses signature lines of any type
// and ignores those of unknown keys. Key strings follow golang.org/x/mod/sumdb/note:
// verifier key `<name>+<hex id>+<base64(0x01 || public key)>`, signer key
// `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`.
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519Backend } from './ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { DataportError } from './errors.js';
import { abytes, concatBytes, equalBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.js';

/** Largest note accepted or produced, in UTF-8 bytes (signed-note "Format": verifiers SHOULD cap it). */
export const MAX_NOTE_BYTES = 1 << 20;
/** Most signature lines accepted or produced: the spec requires at least 16, x/mod/sumdb/note stops at 100. */
export const MAX_SIGNATURES = 100;

const ED25519_TYPE = 0x01; // signed-note "Signature types"
const KEY_ID_SIZE = 4;
const ED25519_KEY_SIZE = 32;
const ED25519_SIG_SIZE = 64;
const SIG_PREFIX = '\u2014 '; // em dash, space
const PRIVATE_PREFIX = 'PRIVATE+KEY+';

export interface NoteVerifier {
  name: string;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

export interface NoteSigner {
  name: string;
  /** 32-byte Ed25519 secret key (the RFC 8032 seed). */
  secretKey: Uint8Array;
}

/** One signature line: key name, 4-byte key ID and the signature bytes after it. */
export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

export interface ParsedNote {
  /** The note text, final newline included, separating blank line excluded. */
  body: string;
  signatures: NoteSignature[];
}

export interface OpenedNote {
  body: string;
  /** Signatures by known keys, each key once, all verified. */
  verified: NoteSignature[];
  /** Signatures by keys not in the verifier list (name and ID not both matching), each line once. */
  unverified: NoteSignature[];
}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

const invalidNote = (detail: string, details?: unknown): DataportError =>
  new DataportError('DP_ERR_CHECKPOINT_INVALID', detail, details);
const invalidArg = (detail: string): DataportError => new DataportError('DP_ERR_INVALID_ARGUMENT', detail);

const LONE_SURROGATE = /\p{Cs}/u; // in u-mode a well-formed pair is one code point, so only lone halves match
const CONTROL = /[\x00-\x09\x0b-\x1f]/; // signed-note "Format": ASCII controls other than newline
const NAME_FORBIDDEN = /[\p{White_Space}+\x00-\x1f]/u; // Go's unicode.IsSpace is exactly White_Space
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // a BOM is part of the signed bytes

const byteOffset = (s: string, index: number): number => utf8.encode(s.slice(0, index)).length;
const keyLabel = (name: string, id: Uint8Array): string => `${name}+${toHex(id)}`;

/** signed-note "Format": UTF-8 (well-formed UTF-16 here), no ASCII control character but newline. */
function checkText(text: string, what: string, fail: (detail: string, details?: unknown) => DataportError): void {
  const bad = LONE_SURROGATE.exec(text);
  if (bad) throw fail(`${what} is not valid UTF-8: lone surrogate at byte ${byteOffset(text, bad.index)}`);
  const ctl = CONTROL.exec(text);
  if (ctl) {
    const code = `0x${ctl[0].charCodeAt(0).toString(16).padStart(2, '0')}`;
    const at = byteOffset(text, ctl.index);
    throw fail(`${what} has a control character ${code} at byte ${at}`, { byte: at });
  }
}

/** signed-note "Format": key names are non-empty, without Unicode spaces or '+'. */
function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '') throw invalidArg(`${what} must be a non-empty string`);
  if (LONE_SURROGATE.test(name) || NAME_FORBIDDEN.test(name)) {
    throw invalidArg(`${what} ${JSON.stringify(name)} has a space, '+', control character or lone surrogate`);
  }
  return name;
}

const isValidName = (name: string): boolean => name !== '' && !LONE_SURROGATE.test(name) && !NAME_FORBIDDEN.test(name);

/** signed-note "Ed25519 signatures": SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]. */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  checkName(name, 'key name');
  abytes(publicKey, ED25519_KEY_SIZE, 'Ed25519 public key');
  return sha256(concatBytes(utf8.encode(name), Uint8Array.of(0x0a, ED25519_TYPE), publicKey)).slice(0, KEY_ID_SIZE);
}

/** `<name>+<8 hex digits>+<base64(0x01 || public key)>`, as NewEd25519VerifierKey in x/mod/sumdb/note. */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  const id = keyId(name, publicKey);
  return `${name}+${toHex(id)}+${toBase64(concatBytes(Uint8Array.of(ED25519_TYPE), publicKey))}`;
}

/** Splits `<hex id>+<base64 key>` and decodes the typed key; the caller checks the ID against it. */
function decodeKeyParts(rest: string, what: string): { id: Uint8Array; key: Uint8Array } {
  const plus = rest.indexOf('+');
  if (plus < 0) throw invalidArg(`${what} must have the form <name>+<8 hex digits>+<base64 key>`);
  const hexId = rest.slice(0, plus);
  if (!/^[0-9a-fA-F]{8}$/.test(hexId)) throw invalidArg(`${what} ID must be 8 hex digits`);
  let typed: Uint8Array;
  try {
    typed = fromBase64(rest.slice(plus + 1));
  } catch {
    throw invalidArg(`${what} data is not valid padded standard base64`);
  }
  if (typed.length === 0) throw invalidArg(`${what} data is empty`);
  if (typed[0] !== ED25519_TYPE) {
    throw invalidArg(`${what} has signature type 0x${typed[0]!.toString(16).padStart(2, '0')}, only Ed25519 (0x01) is supported`);
  }
  const key = typed.subarray(1);
  if (key.length !== ED25519_KEY_SIZE) throw invalidArg(`${what} Ed25519 key is ${key.length} bytes, want ${ED25519_KEY_SIZE}`);
  return { id: fromHex(hexId.toLowerCase()), key: key.slice() };
}

/** Parses a verifier key; its ID must match the name and key, as NewVerifier in x/mod/sumdb/note checks. */
export function parseVerifierKey(vkey: string): { name: string; keyId: Uint8Array; publicKey: Uint8Array } {
  if (typeof vkey !== 'string') throw invalidArg('verifier key must be a string');
  const plus = vkey.indexOf('+');
  const name = checkName(plus < 0 ? vkey : vkey.slice(0, plus), 'verifier key name');
  const { id, key } = decodeKeyParts(plus < 0 ? '' : vkey.slice(plus + 1), 'verifier key');
  const want = keyId(name, key);
  if (!equalBytes(id, want)) throw invalidArg(`verifier key ID ${toHex(id)} does not match its key, which gives ${toHex(want)}`);
  return { name, keyId: id, publicKey: key };
}

/** `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`, as GenerateKey in x/mod/sumdb/note. Keep it secret. */
export function signerKey(name: string, secretKey: Uint8Array): string {
  abytes(secretKey, ED25519_KEY_SIZE, 'Ed25519 secret key');
  const id = keyId(name, ed25519.getPublicKey(secretKey));
  return `${PRIVATE_PREFIX}${name}+${toHex(id)}+${toBase64(concatBytes(Uint8Array.of(ED25519_TYPE), secretKey))}`;
}

/** Parses a signer key; the key ID is checked against the public key derived from the seed. Errors never echo the key. */
export function parseSignerKey(skey: string): { name: string; keyId: Uint8Array; secretKey: Uint8Array; publicKey: Uint8Array } {
  if (typeof skey !== 'string' || !skey.startsWith(PRIVATE_PREFIX)) throw invalidArg('signer key must start with PRIVATE+KEY+');
  const rest = skey.slice(PRIVATE_PREFIX.length);
  const plus = rest.indexOf('+');
  const name = checkName(plus < 0 ? rest : rest.slice(0, plus), 'signer key name');
  const { id, key: secretKey } = decodeKeyParts(plus < 0 ? '' : rest.slice(plus + 1), 'signer key');
  const publicKey = ed25519.getPublicKey(secretKey);
  if (!equalBytes(id, keyId(name, publicKey))) throw invalidArg(`signer key ID ${toHex(id)} does not match its key`);
  return { name, keyId: id, secretKey, publicKey };
}

/** Structural parse of a signed note (signed-note "Format"), without verifying anything. Its body MUST NOT be trusted. */
export function parseNote(note: string | Uint8Array): ParsedNote {
  let text: string;
  if (note instanceof Uint8Array) {
    if (note.length > MAX_NOTE_BYTES) throw invalidNote(`note is too large: ${note.length} bytes, limit ${MAX_NOTE_BYTES}`);
    try {
      text = utf8Strict.decode(note);
    } catch {
      throw invalidNote('note is not valid UTF-8');
    }
  } else if (typeof note === 'string') {
    // UTF-16 units never outnumber UTF-8 bytes, so the cheap test first.
    const size = note.length > MAX_NOTE_BYTES ? note.length : utf8.encode(note).length;
    if (size > MAX_NOTE_BYTES) throw invalidNote(`note is too large: at least ${size} bytes, limit ${MAX_NOTE_BYTES}`);
    text = note;
  } else {
    throw invalidArg('note must be a string or a Uint8Array');
  }
  checkText(text, 'note', invalidNote);
  // "the text is separated from the signatures by the last empty line in the note"
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw invalidNote('missing blank line before signatures');
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block === '') throw invalidNote('no signature lines after the blank line');
  if (!block.endsWith('\n')) throw invalidNote('last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw invalidNote(`note has ${lines.length} signature lines, limit ${MAX_SIGNATURES}`);
  const signatures = lines.map((line, i) => parseSignatureLine(line, i + 1));
  return { body, signatures };
}

/** signed-note "Signatures": `— <key name> base64(32-bit key ID || signature)`. */
function parseSignatureLine(line: string, n: number): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw invalidNote(`signature line ${n} does not start with an em dash and a space`, { line: n });
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw invalidNote(`signature line ${n} has no space between key name and signature`, { line: n });
  const name = rest.slice(0, space);
  if (!isValidName(name)) throw invalidNote(`signature line ${n} has an invalid key name`, { line: n });
  let raw: Uint8Array;
  try {
    raw = fromBase64(rest.slice(space + 1));
  } catch {
    throw invalidNote(`signature line ${n} has a bad base64`, { line: n });
  }
  // x/mod/sumdb/note also wants at least one signature byte after the key ID.
  if (raw.length <= KEY_ID_SIZE) throw invalidNote(`signature line ${n} has ${raw.length} bytes, want more than ${KEY_ID_SIZE}`, { line: n });
  return { name, keyId: raw.slice(0, KEY_ID_SIZE), signature: raw.slice(KEY_ID_SIZE) };
}

interface KnownKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

function knownKeys(verifiers: unknown): KnownKey[] {
  const list = Array.isArray(verifiers) ? verifiers : [verifiers];
  const keys: KnownKey[] = [];
  for (const [i, v] of list.entries()) {
    if (typeof v !== 'object' || v === null) throw invalidArg(`verifier ${i} must be { name, publicKey }`);
    const { name, publicKey } = v as NoteVerifier;
    const id = keyId(name, publicKey);
    const same = keys.find((k) => k.name === name && equalBytes(k.keyId, id));
    // x/mod/sumdb/note calls this an "ambiguous key": two keys would answer for one signature line.
    if (same && !equalBytes(same.publicKey, publicKey)) throw invalidArg(`verifiers hold two keys named ${keyLabel(name, id)}`);
    if (!same) keys.push({ name, keyId: id, publicKey });
  }
  return keys;
}

function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== ED25519_SIG_SIZE) return false;
  try {
    return ed25519Backend.verify(signature, message, publicKey); // RFC 8032 5.1.7, strict encodings
  } catch {
    return false;
  }
}

/**
 * Opens a signed note (signed-note "Signatures"): every signature by a known key (name AND key ID)
 * must verify, unknown ones are set aside, and at least one known key must have signed.
 */
export function openNote(note: string | Uint8Array, verifiers: NoteVerifier | NoteVerifier[]): OpenedNote {
  const keys = knownKeys(verifiers);
  const { body, signatures } = parseNote(note);
  const message = utf8.encode(body);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const [i, sig] of signatures.entries()) {
    const key = keys.find((k) => k.name === sig.name && equalBytes(k.keyId, sig.keyId));
    if (!key) {
      const dup = unverified.some((u) => u.name === sig.name && equalBytes(u.keyId, sig.keyId) && equalBytes(u.signature, sig.signature));
      if (!dup) unverified.push(sig);
      continue;
    }
    // "If a signature from a known key fails to verify, clients SHOULD reject the whole note."
    if (!verifyEd25519(sig.signature, message, key.publicKey)) {
      const label = keyLabel(sig.name, sig.keyId);
      throw invalidNote(`signature line ${i + 1} by ${label} does not verify`, { line: i + 1, key: label });
    }
    if (!verified.some((v) => v.name === sig.name && equalBytes(v.keyId, sig.keyId))) verified.push(sig);
  }
  // "If no signature from a known key verifies successfully, clients MUST reject the note."
  if (verified.length === 0) {
    const seen = unverified.map((u) => keyLabel(u.name, u.keyId));
    throw invalidNote(`no signature by a known key (signed by ${[...new Set(seen)].join(', ')})`, { keys: seen });
  }
  return { body, verified, unverified };
}

function signatureLine(body: Uint8Array, signer: NoteSigner): { name: string; keyId: Uint8Array; line: string } {
  if (typeof signer !== 'object' || signer === null) throw invalidArg('signer must be { name, secretKey }');
  const secretKey = abytes(signer.secretKey, ED25519_KEY_SIZE, 'Ed25519 secret key');
  const id = keyId(signer.name, ed25519.getPublicKey(secretKey));
  const sig = ed25519Backend.sign(body, secretKey);
  return { name: signer.name, keyId: id, line: `${SIG_PREFIX}${signer.name} ${toBase64(concatBytes(id, sig))}\n` };
}

function checkBody(body: unknown): Uint8Array {
  if (typeof body !== 'string') throw invalidArg('note body must be a string');
  if (!body.endsWith('\n')) throw invalidArg('note body must end with a newline');
  checkText(body, 'note body', (d) => invalidArg(d));
  const bytes = utf8.encode(body);
  if (bytes.length > MAX_NOTE_BYTES) throw invalidArg(`note body is ${bytes.length} bytes, limit ${MAX_NOTE_BYTES}`);
  return bytes;
}

function signLines(bytes: Uint8Array, signers: NoteSigner | NoteSigner[]): { name: string; keyId: Uint8Array; line: string }[] {
  const list = Array.isArray(signers) ? signers : [signers];
  if (list.length === 0) throw invalidArg('at least one signer is needed');
  const lines = list.map((s) => signatureLine(bytes, s));
  for (const [i, l] of lines.entries()) {
    if (lines.findIndex((m) => m.name === l.name && equalBytes(m.keyId, l.keyId)) !== i) {
      throw invalidArg(`signer ${keyLabel(l.name, l.keyId)} is listed twice`);
    }
  }
  return lines;
}

function assemble(body: string, lines: string[]): string {
  if (lines.length > MAX_SIGNATURES) throw invalidArg(`a note carries at most ${MAX_SIGNATURES} signatures, not ${lines.length}`);
  const note = `${body}\n${lines.join('')}`;
  const size = utf8.encode(note).length;
  if (size > MAX_NOTE_BYTES) throw invalidArg(`signed note would be ${size} bytes, limit ${MAX_NOTE_BYTES}`);
  return note;
}

/** Signs a note body (text ending in a newline) with one or more Ed25519 keys, in the order given. */
export function signNote(body: string, signers: NoteSigner | NoteSigner[]): string {
  const bytes = checkBody(body);
  return assemble(body, signLines(bytes, signers).map((l) => l.line));
}

/**
 * Adds signatures to a signed note once it opens under `verifiers` (a witness verifies before it
 * cosigns). Existing lines are kept in order, except those by the same key as a new signer,
 * which the new signature replaces (as Sign in x/mod/sumdb/note does).
 */
export function cosignNote(note: string, signers: NoteSigner | NoteSigner[], verifiers: NoteVerifier | NoteVerifier[]): string {
  const { body } = openNote(note, verifiers);
  const { signatures } = parseNote(note);
  const fresh = signLines(utf8.encode(body), signers);
  const kept = signatures
    .filter((s) => !fresh.some((f) => f.name === s.name && equalBytes(f.keyId, s.keyId)))
    .map((s) => `${SIG_PREFIX}${s.name} ${toBase64(concatBytes(s.keyId, s.signature))}\n`);
  return assemble(body, [...kept, ...fresh.map((f) => f.line)]);
}

const SIZE_LINE = /^(0|[1-9][0-9]*)$/; // tlog-checkpoint "Note text" 2: no leading zeroes unless empty

/** tlog-checkpoint "Note text": origin, tree size, base64 root hash, then non-empty extension lines. */
export function formatCheckpoint(cp: Checkpoint): string {
  if (typeof cp !== 'object' || cp === null) throw invalidArg('checkpoint must be an object');
  const { origin, size, rootHash, extensions = [] } = cp;
  if (typeof origin !== 'string' || origin === '') throw invalidArg('checkpoint origin must be a non-empty string');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalidArg(`checkpoint size must be a non-negative safe integer, got ${String(size)}`);
  }
  abytes(rootHash, 32, 'checkpoint root hash');
  if (!Array.isArray(extensions)) throw invalidArg('checkpoint extensions must be an array of strings');
  const lines = [origin, String(size), toBase64(rootHash)];
  for (const [i, ext] of extensions.entries()) {
    if (typeof ext !== 'string' || ext === '') throw invalidArg(`checkpoint extension ${i} must be a non-empty string`);
    lines.push(ext);
  }
  for (const [i, line] of lines.entries()) {
    if (line.includes('\n')) throw invalidArg(`checkpoint line ${i + 1} contains a newline`);
    checkText(line, `checkpoint line ${i + 1}`, (d) => invalidArg(d));
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Strict parse of a checkpoint body (tlog-checkpoint "Note text"). */
export function parseCheckpoint(body: string): Checkpoint {
  if (typeof body !== 'string') throw invalidArg('checkpoint body must be a string');
  checkText(body, 'checkpoint', invalidNote);
  if (!body.endsWith('\n')) throw invalidNote('checkpoint does not end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) {
    const n = lines.length;
    throw invalidNote(`checkpoint has ${n} line${n === 1 ? '' : 's'}, want at least 3 (origin, tree size, root hash)`);
  }
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw invalidNote('checkpoint origin line is empty');
  if (!SIZE_LINE.test(sizeLine)) {
    throw invalidNote(`checkpoint tree size ${JSON.stringify(sizeLine.slice(0, 40))} is not a decimal without leading zeros`);
  }
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw invalidNote(`checkpoint tree size ${sizeLine.slice(0, 40)} is beyond 2^53 - 1`);
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootLine);
  } catch {
    throw invalidNote('checkpoint root hash is not valid padded standard base64');
  }
  if (rootHash.length !== 32) throw invalidNote(`checkpoint root hash is ${rootHash.length} bytes, want 32`);
  const empty = extensions.indexOf('');
  if (empty >= 0) throw invalidNote(`checkpoint extension line ${empty + 1} is empty`);
  return { origin, size, rootHash, extensions };
}

/** Formats and signs a checkpoint as a signed note. */
export function signCheckpoint(cp: Checkpoint, signers: NoteSigner | NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

/**
 * Opens a signed checkpoint: one of `verifiers` (the log's keys, several during a rotation) must
 * have signed it, the body must be a strict checkpoint, and its origin `expectedOrigin` if given.
 * To require witness cosignatures as well, use openNote and inspect `verified`.
 */
export function verifyCheckpoint(note: string | Uint8Array, verifiers: NoteVerifier | NoteVerifier[], expectedOrigin?: string): Checkpoint {
  if (expectedOrigin !== undefined && (typeof expectedOrigin !== 'string' || expectedOrigin === '')) {
    throw invalidArg('expected origin must be a non-empty string');
  }
  const cp = parseCheckpoint(openNote(note, verifiers).body);
  if (expectedOrigin !== undefined && cp.origin !== expectedOrigin) {
    throw invalidNote(`checkpoint origin ${JSON.stringify(cp.origin)} is not the expected ${JSON.stringify(expectedOrigin)}`);
  }
  return cp;
}
