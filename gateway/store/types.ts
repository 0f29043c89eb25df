// What the gateway keeps, behind one interface with two implementations: the embedded files (one
// process, nothing installed) and PostgreSQL (any number of replicas sharing one database).
import type { AppendResult, LedgerMeta, RecoveryReport, SignedCheckpoint, StoredEntry } from '../ledger/ledger.js';
import type { JsonValue, LedgerEntry } from '../ledger/format.js';
import type { SubjectKind } from '../compliance/subject-store.js';
import type { Leases } from './leases.js';

/**
 * The ledger as the gateway uses it. `size` is what this process has seen durable: with several
 * replicas it is a prefix of the shared ledger that `sync()` brings up to the database's head.
 * Proofs and checkpoints are over that prefix.
 */
export interface LedgerStore {
  readonly meta: LedgerMeta;
  readonly recovery: RecoveryReport;
  readonly size: number;
  readonly healthy: boolean;
  /** Where it lives, for logs (a directory, or the database URL without password). */
  readonly location: string;
  readonly treeReads: number;
  /** Observers of durable commits (metrics): the group size and its latency. */
  onCommit: ((entries: number, millis: number) => void) | undefined;
  /**
   * Appends an entry; resolves once it is durable and every entry before it (from any replica)
   * has been delivered to the follower.
   */
  append(type: string, body: JsonValue | object): Promise<AppendResult>;
  /** One durable entry with its leaf hash and raw leaf data. */
  entry(seq: number): Promise<StoredEntry>;
  root(size?: number): Uint8Array;
  inclusionProof(seq: number, size?: number): Uint8Array[];
  consistencyProof(size1: number, size2?: number): Uint8Array[];
  /** The signed checkpoint of the current size. */
  checkpoint(): SignedCheckpoint;
  /** A signed checkpoint, newly signed at most once per `minIntervalMs`. */
  recentCheckpoint(minIntervalMs?: number): SignedCheckpoint;
  /**
   * Delivers every entry, in ledger order and exactly once, to `apply`: those already durable
   * during this call (file) or the next `sync()` (PostgreSQL), and every later one as this process
   * learns of it (its own appends before they resolve, other replicas' at `sync()`).
   */
  follow(apply: (entry: LedgerEntry) => void): void;
  /** Brings `size` (and the follower) up to the newest durable entry of any replica. */
  sync(): Promise<void>;
  /** Resolves when every append made so far is durable (or has failed). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The distinct individuals each exporter has sent abroad per China calendar year, as 16-byte keyed
 * hashes. `withYear` holds one exporter's year alone (other transfers, on any replica, wait), so
 * checking a batch against a threshold and counting it is one atomic step.
 */
export interface SubjectCounts {
  withYear<T>(exporter: string, year: number, fn: (book: SubjectBook) => Promise<T>): Promise<T>;
  /** The count as last made durable (for the exporter's record). */
  count(exporter: string, year: number, kind: SubjectKind): Promise<number>;
  close(): Promise<void>;
}

export interface SubjectBook {
  /** Distinct hashes counted, including those added in this `withYear`. */
  count(kind: SubjectKind): number;
  /** For each of the `n` 16-byte hashes: 1 if not yet counted (only the first of equal ones). */
  probe(kind: SubjectKind, hashes: Uint8Array, n: number): Promise<Uint8Array>;
  /** Counts the first `upto` hashes; durable when `withYear` resolves. Returns how many were new. */
  add(kind: SubjectKind, hashes: Uint8Array, upto: number): number;
}

/** Opaque byte strings by (group, name), durable when `put` resolves. */
export interface BlobStore {
  put(group: string, name: string, bytes: Uint8Array): Promise<void>;
  get(group: string, name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Nonces of signed requests, shared by the replicas (one process needs none: it remembers its own). */
export interface NonceLedger {
  /** True, and remembers it, when `keyid` has not used `nonce` before (at any replica). */
  remember(keyid: string, nonce: string, created: number): Promise<boolean>;
  close(): void;
}

export interface Store {
  kind: 'file' | 'postgres';
  ledger: LedgerStore;
  subjects: SubjectCounts;
  blobs: BlobStore;
  leases: Leases;
  nonces?: NonceLedger;
  close(): Promise<void>;
}
