// Blobs (aggregation ciphertexts) in files and in PostgreSQL: what is put is got back, a put
// replaces, a missing blob is DP_ERR_NOT_FOUND, and the files outlive the store object.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FileBlobStore } from '../../../gateway/store/file-blobs.js';
import { connectPg, migrate } from '../../../gateway/store/pg.js';
import { PgBlobStore } from '../../../gateway/store/pg-blobs.js';
import type { BlobStore } from '../../../gateway/store/types.js';
import { freshDatabase, pgSkip } from '../../pg.js';
import { tempDir } from '../../helpers.js';

const JOB = 'urn:uuid:6f1c0f55-8d0a-4b4e-9b57-3c1c2d0f7a10';
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

async function roundTrip(blobs: BlobStore) {
  await blobs.put(JOB, 'a.ct', bytes(1000, 1));
  await blobs.put(JOB, '../not/a/path', bytes(3, 2));
  await blobs.put('urn:uuid:other', 'a.ct', bytes(5, 3));
  await blobs.put(JOB, 'a.ct', bytes(10, 4)); // replaces
  return {
    a: await blobs.get(JOB, 'a.ct'),
    odd: await blobs.get(JOB, '../not/a/path'),
    other: await blobs.get('urn:uuid:other', 'a.ct'),
    missing: await blobs.get(JOB, 'b.ct').catch((e: { code: string }) => e.code),
  };
}

const EXPECTED = { a: bytes(10, 4), odd: bytes(3, 2), other: bytes(5, 3), missing: 'DP_ERR_NOT_FOUND' };

t.test('files: a blob reads back as put, a put replaces, groups are apart, a missing one is not found', async (t) => {
  t.same(await roundTrip(new FileBlobStore(tempDir(t))), EXPECTED);
});

t.test('PostgreSQL: a blob reads back as put, a put replaces, groups are apart, a missing one is not found', { skip: pgSkip }, async (t) => {
  const pool = await connectPg(await freshDatabase(t), { max: 2 });
  t.teardown(() => pool.end());
  await migrate(pool);
  t.same(await roundTrip(new PgBlobStore(pool)), EXPECTED);
});

t.test('files: blobs survive a reopen, and no temporary file is left beside them', async (t) => {
  const dir = tempDir(t);
  await new FileBlobStore(dir).put(JOB, 'result.ct', bytes(64, 9));
  t.same(await new FileBlobStore(dir).get(JOB, 'result.ct'), bytes(64, 9));
  const folder = createHash('sha256').update(JOB).digest('hex');
  t.same(readdirSync(join(dir, folder)), ['result.ct']);
});

t.test('files: an aggregation file written before the blob store (<sha256(job)>/<name>.ct) reads as its blob', async (t) => {
  const dir = tempDir(t);
  const folder = join(dir, createHash('sha256').update(JOB).digest('hex'));
  mkdirSync(folder);
  const name = `${'ab'.repeat(16)}-${'cd'.repeat(32)}.ct`;
  writeFileSync(join(folder, name), bytes(7, 5));
  t.same(await new FileBlobStore(dir).get(JOB, name), bytes(7, 5));
});
