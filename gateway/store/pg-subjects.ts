// The distinct individuals per exporter and year in PostgreSQL, shared by every replica. A year is
// held by a transaction-scoped advisory lock, so a batch's check against a threshold and its count
// are one atomic step across replicas; what a `withYear` adds is inserted, and its counter row
// bumped by the rows actually inserted, in that transaction just before it commits.
import { createHash } from 'node:crypto';
import { HASH_BYTES, HashSet128, type SubjectKind } from '../compliance/subject-store.js';
import { KeyedMutex } from './keyed-mutex.js';
import { ADVISORY_NAMESPACE, inTransaction, type PgClient, type PgPool } from './pg.js';
import type { SubjectBook, SubjectCounts } from './types.js';

/** Hashes per statement: keeps each bytea[] parameter to a few hundred kilobytes. */
const CHUNK = 10_000;

/** The advisory lock's second int4 for an exporter's year (a collision only serialises two years). */
export function yearLockKey(exporter: string, year: number): number {
  return createHash('sha256').update(`compliance:${exporter}:${year}`).digest().readInt32BE(0);
}

export class PgSubjectCounts implements SubjectCounts {
  // One transaction per year in this process: callers queue here rather than each holding a
  // pooled client while it waits for the advisory lock.
  private readonly years = new KeyedMutex();

  constructor(private readonly pool: PgPool) {}

  withYear<T>(exporter: string, year: number, fn: (book: SubjectBook) => Promise<T>): Promise<T> {
    return this.years.run(`${exporter}\n${year}`, () => inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_NAMESPACE, yearLockKey(exporter, year)]);
      const { rows } = await client.query<{ kind: SubjectKind; count: string }>(
        'SELECT kind, count FROM dataport_compliance_counters WHERE exporter = $1 AND year = $2', [exporter, year]);
      const book = new PgSubjectBook(client, exporter, year, new Map(rows.map((r) => [r.kind, Number(r.count)])));
      const out = await fn(book);
      await book.write();
      return out;
    }));
  }

  async count(exporter: string, year: number, kind: SubjectKind): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(
      'SELECT count FROM dataport_compliance_counters WHERE exporter = $1 AND year = $2 AND kind = $3', [exporter, year, kind]);
    return rows[0] ? Number(rows[0].count) : 0;
  }

  /** The pool is the Store's: it closes it. */
  async close(): Promise<void> {}
}

interface Kind {
  /** Probed and found counted already. */
  known: HashSet128;
  /** Added in this `withYear`, to insert at its end. */
  added: HashSet128;
  pending: Uint8Array[];
}

/**
 * One `withYear`'s view of the year. `add` is synchronous, so it takes a hash as new unless a
 * `probe` found it counted; the counter is bumped by what the insert really added (the gate always
 * probes before it adds, so the two agree there).
 */
class PgSubjectBook implements SubjectBook {
  private readonly kinds = new Map<SubjectKind, Kind>();

  constructor(private readonly client: PgClient, private readonly exporter: string, private readonly year: number, private readonly base: Map<SubjectKind, number>) {}

  count(kind: SubjectKind): number {
    return (this.base.get(kind) ?? 0) + (this.kinds.get(kind)?.added.size ?? 0);
  }

  async probe(kind: SubjectKind, hashes: Uint8Array, n: number): Promise<Uint8Array> {
    const k = this.kind(kind);
    for (let from = 0; from < n; from += CHUNK) {
      const { rows } = await this.client.query<{ hash: Buffer }>(
        'SELECT hash FROM dataport_compliance_subjects WHERE exporter = $1 AND year = $2 AND kind = $3 AND hash = ANY($4::bytea[])',
        [this.exporter, this.year, kind, split(hashes, from, Math.min(n, from + CHUNK))]);
      for (const r of rows) k.known.add(r.hash, 0);
    }
    const fresh = new Uint8Array(n);
    const seen = new HashSet128(n);
    for (let i = 0; i < n; i++) {
      const at = i * HASH_BYTES;
      if (!k.known.has(hashes, at) && !k.added.has(hashes, at) && seen.add(hashes, at)) fresh[i] = 1;
    }
    return fresh;
  }

  add(kind: SubjectKind, hashes: Uint8Array, upto: number): number {
    const k = this.kind(kind);
    let added = 0;
    for (let i = 0; i < upto; i++) {
      const at = i * HASH_BYTES;
      if (!k.known.has(hashes, at) && k.added.add(hashes, at)) {
        k.pending.push(hashes.slice(at, at + HASH_BYTES));
        added++;
      }
    }
    return added;
  }

  /** Inserts what was added and bumps the counters by the rows inserted (in the open transaction). */
  async write(): Promise<void> {
    for (const [kind, k] of this.kinds) {
      let inserted = 0;
      for (let from = 0; from < k.pending.length; from += CHUNK) {
        const { rowCount } = await this.client.query(
          `INSERT INTO dataport_compliance_subjects (exporter, year, kind, hash)
           SELECT $1, $2, $3, h FROM unnest($4::bytea[]) AS h ON CONFLICT DO NOTHING`,
          [this.exporter, this.year, kind, k.pending.slice(from, from + CHUNK).map((h) => Buffer.from(h.buffer, h.byteOffset, h.byteLength))]);
        inserted += rowCount ?? 0;
      }
      if (inserted === 0) continue;
      await this.client.query(
        `INSERT INTO dataport_compliance_counters (exporter, year, kind, count) VALUES ($1, $2, $3, $4)
         ON CONFLICT (exporter, year, kind) DO UPDATE SET count = dataport_compliance_counters.count + EXCLUDED.count`,
        [this.exporter, this.year, kind, inserted]);
    }
  }

  private kind(kind: SubjectKind): Kind {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { known: new HashSet128(), added: new HashSet128(), pending: [] }));
    return k;
  }
}

/** The hashes [from, to) of a packed array, as the Buffers pg sends as a bytea[]. */
function split(hashes: Uint8Array, from: number, to: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = from; i < to; i++) out.push(Buffer.from(hashes.buffer, hashes.byteOffset + i * HASH_BYTES, HASH_BYTES));
  return out;
}
