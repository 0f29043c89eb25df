// The ledger's Merkle tree held in memory, one growable buffer per level: level L holds the hash of
// every complete subtree of 2^L leaves, as tree-store.ts keeps them in files. The PostgreSQL
// ledger rebuilds it from the database's leaf hashes at open (it is derived data), then proofs cost
// O(log n) node reads, as with the file tree. About 64 bytes per entry.
import { HASH_SIZE } from '../../crypto/merkle.js';
import { DataportError } from '../../crypto/errors.js';
import { LevelTree } from './level-tree.js';

export class MemoryTree extends LevelTree {
  private readonly levels: Buffer[] = [];
  private readonly counts: number[] = [];

  protected push(level: number, hash: Uint8Array): void {
    const count = this.counts[level] ?? 0;
    let buf = this.levels[level];
    if (!buf || (count + 1) * HASH_SIZE > buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(1024, (count + 1) * 2) * HASH_SIZE);
      buf?.copy(grown, 0, 0, count * HASH_SIZE);
      this.levels[level] = grown;
      buf = grown;
    }
    buf.set(hash, count * HASH_SIZE);
    this.counts[level] = count + 1;
  }

  node(level: number, index: number, count = true): Uint8Array {
    if (count) this.reads++;
    const buf = this.levels[level];
    if (!buf || !Number.isSafeInteger(index) || index < 0 || index >= this.counts[level]!) {
      throw new DataportError('DP_ERR_LEDGER_CORRUPT', `tree level ${level} has no node ${index}`);
    }
    // A copy: the level buffer is replaced when it grows.
    return Uint8Array.prototype.slice.call(buf, index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}
