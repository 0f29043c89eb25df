// Reading and writing key files: the I/O around the pure codec in crypto/identity.ts.
import { chmodSync, existsSync, openSync, closeSync, readFileSync, statSync, writeSync } from 'node:fs';
import { decodeKeyFile, encodeKeyFile, generateIdentity, type Identity } from '../crypto/identity.js';
import { DataportError } from '../crypto/errors.js';

export function readKeyFile(path: string): Identity {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataportError('DP_ERR_KEY_FILE_INVALID', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return decodeKeyFile(text, mode & 0o777);
  } catch (e) {
    if (e instanceof DataportError) throw new DataportError(e.code, `${path}: ${e.detail}`, e.details);
    throw e;
  }
}

/** Writes a new key file readable by its owner only; refuses to overwrite an existing one. */
export function writeKeyFile(path: string, identity: Identity = generateIdentity()): Identity {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', code === 'EEXIST' ? `${path} already exists; not overwriting a key` : `cannot create ${path}: ${code}`);
  }
  try {
    writeSync(fd, encodeKeyFile(identity));
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600); // the umask may have narrowed it further, never widened; make it exact
  return identity;
}

/** The key at `path`, created on first use. */
export function loadOrCreateKeyFile(path: string): Identity {
  return existsSync(path) ? readKeyFile(path) : writeKeyFile(path);
}
