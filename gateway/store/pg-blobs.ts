// Blobs in PostgreSQL (dataport_aggregation_blobs), shared by every replica: the group is the job.
import { DataportError } from '../../crypto/errors.js';
import type { PgPool } from './pg.js';
import type { BlobStore } from './types.js';

export class PgBlobStore implements BlobStore {
  constructor(private readonly pool: PgPool) {}

  async put(group: string, name: string, bytes: Uint8Array): Promise<void> {
    await this.pool.query(
      `INSERT INTO dataport_aggregation_blobs (job, name, bytes) VALUES ($1, $2, $3)
       ON CONFLICT (job, name) DO UPDATE SET bytes = EXCLUDED.bytes`,
      [group, name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
  }

  async get(group: string, name: string): Promise<Uint8Array> {
    const { rows } = await this.pool.query<{ bytes: Buffer }>('SELECT bytes FROM dataport_aggregation_blobs WHERE job = $1 AND name = $2', [group, name]);
    if (!rows[0]) throw new DataportError('DP_ERR_NOT_FOUND', `blob ${name} of ${group}`);
    return new Uint8Array(rows[0].bytes);
  }

  /** The pool is the Store's: it closes it. */
  async close(): Promise<void> {}
}
