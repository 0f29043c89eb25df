// Leases: who may work on an entity (a negotiation, a transfer, an aggregation job) right now.
// Within a process a key is a mutex; with PostgreSQL it is also a row in dataport_leases held
// until it expires, so two replicas never drive the same entity at once and a dead replica's
// work is taken over once its lease runs out (as Eclipse EDC's state machines lease entities).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { DataportError } from '../../crypto/errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { PgPool } from './pg.js';

export interface LeaseOptions {
  /** How long the lease lasts unless renewed (default: the Leases' ttlMs). */
  ttlMs?: number;
  /** How long to wait for a lease someone else holds before DP_ERR_BUSY (default 10 s; 0: do not wait). */
  waitMs?: number;
}

export class Leases {
  /** This replica's name in dataport_leases.owner. */
  readonly owner: string;
  private readonly pool: PgPool | undefined;
  private readonly local = new KeyedMutex();
  private readonly held = new Map<string, NodeJS.Timeout>();
  private readonly lost = new Set<string>();
  private closed = false;
  /** The keys the current async context holds: `exclusive` is re-entrant within one piece of work. */
  private readonly holding = new AsyncLocalStorage<ReadonlySet<string>>();

  /** A lease's life unless renewed, where `exclusive` is not told otherwise. */
  readonly ttlMs: number;

  constructor(pool?: PgPool, owner = `replica-${randomUUID()}`, ttlMs = 10_000) {
    this.pool = pool;
    this.owner = owner;
    this.ttlMs = ttlMs;
  }

  get shared(): boolean {
    return this.pool !== undefined;
  }

  /**
   * Runs `fn` holding the lease on `key`: alone in this process and, with PostgreSQL, alone among
   * all replicas. The lease is renewed while `fn` runs and released after it, however it ends.
   */
  async exclusive<T>(key: string, fn: () => Promise<T>, opts: LeaseOptions = {}): Promise<T> {
    const outer = this.holding.getStore();
    if (outer?.has(key)) return fn();
    const inner = new Set(outer);
    inner.add(key);
    const run = () => this.holding.run(inner, fn);
    const waitMs = opts.waitMs ?? 10_000;
    return this.local.run(key, () => (this.pool ? this.leased(key, run, opts) : run()), waitMs, () => new DataportError('DP_ERR_BUSY', `${key} is in use`));
  }

  /** The replicas' half of `exclusive`: the row in dataport_leases, taken, renewed and released around `run`. */
  private async leased<T>(key: string, run: () => Promise<T>, opts: LeaseOptions): Promise<T> {
    const ttl = opts.ttlMs ?? this.ttlMs;
    const deadline = Date.now() + (opts.waitMs ?? 10_000);
    for (let delay = 5; !(await this.tryAcquire(key, ttl)); delay = Math.min(delay * 2, 100)) {
      if (Date.now() + delay > deadline || this.closed) throw new DataportError('DP_ERR_BUSY', `${key} is leased by another replica`);
      await sleep(delay);
    }
    // A renewal that finds the lease taken (this replica stalled past its life) marks it lost:
    // nothing more is committed under it (see assertHeld).
    const renew = setInterval(() => void this.tryAcquire(key, ttl).then((ok) => {
      if (!ok) this.lost.add(key);
    }, () => undefined), Math.max(ttl / 3, 50));
    renew.unref();
    this.held.set(key, renew);
    try {
      return await run();
    } finally {
      clearInterval(renew);
      this.held.delete(key);
      this.lost.delete(key);
      await this.release(key).catch(() => undefined);
    }
  }

  /**
   * Throws DP_ERR_BUSY when a lease the current piece of work holds was found taken by another
   * replica at its last renewal: the work must not commit anything more.
   */
  assertHeld(): void {
    for (const key of this.holding.getStore() ?? []) {
      if (this.lost.has(key)) throw new DataportError('DP_ERR_BUSY', `the lease on ${key} expired and another replica took it over`);
    }
  }

  /** True when the current piece of work holds `key` (inside its `exclusive`). */
  holds(key: string): boolean {
    return this.holding.getStore()?.has(key) ?? false;
  }

  /**
   * Runs `fn` as work of its own, holding none of the caller's keys: what a request spawns to go
   * on after it has answered must take its leases itself.
   */
  detached<T>(fn: () => T): T {
    return this.holding.exit(fn);
  }

  /**
   * Takes the lease on `key` if it is free (or already this replica's) without waiting; false when
   * another replica holds it. The caller must `release` it (or let it expire).
   */
  async tryAcquire(key: string, ttlMs: number): Promise<boolean> {
    if (!this.pool) return true;
    const { rowCount } = await this.pool.query(
      `INSERT INTO dataport_leases (key, owner, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at,
         acquired_at = CASE WHEN dataport_leases.owner = EXCLUDED.owner THEN dataport_leases.acquired_at ELSE now() END
       WHERE dataport_leases.owner = EXCLUDED.owner OR dataport_leases.expires_at < now()`,
      [key, this.owner, ttlMs / 1000],
    );
    return rowCount === 1;
  }

  async release(key: string): Promise<void> {
    if (!this.pool) return;
    await this.pool.query('DELETE FROM dataport_leases WHERE key = $1 AND owner = $2', [key, this.owner]);
  }

  /** Who holds `key` now (an expired lease is nobody's). */
  async holder(key: string): Promise<string | undefined> {
    if (!this.pool) return this.local.busy(key) ? this.owner : undefined;
    const { rows } = await this.pool.query<{ owner: string }>('SELECT owner FROM dataport_leases WHERE key = $1 AND expires_at >= now()', [key]);
    return rows[0]?.owner;
  }

  /** Stops renewing; held leases are released by their `exclusive` calls as those end. */
  close(): void {
    this.closed = true;
    for (const t of this.held.values()) clearInterval(t);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
