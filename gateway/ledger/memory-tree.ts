// The ledger's Merkle tree held in memory, one growable buffer per level: level L holds the hash of
// every complete subtree of 2^L leaves, as tree-store.ts keeps them in files. The PostgreSQL
// ledger rebuilds it from the database's leaf hashes at open (it is derived data), then proofs cost
// O(log n) node reads, as with the file tree. About 64 bytes per entry.
import { HASH_SIZE, subtreeHash, type NodeSource, type TreeHasher } from '../../crypto/merkle.js';
import { DataportError } from '../../crypto/errors.js';

export class MemoryTree implements NodeSource {
  private readonly hasher: TreeHasher;
  private readonly levels: Buffer[] = [];
  private readonly counts: number[] = [];
  /** Right edge of the tree: the root of each complete subtree not yet paired (compact range). */
  private readonly edge: { level: number; hash: Uint8Array }[] = [];
  private rootCache: { size: number; root: Uint8Array } | undefined;
  size = 0;
  /** Node reads served (what a proof costs). */
  reads = 0;

  constructor(hasher: TreeHasher) {
    this.hasher = hasher;
  }

  append(leaf: Uint8Array): void {
    this.push(0, leaf);
    let node = leaf;
    let level = 0;
    // Pair with the right edge while the top of the edge is a subtree of the same height.
    while (this.edge.length > 0 && this.edge[this.edge.length - 1]!.level === level) {
      node = this.hasher.nodeHash(this.edge.pop()!.hash, node);
      level++;
      this.push(level, node);
    }
    // nodeHash may reuse its output buffer: keep a copy on the edge.
    this.edge.push({ level, hash: this.node(level, this.counts[level]! - 1, false) });
    this.size++;
  }

  private push(level: number, hash: Uint8Array): void {
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

  /** MTH of the first `size` leaves. */
  root(size = this.size): Uint8Array {
    if (size === this.size) {
      if (this.rootCache?.size === size) return this.rootCache.root;
      let root: Uint8Array = this.hasher.emptyRoot;
      for (let i = this.edge.length - 1; i >= 0; i--) {
        root = i === this.edge.length - 1 ? this.edge[i]!.hash : this.hasher.nodeHash(this.edge[i]!.hash, root);
      }
      root = Uint8Array.prototype.slice.call(root);
      this.rootCache = { size, root };
      return root;
    }
    return subtreeHash(this, 0, size, this.hasher);
  }
}
