// The ledger's Merkle tree kept on disk as one file per level: level L holds, in order, the
// hash of every complete subtree of 2^L leaves. Any proof then needs O(log n) 32-byte reads
// (RFC 9162 proofs only touch complete subtrees, plus one right-edge subtree assembled from them),
// however many entries the ledger holds. The files are derived data: the segments are the truth,
// and `Ledger.open` rebuilds the tree from them when the files do not match.
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HASH_SIZE, type TreeHasher } from '../../crypto/merkle.js';
import { DataportError } from '../../crypto/errors.js';
import { LevelTree } from './level-tree.js';

const MAX_LEVELS = 54;

export class TreeStore extends LevelTree {
  readonly dir: string;
  private readonly fds: number[] = [];
  private pending: Buffer[][] = [];

  constructor(dir: string, hasher: TreeHasher) {
    super(hasher);
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  private fd(level: number): number {
    let fd = this.fds[level];
    if (fd === undefined) {
      fd = openSync(join(this.dir, `level-${String(level).padStart(2, '0')}.bin`), 'a+');
      this.fds[level] = fd;
    }
    return fd;
  }

  /** Number of nodes a level file holds on disk. */
  private stored(level: number): number {
    return Math.floor(fstatSync(this.fd(level)).size / HASH_SIZE);
  }

  /**
   * Takes the tree as the files have it when they agree with `size` leaves and `expectedRoot`,
   * rebuilding the right edge from O(log n) reads. Returns false when they do not (the caller then
   * rebuilds with `reset` and `append`).
   */
  adopt(size: number, expectedRoot: Uint8Array): boolean {
    for (let level = 0; level < MAX_LEVELS; level++) {
      const want = Math.floor(size / 2 ** level);
      if (want === 0 && !existsSync(join(this.dir, `level-${String(level).padStart(2, '0')}.bin`))) break;
      if (this.stored(level) !== want) return false;
    }
    this.size = size;
    this.edge.length = 0;
    // The right edge is one complete subtree per 1-bit of size, largest first.
    let lo = 0;
    for (let level = MAX_LEVELS; level >= 0; level--) {
      const span = 2 ** level;
      if (Math.floor((size - lo) / span) % 2 === 1) {
        this.edge.push({ level, hash: this.node(level, lo / span) });
        lo += span;
      }
    }
    this.rootCache = undefined;
    const root = this.root();
    return Buffer.from(root).equals(Buffer.from(expectedRoot));
  }

  reset(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    this.size = 0;
    this.edge.length = 0;
    this.pending = [];
    this.rootCache = undefined;
  }

  /** Held until `flush` writes it. */
  protected push(level: number, hash: Uint8Array): void {
    (this.pending[level] ??= []).push(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength));
  }

  /** Appends the held nodes to the level files (page cache; the segments are what is fsynced). */
  flush(): void {
    for (let level = 0; level < this.pending.length; level++) {
      const nodes = this.pending[level];
      if (!nodes || nodes.length === 0) continue;
      const buf = nodes.length === 1 ? nodes[0]! : Buffer.concat(nodes);
      writeSync(this.fd(level), buf);
    }
    this.pending = [];
  }

  /** Shortens every level file that holds more than `size` leaves need (never lengthens one). */
  truncateTo(size: number): void {
    for (let level = 0; level < MAX_LEVELS; level++) {
      const path = join(this.dir, `level-${String(level).padStart(2, '0')}.bin`);
      if (!existsSync(path)) break;
      const want = Math.floor(size / 2 ** level);
      if (this.stored(level) > want) ftruncateSync(this.fd(level), want * HASH_SIZE);
    }
  }

  node(level: number, index: number): Uint8Array {
    this.reads++;
    const buf = Buffer.allocUnsafe(HASH_SIZE);
    const n = readSync(this.fd(level), buf, 0, HASH_SIZE, index * HASH_SIZE);
    if (n !== HASH_SIZE) {
      throw new DataportError('DP_ERR_LEDGER_CORRUPT', `tree level ${level} has no node ${index}`);
    }
    return buf;
  }

  close(): void {
    for (const fd of this.fds) if (fd !== undefined) closeSync(fd);
    this.fds.length = 0;
  }
}
