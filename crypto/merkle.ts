// RFC 9162 section 2: the Merkle tree of Certificate Transparency v2, its inclusion and
// consistency proofs and their verification. Sizes and indices are JavaScript numbers used as
// integers up to 2^53, so bit tests are written as arithmetic (`% 2`, `/ 2`), never as 32-bit ops.
import { sha256 } from '@noble/hashes/sha2.js';
import { DataportError } from './errors.js';
import { isBytes } from './bytes.js';

export const HASH_SIZE = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** A SHA-256 implementation; the pure default is noble's, the gateway may pass Node's native one. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

export interface TreeHasher {
  readonly emptyRoot: Uint8Array;
  leafHash(data: Uint8Array): Uint8Array;
  /** The leaf hash of data the caller has already laid out behind the 0x00 prefix (no copy). */
  prefixedLeafHash(prefixAndData: Uint8Array): Uint8Array;
  nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array;
}

export function treeHasher(hash: Sha256 = sha256): TreeHasher {
  const node = new Uint8Array(1 + 2 * HASH_SIZE);
  node[0] = NODE_PREFIX;
  return {
    // RFC 9162 2.1.1: MTH({}) = SHA-256() for the empty tree.
    emptyRoot: hash(new Uint8Array(0)),
    leafHash(data) {
      const buf = new Uint8Array(1 + data.length);
      buf[0] = LEAF_PREFIX;
      buf.set(data, 1);
      return hash(buf);
    },
    prefixedLeafHash(prefixAndData) {
      if (prefixAndData[0] !== LEAF_PREFIX) throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'leaf input must start with the 0x00 prefix');
      return hash(prefixAndData);
    },
    nodeHash(left, right) {
      node.set(left, 1);
      node.set(right, 1 + HASH_SIZE);
      return hash(node);
    },
  };
}

const defaultHasher = treeHasher();

/** RFC 9162 2.1.1: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  if (!isBytes(data)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'leaf data must be a Uint8Array');
  return defaultHasher.leafHash(data);
}

/** RFC 9162 2.1.1: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (!isBytes(left, HASH_SIZE) || !isBytes(right, HASH_SIZE)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `node children must be ${HASH_SIZE}-byte hashes`);
  }
  return defaultHasher.nodeHash(left, right);
}

/** The largest power of two strictly smaller than n (n >= 2), the split point k of RFC 9162 2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number): boolean => n >= 1 && splitPoint(n * 2) === n;

/**
 * Folds leaf hashes left to right, keeping one hash per complete subtree on a stack: the
 * "compact range" of the tree so far. Used to compute roots in O(n) time and O(log n) memory.
 */
export class CompactRange {
  private readonly hasher: TreeHasher;
  private readonly stack: Uint8Array[] = [];
  size = 0;

  constructor(hasher: TreeHasher = defaultHasher) {
    this.hasher = hasher;
  }

  append(leaf: Uint8Array): void {
    let node = leaf;
    // Each trailing 1-bit of the old size is a complete subtree the new leaf now pairs with.
    for (let s = this.size; s % 2 === 1; s = (s - 1) / 2) {
      node = this.hasher.nodeHash(this.stack.pop()!, node);
    }
    this.stack.push(node);
    this.size++;
  }

  root(): Uint8Array {
    if (this.stack.length === 0) return this.hasher.emptyRoot;
    let root = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) root = this.hasher.nodeHash(this.stack[i]!, root);
    return root;
  }
}

/** RFC 9162 2.1.1: MTH(D[n]) from the leaf hashes. */
export function merkleRoot(leafHashes: Uint8Array[]): Uint8Array {
  const range = new CompactRange();
  for (const [i, h] of leafHashes.entries()) {
    if (!isBytes(h, HASH_SIZE)) {
      throw new DataportError('DP_ERR_INVALID_ARGUMENT', `leaf hash ${i} must be a ${HASH_SIZE}-byte Uint8Array`);
    }
    range.append(h);
  }
  return range.root();
}

/**
 * Source of the hashes of complete subtrees: `node(level, index)` is the root of leaves
 * [index * 2^level, (index + 1) * 2^level). A store that keeps these answers proofs in O(log n)
 * reads; `subtreeHash` fills in the one incomplete subtree on the right edge from them.
 */
export interface NodeSource {
  node(level: number, index: number): Uint8Array;
}

export function subtreeHash(src: NodeSource, lo: number, hi: number, hasher: TreeHasher = defaultHasher): Uint8Array {
  const n = hi - lo;
  if (n === 0) return hasher.emptyRoot;
  if (isPowerOfTwo(n) && lo % n === 0) return src.node(Math.log2(n), lo / n);
  const k = splitPoint(n);
  return hasher.nodeHash(subtreeHash(src, lo, lo + k, hasher), subtreeHash(src, lo + k, hi, hasher));
}

