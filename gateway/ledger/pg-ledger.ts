// The ledger in PostgreSQL, shared by any number of replicas: the same entries, hash chain,
// RFC 9162 tree and signed checkpoints as the file ledger (format.ts), so proofs, receipts and
// checkpoints verify with the same code.
//
// One sequencer, serialised by the database: an append transaction locks the head row
// (SELECT ... FOR UPDATE), numbers and chains its group of entries from the head's size and last
// leaf, inserts them, moves the head and commits (synchronous commit: durable). Appends made while
// a transaction is in flight form the next group, as in Ledger's group commit. Each process keeps
// a verified prefix of the shared ledger (`size`, an in-memory tree, its followers) and catches up
// with `sync()`: at once after its own commits, on a NOTIFY from another replica, and every second.
import type pg from 'pg';
import type { TreeHasher } from '../../crypto/merkle.js';
import { DataportError } from '../../crypto/errors.js';
import { openNote, parseCheckpoint, verifierKey } from '../../crypto/checkpoint.js';
import type { Identity } from '../../crypto/identity.js';
import { nativeTreeHasher } from '../hash.js';
import { decodeEntry, encodeEntry, entryClock, ENTRY_FORMAT, ENTRY_HEADER_SIZE, ZERO_HASH, type JsonValue, type LedgerEntry } from './format.js';
import { DEFAULT_ORIGIN, type AppendResult, type LedgerMeta, type RecoveryReport, type SignedCheckpoint, type StoredEntry } from './ledger.js';
import { MemoryTree } from './memory-tree.js';
import { SignedTree } from './signed-tree.js';
import { redact, storeError, type PgClient, type PgPool } from '../store/pg.js';
import type { LedgerStore } from '../store/types.js';

export interface PgLedgerOptions {
  /** The key that signs checkpoints (the gateway's identity); the same on every replica. */
  signer: Identity;
  /** Checkpoint origin line, used when this open creates the ledger. */
  origin?: string;
  /** Sign a checkpoint this often while entries arrive (0 disables; close always signs one). */
  checkpointIntervalMs?: number;
  /** Cap on entries per append transaction. */
  maxGroup?: number;
  /** What `location` reports (default: the pool's URL without its password). */
  location?: string;
  now?: () => Date;
}

/** The NOTIFY channel an append transaction signals its new size on. */
export const LEDGER_CHANNEL = 'dataport_ledger';
/** Rows per catch-up or scan query. */
const PAGE = 10_000;
const POLL_MS = 1000;
const RETRY_MS = 200;
/** Entries are validated with this time in place; it has the length of every time they carry. */
const TIME_TEMPLATE = '1970-01-01T00:00:00.000Z';

