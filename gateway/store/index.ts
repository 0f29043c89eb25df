// Opens the store the configuration names: the embedded files in the data directory (the
// default: nothing to install), or a PostgreSQL database shared by every replica.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Identity } from '../../crypto/identity.js';
import { FileSubjectCounts } from '../compliance/subject-store.js';
import type { GatewayConfig } from '../config.js';
import { Ledger } from '../ledger/ledger.js';
import { PgLedger } from '../ledger/pg-ledger.js';
import { FileBlobStore } from './file-blobs.js';
import { Leases } from './leases.js';
import { connectPg, migrate, redact } from './pg.js';
import { PgBlobStore } from './pg-blobs.js';
import { PgNonces } from './pg-nonces.js';
import { PgSubjectCounts } from './pg-subjects.js';
import type { Store } from './types.js';

export type { Store, LedgerStore, SubjectCounts, SubjectBook, BlobStore, NonceLedger } from './types.js';
export { Leases } from './leases.js';

export async function openStore(config: GatewayConfig, identity: Identity): Promise<Store> {
  const ledgerOptions = { signer: identity, origin: config.ledger.origin, checkpointIntervalMs: config.ledger.checkpointIntervalMs };
  if (config.store === undefined) {
    const ledger = Ledger.open(join(config.dataDir, 'ledger'), { ...ledgerOptions, groupCommit: config.ledger.groupCommit });
    const subjects = new FileSubjectCounts(join(config.dataDir, 'compliance'));
    const blobs = new FileBlobStore(join(config.dataDir, 'aggregation'));
    return {
      kind: 'file', ledger, subjects, blobs, leases: new Leases(undefined, config.replica, config.leaseTtlMs),
      close: async () => {
        await ledger.close();
        await subjects.close();
        await blobs.close();
      },
    };
  }
  const replica = config.replica ?? `replica-${randomUUID().slice(0, 8)}`;
  const pool = await connectPg(config.store, { applicationName: `dataport ${replica}`, max: 24 });
  try {
    await migrate(pool);
    const ledger = await PgLedger.open(pool, { ...ledgerOptions, location: redact(config.store) });
    const leases = new Leases(pool, replica, config.leaseTtlMs);
    await pool.query(
      `INSERT INTO dataport_replicas (id, address) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, started_at = now(), seen_at = now()`,
      [replica, config.publicUrl ?? null],
    );
    const nonces = new PgNonces(pool, config.maxSkewSeconds * 2);
    return {
      kind: 'postgres', ledger, subjects: new PgSubjectCounts(pool), blobs: new PgBlobStore(pool), leases, nonces,
      close: async () => {
        leases.close();
        nonces.close();
        await ledger.close();
        await pool.query('UPDATE dataport_replicas SET seen_at = now() WHERE id = $1', [replica]).catch(() => undefined);
        await pool.end();
      },
    };
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
}
