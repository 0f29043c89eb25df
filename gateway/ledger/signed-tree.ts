// What both ledgers (files, PostgreSQL) answer the same way from their RFC 9162 tree: roots,
// inclusion and consistency proofs, and checkpoints signed by the gateway key. Each keeps the tree
// its own way and stores its checkpoints its own way (`storeCheckpoint`).
import { signCheckpoint } from '../../crypto/checkpoint.js';
import { DataportError, type ErrorCode } from '../../crypto/errors.js';
import type { Identity } from '../../crypto/identity.js';
import { consistencyProof, inclusionProof, type NodeSource, type TreeHasher } from '../../crypto/merkle.js';
import { nativeTreeHasher } from '../hash.js';
import { decodeEntry, type LedgerEntry } from './format.js';

export interface StoredEntry extends LedgerEntry {
  leafHash: Uint8Array;
  /** The exact leaf data: what leafHash hashes. */
  raw: Uint8Array;
}

export interface SignedCheckpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
}

export interface ProvableTree extends NodeSource {
  root(size: number): Uint8Array;
}

export abstract class SignedTree {
  abstract readonly size: number;
  abstract readonly meta: { origin: string };
  protected abstract readonly tree: ProvableTree;
  protected abstract readonly signer: Identity;
  protected readonly hasher: TreeHasher = nativeTreeHasher;
  protected latest: SignedCheckpoint | undefined;
  protected signedAt = 0;

  /** Keeps a newly signed checkpoint (a log file, a table). */
  protected abstract storeCheckpoint(cp: SignedCheckpoint): void;

  /** Refuses a sequence number outside the entries this process holds. */
  protected checkSeq(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= this.size) {
      throw new DataportError('DP_ERR_NOT_FOUND', `ledger entry ${seq} (size ${this.size})`);
    }
  }

  /**
   * Entry `seq` from its stored leaf data, checked against the tree: data found where another
   * entry belongs is `misplaced`; data whose hash is not the tree's leaf was altered.
   */
  protected checkedEntry(seq: number, payload: Uint8Array, misplaced: ErrorCode): StoredEntry {
    const entry = decodeEntry(payload);
    if (entry.seq !== seq) throw new DataportError(misplaced, `entry ${seq} is stored as entry ${entry.seq}`, { seq });
    const leafHash = this.hasher.leafHash(payload);
    if (!Buffer.from(leafHash).equals(Buffer.from(this.tree.node(0, seq)))) {
      throw new DataportError('DP_ERR_LEDGER_TAMPERED', `entry ${seq} no longer matches its leaf hash`, { seq });
    }
    return { ...entry, leafHash, raw: payload };
  }

  root(size = this.size): Uint8Array {
    this.checkSize('root', size);
    return this.tree.root(size);
  }

  inclusionProof(seq: number, size = this.size): Uint8Array[] {
    this.checkSize('inclusion proof', size);
    return inclusionProof(this.tree, seq, size, this.hasher);
  }

  consistencyProof(size1: number, size2 = this.size): Uint8Array[] {
    this.checkSize('consistency proof', size2);
    return consistencyProof(this.tree, size1, size2, this.hasher);
  }

  private checkSize(what: string, size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new DataportError('DP_ERR_PROOF_RANGE', `${what}: tree size ${size} is beyond the ledger's size ${this.size}`);
    }
  }

  /** The signed checkpoint of the current size, signing (and storing) a new one when it grew. */
  checkpoint(): SignedCheckpoint {
    if (this.latest && this.latest.size === this.size) return this.latest;
    return this.signCheckpoint();
  }

  /**
   * A signed checkpoint for readers who do not need the very newest size (public routes, the
   * dashboard): a new one is signed at most once per `minIntervalMs`, so callers cannot make the
   * gateway sign and store one on every request.
   */
  recentCheckpoint(minIntervalMs = 1000): SignedCheckpoint {
    if (this.latest && (this.latest.size === this.size || Date.now() - this.signedAt < minIntervalMs)) return this.latest;
    return this.signCheckpoint();
  }

  protected signCheckpoint(): SignedCheckpoint {
    const size = this.size;
    const rootHash = this.tree.root(size);
    const note = signCheckpoint({ origin: this.meta.origin, size, rootHash, extensions: [] }, { name: this.meta.origin, secretKey: this.signer.secretKey });
    const cp = { size, rootHash, note };
    this.storeCheckpoint(cp);
    this.latest = cp;
    this.signedAt = Date.now();
    return cp;
  }
}
