// An append-only RFC 9162 tree kept as levels: level L holds the hash of every complete subtree
// of 2^L leaves, in order, plus the right edge (the roots of the complete subtrees not yet paired).
// Where the levels live (files, memory) is the subclass's; appends and roots are the same.
import { subtreeHash, type NodeSource, type TreeHasher } from '../../crypto/merkle.js';

export abstract class LevelTree implements NodeSource {
  protected readonly hasher: TreeHasher;
  /** Right edge of the tree: the root of each complete subtree not yet paired (compact range). */
  protected readonly edge: { level: number; hash: Uint8Array }[] = [];
  protected rootCache: { size: number; root: Uint8Array } | undefined;
  size = 0;
  /** Node reads served (what a proof costs). */
  reads = 0;

  constructor(hasher: TreeHasher) {
    this.hasher = hasher;
  }

  abstract node(level: number, index: number): Uint8Array;

  /** Keeps a new complete-subtree hash at the end of its level. */
  protected abstract push(level: number, hash: Uint8Array): void;

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
    // nodeHash may reuse its output buffer: the edge keeps a copy.
    this.edge.push({ level, hash: Uint8Array.prototype.slice.call(node) });
    this.size++;
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
