// Blobs as files: one directory per group (named by the group's SHA-256), one file per name. A
// name that is already a safe file name is kept (so the aggregation files written before this
// store keep their paths); any other is replaced by its SHA-256. Each file is written under a
// temporary name, synced and renamed, so a reader sees the whole blob or none.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataportError } from '../../crypto/errors.js';
import type { BlobStore } from './types.js';

const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export class FileBlobStore implements BlobStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  async put(group: string, name: string, bytes: Uint8Array): Promise<void> {
    const folder = join(this.dir, sha256(group));
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const file = join(folder, fileName(name));
    const temp = join(folder, `.${randomUUID()}.tmp`);
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
    await syncDirectory(folder);
  }

  async get(group: string, name: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(join(this.dir, sha256(group), fileName(name))));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DataportError('DP_ERR_NOT_FOUND', `blob ${name} of ${group}`);
      throw e;
    }
  }

  async close(): Promise<void> {}
}

function fileName(name: string): string {
  return SAFE_NAME.test(name) ? name : sha256(name);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The rename is durable once the directory is synced (POSIX; Windows cannot open a directory). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
