// Offline verification of a ledger in PostgreSQL, as verify.ts does for a directory: sequence
// numbers, the hash chain, every stored leaf hash, the RFC 9162 tree at every signed checkpoint,
// every checkpoint's signature, and the head against the entries. Trusts no derived column: leaf
// hashes are recomputed from the payloads. Reads one consistent snapshot.
import { DataportError } from '../../crypto/errors.js';
import { toBase64 } from '../../crypto/bytes.js';
import { nativeTreeHasher } from '../hash.js';
import { ZERO_HASH } from './format.js';
import { checkStoredEntry } from './pg-ledger.js';
import { connectPg, redact, type PgClient, type PgPool } from '../store/pg.js';
import { CheckpointRoots, openCheckpoint, verification, type NoteCheckpoint, type VerifyOptions, type VerifyReport } from './verify.js';

const PAGE = 10_000;

export async function verifyPgLedger(db: string | PgPool, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const pool = typeof db === 'string' ? await connectPg(db, { max: 1, applicationName: 'dataport ledger verify' }) : db;
  const where = typeof db === 'string' ? redact(db) : 'the database';
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await verifySnapshot(client, where, opts);
  } catch (e) {
    if (e instanceof DataportError) throw e;
    const code = (e as { code?: string }).code;
    if (code === '42P01') throw new DataportError('DP_ERR_NOT_FOUND', `no ledger in ${where} (its tables are missing)`);
    throw new DataportError('DP_ERR_STORE_UNAVAILABLE', `${where}: ${(e as Error).message}`);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
    if (typeof db === 'string') await pool.end();
  }
}

async function verifySnapshot(client: PgClient, where: string, opts: VerifyOptions): Promise<VerifyReport> {
  const head = (await client.query<{ origin: string; did: string; size: string; last_leaf: Buffer }>(
    'SELECT origin, did, size, last_leaf FROM dataport_ledger_head WHERE id = 1')).rows[0];
  if (!head) throw new DataportError('DP_ERR_NOT_FOUND', `no ledger in ${where} (the head row is missing)`);
  const { publicKey, warnings, fail } = verification(head.did, opts);

  // 1. Every checkpoint must carry a valid signature by the key, and its row what its note says.
  const checkpoints: NoteCheckpoint[] = [];
  const cpRows = (await client.query<{ size: string; root_hash: Buffer; note: string }>(
    'SELECT size, root_hash, note FROM dataport_ledger_checkpoints ORDER BY size')).rows;
  for (const [index, row] of cpRows.entries()) {
    try {
      const cp = openCheckpoint(row.note, head.origin, publicKey);
      if (cp.size !== Number(row.size) || !row.root_hash.equals(cp.rootHash)) throw new Error(`the row at size ${row.size} does not hold what its signed note says`);
      checkpoints.push({ index, size: cp.size, rootHash: cp.rootHash });
    } catch (e) {
      return fail({ checkpoint: index, reason: (e as Error).message });
    }
  }

  // 2. The entries: sequence, chain, stored leaf hashes; roots at every checkpoint size on the way.
  const roots = new CheckpointRoots(checkpoints);
  let size = 0;
  let lastLeaf: Uint8Array = ZERO_HASH;
  for (;;) {
    const { rows } = await client.query<{ seq: string; payload: Buffer; leaf_hash: Buffer }>(
      'SELECT seq, payload, leaf_hash FROM dataport_ledger_entries WHERE seq >= $1 ORDER BY seq LIMIT $2', [size, PAGE]);
    for (const row of rows) {
      if (Number(row.seq) !== size) return fail({ seq: size, reason: `entry ${size} is missing (the next row is entry ${row.seq})` }, size);
      const checked = checkStoredEntry(size, lastLeaf, row.payload, row.leaf_hash, nativeTreeHasher);
      if ('bad' in checked) return fail(checked.bad, size);
      roots.append(checked.leaf);
      lastLeaf = checked.leaf;
      size++;
    }
    if (rows.length < PAGE) break;
  }
  const mismatch = roots.firstMismatch();
  if (mismatch) return fail(mismatch, size);
  const newest = checkpoints.reduce((m, cp) => Math.max(m, cp.size), 0);
  if (newest > size) return fail({ seq: size, reason: `it is missing, but the signed checkpoint at size ${newest} covers it` }, size);

  // 3. The head: its size and last leaf are the entries'.
  const headSize = Number(head.size);
  if (headSize !== size) {
    return fail({ seq: Math.min(headSize, size), reason: `the head says the ledger holds ${headSize} entries, the table holds ${size}` }, size);
  }
  if (!head.last_leaf.equals(lastLeaf)) return fail({ seq: Math.max(size - 1, 0), reason: `the head's last leaf hash is not the hash of entry ${size - 1}` }, size);

  if (checkpoints.length === 0 && size > 0) warnings.push('no signed checkpoint: only the chain and leaf hashes could be checked');
  else if (newest < size) warnings.push(`entries ${newest}..${size - 1} are after the newest signed checkpoint`);
  const rootHash = toBase64(roots.range.root());
  return {
    ok: true, size, rootHash, checkpoints: checkpoints.length, latestCheckpointSize: checkpoints.length ? newest : undefined,
    keyPinned: !!opts.key, warnings,
    summary: `ok: ${size} entries, root ${rootHash}, ${checkpoints.length} signed checkpoints verified (newest at size ${newest}) with ${opts.key ? 'the given key' : `${head.did} (from the ledger head)`}`,
  };
}