function checkRange(what: string, ok: boolean, detail: string): void {
  if (!ok) throw new DataportError('DP_ERR_PROOF_RANGE', `${what}: ${detail}`);
}

const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** RFC 9162 2.1.3.1: PATH(m, D[n]), the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(src: NodeSource, index: number, size: number, hasher: TreeHasher = defaultHasher): Uint8Array[] {
  checkRange('inclusion proof', isSize(index) && isSize(size), 'index and size must be non-negative integers');
  checkRange('inclusion proof', index < size, `index is beyond size: ${index} >= ${size}`);
  const proof: Uint8Array[] = [];
  let lo = 0;
  let hi = size;
  let m = index;
  // Walk from the root down, collecting siblings; the RFC lists them leaf first, so prepend.
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (m < k) {
      proof.unshift(subtreeHash(src, lo + k, hi, hasher));
      hi = lo + k;
    } else {
      proof.unshift(subtreeHash(src, lo, lo + k, hasher));
      lo += k;
      m -= k;
    }
  }
  return proof;
}

/** RFC 9162 2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < size1 <= size2. */
export function consistencyProof(src: NodeSource, size1: number, size2: number, hasher: TreeHasher = defaultHasher): Uint8Array[] {
  checkRange('consistency proof', isSize(size1) && isSize(size2), 'sizes must be non-negative integers');
  checkRange('consistency proof', size1 > 0, 'no consistency proof from the empty tree');
  checkRange('consistency proof', size1 <= size2, `first size is beyond second: ${size1} > ${size2}`);
  const proof: Uint8Array[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let complete = true; // the b flag of SUBPROOF
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      proof.unshift(subtreeHash(src, lo + k, hi, hasher));
      hi = lo + k;
    } else {
      proof.unshift(subtreeHash(src, lo, lo + k, hasher));
      lo += k;
      m -= k;
      complete = false;
    }
  }
  // SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b = true the old root is known to the verifier.
  if (!complete) proof.unshift(subtreeHash(src, lo, hi, hasher));
  return proof;
}

/** Root of an inclusion proof per RFC 9162 2.1.3.2 steps 2-4, or undefined where it fails. */
function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Uint8Array | undefined {
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return undefined; // 4a: the proof is longer than the path
    if (fn % 2 === 1 || fn === sn) {
      r = defaultHasher.nodeHash(p, r);
      // 4b: skip the levels where this node has no right sibling (right edge of the tree)
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = defaultHasher.nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined; // 5: the proof is shorter than the path otherwise
}

// An index loop, not `every`: `every` skips the holes of a sparse array, which would then reach
// nodeHash as undefined and throw instead of failing verification.
function allHashes(xs: unknown): xs is Uint8Array[] {
  if (!Array.isArray(xs)) return false;
  for (let i = 0; i < xs.length; i++) if (!isBytes(xs[i], HASH_SIZE)) return false;
  return true;
}

/** RFC 9162 2.1.3.2. Returns false (never throws) for any malformed input. */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: Uint8Array[], root: Uint8Array): boolean {
  if (!isSize(index) || !isSize(size) || index >= size) return false;
  if (!isBytes(leafHash, HASH_SIZE) || !isBytes(root, HASH_SIZE) || !allHashes(proof)) return false;
  const r = rootFromInclusionProof(index, size, leafHash, proof);
  return r !== undefined && equal(r, root);
}

/** RFC 9162 2.1.4.2. Returns false (never throws) for any malformed input. */
export function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: Uint8Array[]): boolean {
  if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 > size2) return false;
  if (!isBytes(root1, HASH_SIZE) || !isBytes(root2, HASH_SIZE) || !allHashes(proof)) return false;
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  if (proof.length === 0) return false; // step 1
  // Step 2: when size1 is a power of two the old root is itself the first node of the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = defaultHasher.nodeHash(c, fr);
      sr = defaultHasher.nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = defaultHasher.nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, root1) && equal(sr, root2);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A NodeSource over leaf hashes held in memory, for small trees and tests. */
export function memoryNodeSource(leafHashes: Uint8Array[], hasher: TreeHasher = defaultHasher): NodeSource {
  return {
    node(level, index) {
      const lo = index * 2 ** level;
      const hi = lo + 2 ** level;
      if (hi > leafHashes.length) throw new DataportError('DP_ERR_PROOF_RANGE', `node ${level}/${index} beyond ${leafHashes.length} leaves`);
      if (level === 0) return leafHashes[lo]!;
      const half = 2 ** (level - 1);
      return hasher.nodeHash(this.node(level - 1, lo / half), this.node(level - 1, lo / half + 1));
    },
  };
}
