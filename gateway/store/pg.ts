// The PostgreSQL connection: a pool, and the migrations applied at start. Several replicas may
// start at once: each takes the same transaction-scoped advisory lock before looking at the
// schema, so exactly one applies a missing migration and the others find it applied.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { DataportError } from '../../crypto/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

/** Any advisory lock key dataport uses is this namespace's (first int4) plus a per-use second int4. */
export const ADVISORY_NAMESPACE = 0x44504f52; // "DPOR"
const MIGRATION_LOCK = 1;

export function isPostgresUrl(s: string | undefined): s is string {
  return typeof s === 'string' && /^postgres(ql)?:\/\//.test(s);
}

/** A pool on the URL; fails with DP_ERR_STORE_UNAVAILABLE when the server cannot be reached. */
export async function connectPg(url: string, opts: { max?: number; applicationName?: string } = {}): Promise<PgPool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 16,
    application_name: opts.applicationName ?? 'dataport',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits 'error' on the pool: it is dropped, not fatal.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new DataportError('DP_ERR_STORE_UNAVAILABLE', `${redact(url)}: ${(e as Error).message}`);
  }
  return pool;
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

function checksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
}

/** Applies the migrations the database lacks; returns the versions this call applied. */
export async function migrate(pool: PgPool, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  try {
    return await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_NAMESPACE, MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS dataport_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM dataport_migrations ORDER BY version');
      const have = new Map(rows.map((r) => [r.version, r.checksum]));
      const known = new Set(migrations.map((m) => m.version));
      const newer = rows.filter((r) => !known.has(r.version)).map((r) => r.version);
      if (newer.length > 0) {
        throw new DataportError('DP_ERR_STORE_INVALID', `the database has migrations ${newer.join(', ')} that this version of dataport does not know: run a newer version`);
      }
      const applied: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        const sum = checksum(m);
        const old = have.get(m.version);
        if (old !== undefined) {
          if (old !== sum) throw new DataportError('DP_ERR_STORE_INVALID', `migration ${m.version} (${m.name}) in the database differs from this version's`);
          continue;
        }
        await client.query(m.sql);
        await client.query('INSERT INTO dataport_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, sum]);
        applied.push(m.version);
      }
      return applied;
    });
  } catch (e) {
    throw e instanceof DataportError ? e : new DataportError('DP_ERR_STORE_INVALID', `migrating: ${(e as Error).message}`);
  }
}

/** Runs `fn` in a transaction on one pooled client; rolls back on any error. */
export async function inTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Network failures of the connection to PostgreSQL (the server down, restarted, unreachable). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/** True for an error that came from PostgreSQL or the connection to it (pg's errors, not dataport's). */
export function isStoreFailure(e: unknown): boolean {
  if (e instanceof pg.DatabaseError) return true;
  const err = e as { code?: unknown; message?: unknown };
  return (typeof err?.code === 'string' && CONNECTION_CODES.has(err.code))
    || (typeof err?.message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(err.message));
}

/**
 * A failure of the store as a dataport error: tables missing is a store this gateway cannot use
 * (run the migrations), anything else the store being unavailable (503: retry).
 */
export function storeError(e: unknown, what: string): DataportError {
  if (e instanceof DataportError) return e;
  const code = (e as { code?: string }).code;
  if (code === '42P01') return new DataportError('DP_ERR_STORE_INVALID', `${what}: the dataport tables are missing (run the migrations): ${(e as Error).message}`);
  return new DataportError('DP_ERR_STORE_UNAVAILABLE', `${what}: ${(e as Error).message}`);
}
