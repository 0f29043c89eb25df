// An output file written whole or not at all: the bytes go to a temporary file beside it (same
// directory, so same file system), which is synced and renamed over `path` only once everything
// is written. A failed run removes the temporary file and leaves `path` as it was.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataportError } from '../../crypto/errors.js';

/** Text is gathered into writes of about this many UTF-16 units (each write is awaited: backpressure). */
const CHUNK_CHARS = 64 * 1024;

export class AtomicFile {
  readonly path: string;
  readonly tempPath: string;
  private readonly handle: FileHandle;
  private pending: string[] = [];
  private pendingChars = 0;
  /** Bytes handed to the file so far (not counting text still pending). */
  private written = 0;

  private constructor(path: string, tempPath: string, handle: FileHandle) {
    this.path = path;
    this.tempPath = tempPath;
    this.handle = handle;
  }

  static async create(path: string): Promise<AtomicFile> {
    const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(tempPath, 'wx').catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DataportError('DP_ERR_NOT_FOUND', `output directory ${dirname(path)}`);
      if (code === 'EACCES' || code === 'EROFS') throw new DataportError('DP_ERR_FORBIDDEN', `cannot write in ${dirname(path)} (${code})`);
      throw e;
    });
    return new AtomicFile(path, tempPath, handle);
  }

  /** Bytes in the file once pending text is flushed. */
  get bytes(): number {
    return this.written + (this.pendingChars === 0 ? 0 : Buffer.byteLength(this.pending.join(''), 'utf8'));
  }

  /**
   * Appends text, kept until enough has gathered; true when it has, and the caller should
   * `await flush()` before appending more (that await is the backpressure).
   */
  append(s: string): boolean {
    this.pending.push(s);
    this.pendingChars += s.length;
    return this.pendingChars >= CHUNK_CHARS;
  }

  /** Appends text and writes it out once enough has gathered. */
  async text(s: string): Promise<void> {
    if (this.append(s)) await this.flush();
  }

  /** Appends bytes (after any pending text). */
  async bytesOut(chunk: Uint8Array): Promise<void> {
    await this.flush();
    await this.writeAll(chunk);
  }

  /** Writes pending text. */
  async flush(): Promise<void> {
    if (this.pendingChars === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    await this.writeAll(chunk);
  }

  /** Overwrites bytes already written, at `position` (for a count only known at the end). */
  async patch(position: number, chunk: Uint8Array): Promise<void> {
    await this.flush();
    if (position + chunk.byteLength > this.written) throw new RangeError(`patch of ${chunk.byteLength} bytes at ${position} is past the end (${this.written})`);
    let done = 0;
    while (done < chunk.byteLength) done += (await this.handle.write(chunk, done, chunk.byteLength - done, position + done)).bytesWritten;
  }

  /** Flushes, syncs and renames the file into place. */
  async commit(): Promise<void> {
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    await rename(this.tempPath, this.path).catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'ENOTEMPTY') throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${this.path} is a directory, not a file`);
      throw e;
    });
  }

  /** Closes and removes the temporary file; never throws. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }

  private async writeAll(chunk: Uint8Array): Promise<void> {
    let done = 0;
    // Appends at the file position (null position): a short write is continued, never lost.
    while (done < chunk.byteLength) done += (await this.handle.write(chunk, done, chunk.byteLength - done, null)).bytesWritten;
    this.written += chunk.byteLength;
  }
}

/** Runs `write` on a new AtomicFile at `path`: committed if it resolves, removed if it throws. */
export async function writeAtomically<T>(path: string, write: (file: AtomicFile) => Promise<T>): Promise<T> {
  const file = await AtomicFile.create(path);
  try {
    const result = await write(file);
    await file.commit();
    return result;
  } catch (e) {
    await file.abort();
    throw e;
  }
}
