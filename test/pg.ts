// PostgreSQL for tests: run when DATAPORT_PG_URL is set (CI sets it: .ci/postgres.sh), skipped
// with a visible reason otherwise. Each test gets a database of its own, dropped at its end, so
// test files can run in parallel.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.DATAPORT_PG_URL;

/** tap's `skip` option for a PostgreSQL test: false when a server is configured, else the reason. */
export const pgSkip: string | false = PG_URL ? false : 'DATAPORT_PG_URL is not set: PostgreSQL test skipped (bash .ci/postgres.sh starts a server and prints the URL)';

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new empty database for this test, dropped at teardown; returns its URL. */
export async function freshDatabase(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  if (!PG_URL) throw new Error('DATAPORT_PG_URL is not set');
  const name = `dataport_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  t.teardown(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined));
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