interface Queued {
  type: string;
  body: JsonValue | object;
  /** encodeEntry(0, ZERO_HASH, type, TIME_TEMPLATE, body): validated, restamped at commit. */
  template: Buffer;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** An entry this process committed, waiting until the process has caught up to it. */
interface Committed {
  entry: LedgerEntry;
  leaf: Uint8Array;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface Row {
  seq: string;
  payload: Buffer;
  leaf_hash: Buffer;
}

interface CatchUpRequest {
  /** Catch up to at least this size; undefined: to the database's head. */
  target: number | undefined;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Checks one stored entry against the chain: its format byte, its sequence number, its prev (the
 * leaf hash before it) and, when given, the leaf hash stored beside it. Returns the entry's leaf
 * hash, recomputed from the payload, or why the entry is bad.
 */
export function checkStoredEntry(seq: number, prev: Uint8Array, payload: Buffer, storedLeaf: Uint8Array | undefined, hasher: TreeHasher = nativeTreeHasher):
  { leaf: Uint8Array } | { bad: { seq: number; reason: string } } {
  if (payload.length < ENTRY_HEADER_SIZE || payload[0] !== ENTRY_FORMAT) return { bad: { seq, reason: `entry ${seq} is not an entry of format ${ENTRY_FORMAT}` } };
  const recorded = Number(payload.readBigUInt64BE(1));
  if (recorded !== seq) return { bad: { seq, reason: `the row of entry ${seq} holds entry ${recorded}` } };
  if (!payload.subarray(9, ENTRY_HEADER_SIZE).equals(prev)) {
    // Name the entry whose hash changed, as the file scan does.
    return seq === 0
      ? { bad: { seq, reason: 'entry 0 does not start the chain with a zero hash' } }
      : { bad: { seq: seq - 1, reason: `the previous entry's hash does not match the prev recorded by entry ${seq}` } };
  }
  const leaf = hasher.leafHash(payload);
  if (storedLeaf && !Buffer.from(storedLeaf).equals(leaf)) return { bad: { seq, reason: `entry ${seq} no longer matches its stored leaf hash` } };
  return { leaf };
}

export class PgLedger extends SignedTree implements LedgerStore {
  readonly meta: LedgerMeta;
  readonly recovery: RecoveryReport = { notes: [], tornEntriesCut: 0, treeRebuilt: true };
  readonly location: string;
  /** Entries this process has verified (and delivered to its followers, once it has caught up). */
  size: number;
  onCommit: ((entries: number, millis: number) => void) | undefined;
  private readonly pool: PgPool;
  protected readonly signer: Identity;
  private readonly opts: { checkpointIntervalMs: number; maxGroup: number };
  /** The time of an entry taken now. */
  private readonly timestamp: () => string;
  protected readonly tree: MemoryTree;
  private lastLeaf: Uint8Array;
  /** Entries handed to the followers: below `size` only until the first catch-up replays them. */
  private delivered: number;
  private readonly followers: ((entry: LedgerEntry) => void)[] = [];
  private started = false;
  private queue: Queued[] = [];
  private writing = false;
  private scheduled = false;
  /** Committed here, not yet caught up to, in sequence order. */
  private committed: Committed[] = [];
  /** The size the newest transaction of this process makes (its NOTIFY is not news). */
  private committingTo = 0;
  private outstanding = 0;
  private idle: (() => void)[] = [];
  private writerIdle: (() => void)[] = [];
  private catchUpRequests: CatchUpRequest[] = [];
  private catchingUp = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private failure: unknown;
  private checkpointWrites: Promise<void> = Promise.resolve();
  private readonly checkpointTimer: NodeJS.Timeout | undefined;
  private readonly pollTimer: NodeJS.Timeout;
  private listener: PgClient | undefined;
  private listening: Promise<void> | undefined;

  private constructor(pool: PgPool, opts: PgLedgerOptions, meta: LedgerMeta, state: { tree: MemoryTree; lastLeaf: Uint8Array; latest: SignedCheckpoint | undefined }) {
    super();
    this.pool = pool;
    this.meta = meta;
    this.signer = opts.signer;
    this.opts = { checkpointIntervalMs: opts.checkpointIntervalMs ?? 5000, maxGroup: opts.maxGroup ?? 4096 };
    this.timestamp = entryClock(opts.now ?? (() => new Date()));
    const url = (pool as unknown as { options?: { connectionString?: string } }).options?.connectionString;
    this.location = opts.location ?? (url ? redact(url) : 'postgres');
    this.tree = state.tree;
    this.size = state.tree.size;
    this.delivered = this.size;
    this.lastLeaf = state.lastLeaf;
    this.latest = state.latest;
    if (this.opts.checkpointIntervalMs > 0) {
      this.checkpointTimer = setInterval(() => {
        if (this.latest?.size !== this.size && !this.closed && !this.failure) this.signCheckpoint();
      }, this.opts.checkpointIntervalMs);
      this.checkpointTimer.unref();
    }
    // The fallback for a missed NOTIFY (or a listener connection lost): look every second.
    this.pollTimer = setInterval(() => {
      if (this.closed) return;
      if (!this.listener) this.listen();
      if (this.started && !this.failure) this.sync().catch(() => undefined);
    }, POLL_MS);
    this.pollTimer.unref();
    this.listen();
  }

  /**
   * Opens the ledger in the database (its tables made by migrate()), creating the head at the first
   * open. Scans every entry: format, sequence, chain and stored leaf hash, builds the tree, and
   * checks it against the head and the newest signed checkpoint; an altered entry refuses to open,
   * naming it. `size` is then the database's size, but followers registered with `follow` get
   * every entry from 0 at the first `sync()` (or append): after open + follow + sync, a follower
   * has seen every entry.
   */
  static async open(pool: PgPool, opts: PgLedgerOptions): Promise<PgLedger> {
    const origin = opts.origin ?? DEFAULT_ORIGIN;
    const hasher = nativeTreeHasher;
    try {
      // Replicas opening a new database at once: one insert wins, every one reads the same head.
      await pool.query(
        'INSERT INTO dataport_ledger_head (id, origin, did, verifier_key, size, last_leaf) VALUES (1, $1, $2, $3, 0, $4) ON CONFLICT (id) DO NOTHING',
        [origin, opts.signer.did, verifierKey(origin, opts.signer.publicKey), Buffer.from(ZERO_HASH)],
      );
      const client = await pool.connect();
      try {
        // One snapshot for head, checkpoint and entries, so appends made meanwhile cannot skew them.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const head = (await client.query<{ origin: string; did: string; verifier_key: string; size: string; last_leaf: Buffer }>(
          'SELECT origin, did, verifier_key, size, last_leaf FROM dataport_ledger_head WHERE id = 1')).rows[0]!;
        if (head.did !== opts.signer.did) {
          throw new DataportError('DP_ERR_LEDGER_CORRUPT', `the ledger in the database is signed by ${head.did}, not by this gateway's key ${opts.signer.did}`);
        }
        const meta: LedgerMeta = { format: 'dataport-ledger', version: 1, origin: head.origin, did: head.did, verifierKey: head.verifier_key };
        const headSize = Number(head.size);
        const tree = new MemoryTree(hasher);
        let lastLeaf: Uint8Array = ZERO_HASH;
        for (;;) {
          const { rows } = await client.query<Row>(
            'SELECT seq, payload, leaf_hash FROM dataport_ledger_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3', [tree.size, headSize, PAGE]);
          for (const row of rows) {
            const seq = tree.size;
            if (Number(row.seq) !== seq) throw tampered(seq, `entry ${seq} is missing`);
            const checked = checkStoredEntry(seq, lastLeaf, row.payload, row.leaf_hash, hasher);
            if ('bad' in checked) throw tampered(checked.bad.seq, checked.bad.reason);
            tree.append(checked.leaf);
            lastLeaf = checked.leaf;
          }
          if (rows.length < PAGE) break;
        }
        if (tree.size !== headSize) throw tampered(tree.size, `entry ${tree.size} is missing, but the head says the ledger holds ${headSize}`);
        if (!head.last_leaf.equals(lastLeaf)) throw tampered(headSize - 1, `the head's last leaf hash is not the hash of entry ${headSize - 1}`);

        const cpRow = (await client.query<{ size: string; root_hash: Buffer; note: string }>(
          'SELECT size, root_hash, note FROM dataport_ledger_checkpoints ORDER BY size DESC LIMIT 1')).rows[0];
        let latest: SignedCheckpoint | undefined;
        if (cpRow) {
          // Only the newest signature is checked at open; `ledger verify` checks every one.
          const cp = parseCheckpoint(openNote(cpRow.note, [{ name: meta.origin, publicKey: opts.signer.publicKey }]).body);
          if (cp.size !== Number(cpRow.size) || !cpRow.root_hash.equals(cp.rootHash)) {
            throw new DataportError('DP_ERR_LEDGER_TAMPERED', `the checkpoint row at size ${cpRow.size} does not hold what its signed note says`, { size: Number(cpRow.size) });
          }
          if (cp.size > tree.size) throw tampered(tree.size, `entry ${tree.size}: missing, but the signed checkpoint at size ${cp.size} covers it`);
          if (!Buffer.from(tree.root(cp.size)).equals(cp.rootHash)) {
            throw new DataportError('DP_ERR_LEDGER_TAMPERED', `the entries up to ${cp.size} do not match the signed checkpoint at that size`, { size: cp.size });
          }
          if (cp.size === tree.size) latest = { size: cp.size, rootHash: cp.rootHash, note: cpRow.note };
        }
        await client.query('COMMIT');
        tree.reads = 0;
        return new PgLedger(pool, opts, meta, { tree, lastLeaf, latest });
      } finally {
        client.release();
      }
    } catch (e) {
      throw storeError(e, 'opening the ledger');
    }
  }

  /**
   * Appends an entry. Resolves once its transaction has committed and this process has caught up
   * to it (every entry up to it delivered to the followers). An invalid entry is refused here,
   * alone; a failed transaction rejects its group with DP_ERR_STORE_UNAVAILABLE (the database
   * rolled it back) and later appends go on.
   */
  append(type: string, body: JsonValue | object): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new DataportError('DP_ERR_LEDGER_CLOSED', 'no more appends'));
    if (this.failure) return Promise.reject(this.failure);
    let template: Buffer;
    try {
      template = encodeEntry(0, ZERO_HASH, type, TIME_TEMPLATE, body);
    } catch (e) {
      return Promise.reject(e);
    }
    this.started = true;
    this.outstanding++;
    const settled = () => {
      if (--this.outstanding === 0) for (const f of this.idle.splice(0)) f();
    };
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ type, body, template, resolve, reject });
      if (!this.writing && !this.scheduled) {
        this.scheduled = true;
        // Every append of this turn of the event loop joins the group; appends made while a
        // transaction is in flight wait and form the next one.
        setImmediate(() => void this.commitLoop());
      }
    }).finally(settled);
  }

  private async commitLoop(): Promise<void> {
    this.scheduled = false;
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0 && !this.failure) {
        const group = this.queue.splice(0, this.opts.maxGroup);
        const started = performance.now();
        let done: Committed[];
        try {
          done = await this.commitGroup(group);
        } catch (e) {
          const err = e instanceof DataportError ? e : new DataportError('DP_ERR_STORE_UNAVAILABLE', `append of ${group.length} entries rolled back: ${(e as Error).message}`);
          for (const q of group) q.reject(err);
          continue;
        }
        this.onCommit?.(group.length, performance.now() - started);
        for (const c of done) this.committed.push(c);
        this.settleCommitted();
        // Catch up to the group while the next transaction is in flight.
        this.requestCatchUp(done[done.length - 1]!.entry.seq + 1).catch(() => this.retryCatchUp());
      }
      if (this.failure) for (const q of this.queue.splice(0)) q.reject(this.failure);
    } finally {
      this.writing = false;
      for (const f of this.writerIdle.splice(0)) f();
    }
  }

  /** One transaction in two round trips: BEGIN + lock the head; insert + move the head + notify + COMMIT. */
  private async commitGroup(group: Queued[]): Promise<Committed[]> {
    const client = await this.pool.connect();
    let reusable = true;
    try {
      const results = await client.query(
        'BEGIN; SET LOCAL synchronous_commit TO on; SELECT size, last_leaf FROM dataport_ledger_head WHERE id = 1 FOR UPDATE',
      ) as unknown as pg.QueryResult<{ size: string; last_leaf: Buffer }>[];
      const head = results[results.length - 1]!.rows[0];
      if (!head) throw new DataportError('DP_ERR_LEDGER_CORRUPT', 'the ledger head row is gone');
      let seq = Number(head.size);
      if (seq < this.size || (seq === this.size && !head.last_leaf.equals(this.lastLeaf))) {
        throw new DataportError('DP_ERR_LEDGER_TAMPERED', `the database's head (size ${seq}) does not extend the ${this.size} entries this process has verified`, { seq: Math.min(seq, this.size) });
      }
      let prev: Uint8Array = head.last_leaf;
      const seqs: number[] = [];
      const payloads: string[] = [];
      const leaves: string[] = [];
      const done: Committed[] = [];
      for (const q of group) {
        const time = this.timestamp();
        const leafInput = restamp(q.template, seq, prev, q.type, time, q.body);
        const leaf = this.hasher.prefixedLeafHash(leafInput);
        seqs.push(seq);
        payloads.push(leafInput.toString('hex', 1));
        leaves.push(Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength).toString('hex'));
        done.push({ entry: { seq, prev, type: q.type, time, body: q.body as JsonValue }, leaf, resolve: q.resolve, reject: q.reject });
        prev = leaf;
        seq++;
      }
      this.committingTo = seq;
      // Values inlined (hex digits and integers only), so insert, head and COMMIT go as one simple query.
      await client.query(
        `WITH ins AS (INSERT INTO dataport_ledger_entries (seq, payload, leaf_hash)
           SELECT s, decode(p, 'hex'), decode(l, 'hex') FROM unnest('{${seqs.join(',')}}'::bigint[], '{${payloads.join(',')}}'::text[], '{${leaves.join(',')}}'::text[]) AS u(s, p, l)),
         head AS (UPDATE dataport_ledger_head SET size = ${seq}, last_leaf = decode('${leaves[leaves.length - 1]}', 'hex') WHERE id = 1)
         SELECT pg_notify('${LEDGER_CHANNEL}', '${seq}'); COMMIT`,
      );
      return done;
    } catch (e) {
      // Nothing of the group is in the database: the transaction rolls back (or died with the connection).
      await client.query('ROLLBACK').catch(() => {
        reusable = false;
      });
      throw e;
    } finally {
      client.release(!reusable);
    }
  }

  get treeReads(): number {
    return this.tree.reads;
  }

  get healthy(): boolean {
    return !this.closed && this.failure === undefined;
  }

  /**
   * Registers a follower: it gets every entry from 0, in order and once, from the next `sync()`
   * (or append) on. Call it before either.
   */
  follow(apply: (entry: LedgerEntry) => void): void {
    if (this.started) throw new DataportError('DP_ERR_INTERNAL', 'follow the ledger before syncing or appending to it');
    this.followers.push(apply);
    this.delivered = 0;
  }

  /** Brings `size` and the followers up to the database's head as of this call. */
  sync(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.started = true;
    return this.requestCatchUp(undefined);
  }

  /**
   * Single flight: one catch-up runs at a time, and requests made while it runs are served together
   * by the next one, which starts after them and so sees everything committed before they were made.
   */
  private requestCatchUp(target: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.catchUpRequests.push({ target, resolve, reject });
      if (!this.catchingUp) void this.catchUpLoop();
    });
  }

  private async catchUpLoop(): Promise<void> {
    this.catchingUp = true;
    try {
      while (this.catchUpRequests.length > 0) {
        const batch = this.catchUpRequests.splice(0);
        let target: number | undefined = 0;
        for (const r of batch) target = r.target === undefined || target === undefined ? undefined : Math.max(target, r.target);
        try {
          await this.catchUp(target);
          for (const r of batch) r.resolve();
        } catch (e) {
          const err = storeError(e, 'catching up with the ledger');
          if (err.code === 'DP_ERR_LEDGER_TAMPERED' || err.code === 'DP_ERR_LEDGER_CORRUPT') this.fail(err);
          for (const r of batch) r.reject(err);
        }
      }
    } finally {
      this.catchingUp = false;
    }
  }

  /** Own entries are committed but not caught up to (server gone?): try again shortly. */
  private retryCatchUp(): void {
    if (this.closed || this.failure || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.committed.length > 0) this.requestCatchUp(undefined).catch(() => this.retryCatchUp());
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  private async catchUp(target: number | undefined): Promise<void> {
    // What open verified, replayed to followers registered since.
    while (this.delivered < this.size) {
      const rows = await this.fetch(this.delivered, this.size);
      if (rows.length === 0) throw tampered(this.delivered, `entry ${this.delivered} is missing`);
      for (const row of rows) {
        const seq = this.delivered;
        if (Number(row.seq) !== seq) throw tampered(seq, `entry ${seq} is missing`);
        if (!Buffer.from(this.hasher.leafHash(row.payload)).equals(this.tree.node(0, seq, false))) {
          throw tampered(seq, `entry ${seq} no longer matches its leaf hash`);
        }
        this.deliver(decodeEntry(row.payload));
        this.delivered++;
      }
    }
    // Then what is new: entries committed here from memory, other replicas' from the database.
    while (target === undefined || this.size < target) {
      const mine = this.committed[0];
      if (mine && mine.entry.seq === this.size) {
        while (this.committed[0]?.entry.seq === this.size) {
          const c = this.committed[0];
          if (!Buffer.from(c.entry.prev).equals(this.lastLeaf)) throw tampered(this.size, `entry ${this.size} committed here does not extend the chain this process verified`);
          this.accept(c.leaf, c.entry);
          this.settleCommitted();
        }
        continue;
      }
      const upper = Math.min(mine?.entry.seq ?? Infinity, target ?? Infinity);
      const rows = await this.fetch(this.size, upper);
      for (const row of rows) {
        const seq = this.size;
        if (Number(row.seq) !== seq) throw tampered(seq, `entry ${seq} is missing`);
        const checked = checkStoredEntry(seq, this.lastLeaf, row.payload, row.leaf_hash, this.hasher);
        if ('bad' in checked) throw tampered(checked.bad.seq, checked.bad.reason);
        this.accept(checked.leaf, decodeEntry(row.payload));
      }
      this.settleCommitted();
      if (upper === Infinity) {
        if (rows.length < PAGE) break;
      } else if (rows.length === 0 && this.size < upper && this.committed[0]?.entry.seq !== this.size) {
        throw new DataportError('DP_ERR_STORE_UNAVAILABLE', `entries ${this.size}..${upper - 1} are committed but not visible yet`);
      }
    }
  }

  private fetch(from: number, upper: number): Promise<Row[]> {
    return this.pool.query<Row>(
      'SELECT seq, payload, leaf_hash FROM dataport_ledger_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3',
      [from, Number.isFinite(upper) ? upper : Number.MAX_SAFE_INTEGER, PAGE],
    ).then((r) => r.rows);
  }

  private accept(leaf: Uint8Array, entry: LedgerEntry): void {
    this.tree.append(leaf);
    this.lastLeaf = leaf;
    this.size++;
    this.delivered++;
    this.deliver(entry);
  }

  private deliver(entry: LedgerEntry): void {
    for (const f of this.followers) f(entry);
  }

  /** Resolves own appends this process has caught up to (delivered from memory or, racing, from the database). */
  private settleCommitted(): void {
    let n = 0;
    while (n < this.committed.length && this.committed[n]!.entry.seq < this.delivered && this.committed[n]!.entry.seq < this.size) n++;
    if (n === 0) return;
    for (const c of this.committed.splice(0, n)) {
      const leaf = this.tree.node(0, c.entry.seq, false);
      if (Buffer.from(leaf).equals(c.leaf)) c.resolve({ seq: c.entry.seq, leafHash: c.leaf });
      else c.reject(tampered(c.entry.seq, `entry ${c.entry.seq} in the database is not the one committed`));
    }
  }

  private fail(err: DataportError): void {
    if (this.failure) return;
    this.failure = err;
    for (const c of this.committed.splice(0)) c.reject(err);
    for (const q of this.queue.splice(0)) q.reject(err);
  }

  /** Listens for other replicas' commits on a dedicated connection; `sync()`s on each. */
  private listen(): void {
    if (this.listening || this.closed) return;
    this.listening = (async () => {
      const client = await this.pool.connect();
      client.on('notification', (msg) => {
        // Our own commits notify too: what they cover is caught up to after the commit anyway.
        if (msg.channel === LEDGER_CHANNEL && Number(msg.payload) > Math.max(this.size, this.committingTo) && this.started && !this.closed && !this.failure) {
          this.sync().catch(() => undefined);
        }
      });
      client.on('error', () => {
        // The connection is gone: drop it; the poll opens a new one.
        if (this.listener !== client) return;
        this.listener = undefined;
        client.release(true);
      });
      try {
        await client.query(`LISTEN ${LEDGER_CHANNEL}`);
      } catch (e) {
        client.release(true);
        throw e;
      }
      if (this.closed) client.release(true);
      else this.listener = client;
    })().catch(() => undefined).finally(() => {
      this.listening = undefined;
    });
  }

  async entry(seq: number): Promise<StoredEntry> {
    this.checkSeq(seq);
    let row: { payload: Buffer } | undefined;
    try {
      row = (await this.pool.query<{ payload: Buffer }>('SELECT payload FROM dataport_ledger_entries WHERE seq = $1', [seq])).rows[0];
    } catch (e) {
      throw storeError(e, `reading entry ${seq}`);
    }
    if (!row) throw tampered(seq, `entry ${seq} is missing`);
    return this.checkedEntry(seq, row.payload, 'DP_ERR_LEDGER_TAMPERED');
  }

  /**
   * Stores the checkpoint in the background (replicas signing the same size sign the same bytes:
   * Ed25519 is deterministic); close() waits for the stores.
   */
  protected storeCheckpoint(cp: SignedCheckpoint): void {
    const stored = this.pool.query(
      'INSERT INTO dataport_ledger_checkpoints (size, root_hash, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING',
      [cp.size, Buffer.from(cp.rootHash), cp.note],
    ).then(() => undefined, () => undefined);
    this.checkpointWrites = Promise.all([this.checkpointWrites, stored]).then(() => undefined);
  }

  /** Resolves when every append made so far has resolved or failed. */
  flush(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * Commits what is queued, catches up to it, signs a final checkpoint and stores it, and lets go of
   * the listening connection. The pool is the caller's.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    clearInterval(this.pollTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.writing || this.scheduled) await new Promise<void>((resolve) => this.writerIdle.push(resolve));
    if (this.committed.length > 0) await this.requestCatchUp(undefined).catch(() => undefined);
    const unsettled = new DataportError('DP_ERR_STORE_UNAVAILABLE', 'closed before catching up with entries committed here');
    for (const c of this.committed.splice(0)) c.reject(unsettled);
    while (this.catchingUp) await new Promise((r) => setTimeout(r, 5));
    if (!this.failure && this.latest?.size !== this.size) this.signCheckpoint();
    await this.checkpointWrites;
    await this.listening;
    if (this.listener) {
      this.listener.release(true);
      this.listener = undefined;
    }
  }
}

/**
 * The leaf data of a validated entry at its place in the chain: the template's bytes with seq,
 * prev and time written in (JCS puts "time" just before "type", so its offset is fixed from the end).
 */
function restamp(template: Buffer, seq: number, prev: Uint8Array, type: string, time: string, body: unknown): Buffer {
  if (time.length !== TIME_TEMPLATE.length) return encodeEntry(seq, prev, type, time, body);
  const out = Buffer.allocUnsafe(template.length);
  template.copy(out);
  out.writeBigUInt64BE(BigInt(seq), 2);
  out.set(prev, 10);
  // ...,"time":"<time>","type":"<type>"}  — 12 bytes besides the type follow the time.
  out.write(time, template.length - type.length - 12 - TIME_TEMPLATE.length, 'latin1');
  return out;
}

function tampered(seq: number, reason: string): DataportError {
  return new DataportError('DP_ERR_LEDGER_TAMPERED', reason, { seq });
}
