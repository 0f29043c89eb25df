import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { DataportError } from '../../crypto/errors.js';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  leafHash,
  memoryNodeSource,
  merkleRoot,
  nodeHash,
  subtreeHash,
  treeHasher,
  verifyConsistency,
  verifyInclusion,
} from '../../crypto/merkle.js';

// ---- Published vectors: transparency-dev/merkle, copied byte for byte ----

// testonly/constants.go: LeafInputs(), NodeHashes(), RootHashes(), EmptyRootHash().
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
const EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ROOTS = [
  EMPTY_ROOT,
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

// proof/verify_test.go: inclusionProofs (leaf is 1-based there) and consistencyProofs.
const INCLUSION_VECTORS: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY_VECTORS: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
// proof/verify_test.go: sha256SomeHash, a 32-byte value that is no node of the tree.
const SOME_HASH = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');

// ---- A naive RFC 9162 tree, written from 2.1.1-2.1.4 with its own SHA-256 calls ----

const naiveLeaf = (d: Uint8Array) => sha256(concatBytes(Uint8Array.of(0), d));
const naiveNode = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(Uint8Array.of(1), l, r));
/** 2.1.1: k is the largest power of two smaller than n. */
const naiveSplit = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
/** 2.1.1 MTH(D[n]) over the leaf inputs. */
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return naiveLeaf(d[0]!);
  const k = naiveSplit(d.length);
  return naiveNode(mth(d.slice(0, k)), mth(d.slice(k)));
}
/** 2.1.3.1 PATH(m, D[n]). */
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = naiveSplit(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
/** 2.1.4.1 SUBPROOF(m, D[n], b); PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = naiveSplit(d.length);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

// ---- Helpers ----

const hexes = (xs: Uint8Array[]) => xs.map(toHex);
const LEAF_HASHES = LEAF_INPUTS.map(leafHash);
const SRC8 = memoryNodeSource(LEAF_HASHES);
const DATA64 = Array.from({ length: 64 }, (_, i) => (i < 8 ? LEAF_INPUTS[i]! : utf8.encode(`leaf ${i}`)));
const HASHES64 = DATA64.map(leafHash);
const SRC64 = memoryNodeSource(HASHES64);
const ROOTS64 = Array.from({ length: 65 }, (_, n) => mth(DATA64.slice(0, n)));
/** The verifier's answer, or what it threw: malformed input must give false, never an exception. */
function answer(fn: () => boolean): boolean | string {
  try {
    return fn();
  } catch (e) {
    return `threw ${String(e)}`;
  }
}
const flipBit = (proof: Uint8Array[], i: number, mask: number) =>
  proof.map((p, j) => (j === i ? p.map((b, k) => (k === 0 ? b ^ mask : b)) : p));

// ---- Hashing ----

t.test('leafHash of the reference leaf inputs gives level 0 of NodeHashes()', async (t) => {
  t.same(hexes(LEAF_HASHES), NODE_HASHES[0]);
});

t.test('nodeHash of each pair of a level gives the next level of NodeHashes()', async (t) => {
  for (let level = 1; level < NODE_HASHES.length; level++) {
    const below = NODE_HASHES[level - 1]!.map(fromHex);
    const got = NODE_HASHES[level]!.map((_, i) => toHex(nodeHash(below[2 * i]!, below[2 * i + 1]!)));
    t.same(got, NODE_HASHES[level], `level ${level}`);
  }
});

t.test('merkleRoot of the first n reference leaves gives RootHashes()[n], the empty tree e3b0c442...', async (t) => {
  t.equal(toHex(merkleRoot([])), EMPTY_ROOT);
  t.equal(toHex(treeHasher().emptyRoot), EMPTY_ROOT);
  t.same(ROOTS.map((_, n) => toHex(merkleRoot(LEAF_HASHES.slice(0, n)))), ROOTS);
});

t.test('subtreeHash over a memoryNodeSource and CompactRange give the same roots', async (t) => {
  t.same(ROOTS.map((_, n) => toHex(subtreeHash(SRC8, 0, n))), ROOTS);
  const range = new CompactRange();
  const got = [toHex(range.root())];
  for (const h of LEAF_HASHES) {
    range.append(h);
    got.push(toHex(range.root()));
  }
  t.same(got, ROOTS);
  t.equal(range.size, 8);
});

t.test('leafHash, nodeHash and merkleRoot refuse malformed arguments', async (t) => {
  t.throws(() => leafHash('00' as unknown as Uint8Array), { code: 'DP_ERR_INVALID_ARGUMENT' });
  t.throws(() => nodeHash(new Uint8Array(31), new Uint8Array(32)), { code: 'DP_ERR_INVALID_ARGUMENT' });
  t.throws(() => merkleRoot([new Uint8Array(32), new Uint8Array(33)]), {
    code: 'DP_ERR_INVALID_ARGUMENT',
    message: 'Invalid argument: leaf hash 1 must be a 32-byte Uint8Array',
  });
});

// ---- Published proofs ----

t.test('inclusionProof reproduces the inclusion proofs of proof/verify_test.go, and they verify', async (t) => {
  for (const { leaf, size, proof } of INCLUSION_VECTORS) {
    const index = leaf - 1;
    t.same(hexes(inclusionProof(SRC8, index, size)), proof, `leaf ${index} of ${size}`);
    t.equal(verifyInclusion(index, size, LEAF_HASHES[index]!, proof.map(fromHex), fromHex(ROOTS[size]!)), true, `verify ${index} of ${size}`);
  }
});

t.test('consistencyProof reproduces the consistency proofs of proof/verify_test.go, and they verify', async (t) => {
  for (const { size1, size2, proof } of CONSISTENCY_VECTORS) {
    t.same(hexes(consistencyProof(SRC8, size1, size2)), proof, `${size1} -> ${size2}`);
    t.equal(verifyConsistency(size1, size2, fromHex(ROOTS[size1]!), fromHex(ROOTS[size2]!), proof.map(fromHex)), true, `verify ${size1} -> ${size2}`);
  }
});

t.test('the corrupted inclusion proofs of proof/verify_test.go (corruptInclusionProof) do not verify', async (t) => {
  for (const { leaf, size, proof: hex } of INCLUSION_VECTORS) {
    const index = leaf - 1;
    const proof = hex.map(fromHex);
    const root = fromHex(ROOTS[size]!);
    const lh = LEAF_HASHES[index]!;
    const probes: [string, number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
      ['leafIndex - 1', index - 1, size, lh, proof, root],
      ['leafIndex + 1', index + 1, size, lh, proof, root],
      ['leafIndex ^ 2', index ^ 2, size, lh, proof, root],
      ['treeSize * 2', index, size * 2, lh, proof, root],
      ['treeSize / 2', index, Math.floor(size / 2), lh, proof, root],
      ['wrong leaf', index, size, utf8.encode('WrongLeaf'), proof, root],
      ['empty root', index, size, lh, proof, fromHex(EMPTY_ROOT)],
      ['random root', index, size, lh, proof, SOME_HASH],
      ['trailing garbage', index, size, lh, [...proof, new Uint8Array(0)], root],
      ['trailing root', index, size, lh, [...proof, root], root],
      ['preceding garbage', index, size, lh, [new Uint8Array(0), ...proof], root],
      ['preceding root', index, size, lh, [root, ...proof], root],
      ...proof.map((_, i): [string, number, number, Uint8Array, Uint8Array[], Uint8Array] => [`modified proof[${i}] bit 3`, index, size, lh, flipBit(proof, i, 8), root]),
    ];
    if (proof.length > 0) probes.push(['removed component', index, size, lh, proof.slice(0, -1), root]);
    if (proof.length > 1) probes.push(['inserted component', index, size, lh, [proof[0]!, SOME_HASH, ...proof.slice(1)], root]);
    const wrong = probes.filter(([, i, n, l, p, r]) => answer(() => verifyInclusion(i, n, l, p, r)) !== false).map(([d]) => d);
    t.same(wrong, [], `leaf ${index} of ${size}`);
  }
});

t.test('the corrupted consistency proofs of proof/verify_test.go (corruptConsistencyProof) do not verify', async (t) => {
  for (const { size1, size2, proof: hex } of CONSISTENCY_VECTORS) {
    if (hex.length === 0) continue; // as verifierConsistencyCheck: only non-trivial proofs
    const proof = hex.map(fromHex);
    const root1 = fromHex(ROOTS[size1]!);
    const root2 = fromHex(ROOTS[size2]!);
    const wrongRoot = utf8.encode('WrongRoot');
    const probes: [string, number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
      ['size1 - 1', size1 - 1, size2, root1, root2, proof],
      ['size1 + 1', size1 + 1, size2, root1, root2, proof],
      ['size1 ^ 2', size1 ^ 2, size2, root1, root2, proof],
      ['size2 * 2', size1, size2 * 2, root1, root2, proof],
      ['size2 / 2', size1, Math.floor(size2 / 2), root1, root2, proof],
      ['wrong root1', size1, size2, wrongRoot, root2, proof],
      ['wrong root2', size1, size2, root1, wrongRoot, proof],
      ['swapped roots', size1, size2, root2, root1, proof],
      ['empty proof', size1, size2, root1, root2, []],
      ['trailing garbage', size1, size2, root1, root2, [...proof, new Uint8Array(0)]],
      ['trailing root1', size1, size2, root1, root2, [...proof, root1]],
      ['trailing root2', size1, size2, root1, root2, [...proof, root2]],
      ['preceding garbage', size1, size2, root1, root2, [new Uint8Array(0), ...proof]],
      ['preceding root1', size1, size2, root1, root2, [root1, ...proof]],
      ['preceding root2', size1, size2, root1, root2, [root2, ...proof]],
      ['preceding proof[0]', size1, size2, root1, root2, [proof[0]!, ...proof]],
      ['truncated proof', size1, size2, root1, root2, proof.slice(0, -1)],
      ...proof.map((_, i): [string, number, number, Uint8Array, Uint8Array, Uint8Array[]] => [`modified proof[${i}] bit 4`, size1, size2, root1, root2, flipBit(proof, i, 16)]),
    ];
    const wrong = probes.filter(([, s1, s2, r1, r2, p]) => answer(() => verifyConsistency(s1, s2, r1, r2, p)) !== false).map(([d]) => d);
    t.same(wrong, [], `${size1} -> ${size2}`);
  }
});

t.test('a one-leaf tree verifies only its own 32-byte leaf hash as root (TestVerifyInclusionSingleEntry)', async (t) => {
  const hash = leafHash(utf8.encode('data'));
  const empty = new Uint8Array(0);
  t.equal(verifyInclusion(0, 1, hash, [], hash), true);
  t.equal(answer(() => verifyInclusion(0, 1, empty, [], hash)), false);
  t.equal(answer(() => verifyInclusion(0, 1, hash, [], empty)), false);
  t.equal(answer(() => verifyInclusion(0, 1, empty, [], empty)), false);
});

t.test('empty proofs for impossible index/size pairs do not verify (TestVerifyInclusion probes)', async (t) => {
  const empty = fromHex(EMPTY_ROOT);
  for (const [index, size] of [[0, 0], [0, 1], [1, 0], [2, 1]] as const) {
    t.equal(answer(() => verifyInclusion(index, size, SOME_HASH, [], new Uint8Array(0))), false, `${index}/${size} empty root`);
    t.equal(answer(() => verifyInclusion(index, size, new Uint8Array(0), [], empty)), false, `${index}/${size} empty leaf`);
    t.equal(answer(() => verifyInclusion(index, size, SOME_HASH, [], empty)), false, `${index}/${size}`);
  }
});

t.test('the consistency edge cases of TestVerifyConsistency, with size1 = 0 always refused', async (t) => {
  const r1 = sha256(utf8.encode("don't care 1"));
  const r2 = sha256(utf8.encode("don't care 2"));
  const empty = fromHex(EMPTY_ROOT);
  const cases: [number, number, Uint8Array, Uint8Array, Uint8Array[], boolean][] = [
    [1, 1, r1, r2, [], false],
    [1, 1, r2, r2, [], true],
    [1, 0, r1, r2, [], false], // time travel to the past
    [2, 1, r1, r2, [], false],
    [1, 2, r1, r2, [], false], // empty proof
    [1, 1, empty, r2, [], false], // roots don't match
    [1, 1, empty, empty, [empty], false], // roots match but the proof is not empty
    // transparency-dev accepts these (any tree is consistent with the empty one); RFC 9162
    // defines PROOF only for 0 < m, and dataport refuses them so a caller cannot skip a check.
    [0, 0, r1, r1, [], false],
    [0, 1, r1, r2, [], false],
    [0, 0, empty, empty, [empty], false],
    [0, 1, empty, empty, [empty], false],
  ];
  for (const [s1, s2, a, b, p, want] of cases) t.equal(answer(() => verifyConsistency(s1, s2, a, b, p)), want, `${s1} -> ${s2}`);
});

// ---- Against the naive RFC 9162 tree ----

t.test('the naive tree reproduces the published roots (sanity check of the reference)', async (t) => {
  t.same(ROOTS.map((_, n) => toHex(mth(LEAF_INPUTS.slice(0, n)))), ROOTS);
});

t.test('merkleRoot equals MTH for every size 0..64', async (t) => {
  const wrong = ROOTS64.map((want, n) => (equalBytes(merkleRoot(HASHES64.slice(0, n)), want) ? -1 : n)).filter((n) => n >= 0);
  t.same(wrong, []);
});

t.test('inclusionProof equals PATH, and PATH verifies, for every index of every size 1..64', async (t) => {
  const mismatches: string[] = [];
  for (let size = 1; size <= 64; size++) {
    const data = DATA64.slice(0, size);
    for (let index = 0; index < size; index++) {
      const want = path(index, data);
      const got = inclusionProof(SRC64, index, size);
      if (hexes(got).join() !== hexes(want).join()) mismatches.push(`generate ${index}/${size}`);
      if (answer(() => verifyInclusion(index, size, HASHES64[index]!, want, ROOTS64[size]!)) !== true) mismatches.push(`verify ${index}/${size}`);
    }
  }
  t.same(mismatches, []);
});

t.test('inclusion proofs fail with a proof element too many or too few, the wrong leaf or the wrong index', async (t) => {
  const accepted: string[] = [];
  for (let size = 1; size <= 64; size++) {
    const root = ROOTS64[size]!;
    for (let index = 0; index < size; index++) {
      const proof = path(index, DATA64.slice(0, size));
      const leaf = HASHES64[index]!;
      const probes: [string, () => boolean][] = [
        ['one too many', () => verifyInclusion(index, size, leaf, [...proof, SOME_HASH], root)],
        ['wrong leaf', () => verifyInclusion(index, size, HASHES64[(index + 1) % 64]!, proof, root)],
        ['wrong root', () => verifyInclusion(index, size, leaf, proof, ROOTS64[size - 1]!)],
        ['index >= size', () => verifyInclusion(size, size, leaf, proof, root)],
      ];
      if (proof.length > 0) probes.push(['one too few', () => verifyInclusion(index, size, leaf, proof.slice(0, -1), root)]);
      if (size > 1) probes.push(['wrong index', () => verifyInclusion((index + 1) % size, size, leaf, proof, root)]);
      for (const [what, fn] of probes) if (answer(fn) !== false) accepted.push(`${what} ${index}/${size}`);
    }
  }
  t.same(accepted, []);
});

t.test('consistencyProof equals PROOF, and PROOF verifies, for every 1 <= size1 <= size2 <= 64', async (t) => {
  const mismatches: string[] = [];
  for (let size2 = 1; size2 <= 64; size2++) {
    const data = DATA64.slice(0, size2);
    for (let size1 = 1; size1 <= size2; size1++) {
      const want = subproof(size1, data, true);
      const got = consistencyProof(SRC64, size1, size2);
      if (hexes(got).join() !== hexes(want).join()) mismatches.push(`generate ${size1}->${size2}`);
      if (answer(() => verifyConsistency(size1, size2, ROOTS64[size1]!, ROOTS64[size2]!, want)) !== true) mismatches.push(`verify ${size1}->${size2}`);
    }
  }
  t.same(mismatches, []);
});

t.test('consistency proofs fail with an element too many or too few, or for other sizes or roots', async (t) => {
  const accepted: string[] = [];
  for (let size2 = 1; size2 <= 64; size2++) {
    for (let size1 = 1; size1 <= size2; size1++) {
      const proof = subproof(size1, DATA64.slice(0, size2), true);
      const r1 = ROOTS64[size1]!;
      const r2 = ROOTS64[size2]!;
      const probes: [string, () => boolean][] = [
        ['one too many', () => verifyConsistency(size1, size2, r1, r2, [...proof, SOME_HASH])],
        ['size1 > size2', () => verifyConsistency(size2 + 1, size2, r1, r2, proof)],
        ['size1 = 0', () => verifyConsistency(0, size2, fromHex(EMPTY_ROOT), r2, proof)],
      ];
      if (proof.length > 0) probes.push(['one too few', () => verifyConsistency(size1, size2, r1, r2, proof.slice(0, -1))]);
      if (size1 < size2) {
        probes.push(['wrong root1', () => verifyConsistency(size1, size2, ROOTS64[size1 + 1]!, r2, proof)]);
        probes.push(['wrong root2', () => verifyConsistency(size1, size2, r1, ROOTS64[size2 - 1]!, proof)]);
        probes.push(['size2 + 1', () => verifyConsistency(size1, size2 + 1, r1, ROOTS64[size2 + 1]!, proof)]);
      }
      for (const [what, fn] of probes) if (answer(fn) !== false) accepted.push(`${what} ${size1}->${size2}`);
    }
  }
  t.same(accepted, []);
});

// ---- Malformed input: false, never an exception ----

t.test('verifyInclusion returns false for malformed sizes, hashes and proofs without throwing', async (t) => {
  const proof = path(2, DATA64.slice(0, 5));
  const leaf = HASHES64[2]!;
  const root = ROOTS64[5]!;
  t.equal(verifyInclusion(2, 5, leaf, proof, root), true, 'the unaltered proof verifies');
  const sparse: Uint8Array[] = new Array(3);
  const holey = [...proof];
  delete holey[1];
  const cases: [string, unknown[]][] = [
    ['leaf 31 bytes', [2, 5, leaf.slice(1), proof, root]],
    ['root 33 bytes', [2, 5, leaf, proof, concatBytes(root, Uint8Array.of(0))]],
    ['leaf not bytes', [2, 5, toHex(leaf), proof, root]],
    ['root as number array', [2, 5, leaf, proof, Array.from(root)]],
    ['proof null', [2, 5, leaf, null, root]],
    ['proof undefined', [2, 5, leaf, undefined, root]],
    ['proof a string', [2, 5, leaf, 'proof', root]],
    ['proof array-like', [2, 5, leaf, { length: 3, 0: proof[0], 1: proof[1], 2: proof[2] }, root]],
    ['proof a single hash', [2, 5, leaf, proof[0], root]],
    ['proof element 31 bytes', [2, 5, leaf, [proof[0], proof[1]!.slice(1), proof[2]], root]],
    ['proof element not bytes', [2, 5, leaf, [proof[0], 'x', proof[2]], root]],
    ['proof element number array', [2, 5, leaf, [proof[0], Array.from(proof[1]!), proof[2]], root]],
    ['sparse proof', [2, 5, leaf, sparse, root]],
    ['proof with a hole', [2, 5, leaf, holey, root]],
    ['index = size', [5, 5, leaf, proof, root]],
    ['index > size', [6, 5, leaf, proof, root]],
    ['index negative', [-1, 5, leaf, proof, root]],
    ['index NaN', [Number.NaN, 5, leaf, proof, root]],
    ['index fractional', [2.5, 5, leaf, proof, root]],
    ['index a string', ['2', 5, leaf, proof, root]],
    ['index a bigint', [2n, 5, leaf, proof, root]],
    ['size negative', [2, -5, leaf, proof, root]],
    ['size NaN', [2, Number.NaN, leaf, proof, root]],
    ['size fractional', [2, 5.5, leaf, proof, root]],
    ['size Infinity', [2, Infinity, leaf, proof, root]],
    ['size 2^53', [2, 2 ** 53, leaf, proof, root]],
    ['size 2^64', [2, 2 ** 64, leaf, proof, root]],
    ['size 2^53 - 1 with a short proof', [2, Number.MAX_SAFE_INTEGER, leaf, proof, root]],
    ['size 0', [0, 0, leaf, [], root]],
  ];
  const verify = verifyInclusion as (...args: unknown[]) => boolean;
  for (const [what, args] of cases) t.equal(answer(() => verify(...args)), false, what);
});

t.test('verifyConsistency returns false for malformed sizes, hashes and proofs without throwing', async (t) => {
  const proof = subproof(3, DATA64.slice(0, 7), true);
  const r1 = ROOTS64[3]!;
  const r2 = ROOTS64[7]!;
  t.equal(verifyConsistency(3, 7, r1, r2, proof), true, 'the unaltered proof verifies');
  const holey = [...proof];
  delete holey[0];
  const cases: [string, unknown[]][] = [
    ['root1 31 bytes', [3, 7, r1.slice(1), r2, proof]],
    ['root2 33 bytes', [3, 7, r1, concatBytes(r2, Uint8Array.of(0)), proof]],
    ['root1 not bytes', [3, 7, toHex(r1), r2, proof]],
    ['proof null', [3, 7, r1, r2, null]],
    ['proof a string', [3, 7, r1, r2, 'proof']],
    ['proof a single hash', [3, 7, r1, r2, proof[0]]],
    ['proof array-like', [3, 7, r1, r2, Object.assign({ length: proof.length }, proof)]],
    ['proof element 33 bytes', [3, 7, r1, r2, [concatBytes(proof[0]!, Uint8Array.of(0)), ...proof.slice(1)]]],
    ['proof element not bytes', [3, 7, r1, r2, [7, ...proof.slice(1)]]],
    ['sparse proof', [3, 7, r1, r2, new Array(proof.length)]],
    ['proof with a hole', [3, 7, r1, r2, holey]],
    ['sparse proof from a power of two', [4, 7, ROOTS64[4], r2, new Array(2)]],
    ['size1 = 0', [0, 7, fromHex(EMPTY_ROOT), r2, proof]],
    ['size1 = 0 = size2', [0, 0, fromHex(EMPTY_ROOT), fromHex(EMPTY_ROOT), []]],
    ['size1 > size2', [8, 7, r1, r2, proof]],
    ['size1 negative', [-3, 7, r1, r2, proof]],
    ['size1 NaN', [Number.NaN, 7, r1, r2, proof]],
    ['size1 fractional', [3.5, 7, r1, r2, proof]],
    ['size1 a string', ['3', 7, r1, r2, proof]],
    ['size2 NaN', [3, Number.NaN, r1, r2, proof]],
    ['size2 fractional', [3, 7.5, r1, r2, proof]],
    ['size2 Infinity', [3, Infinity, r1, r2, proof]],
    ['size2 2^53', [3, 2 ** 53, r1, r2, proof]],
    ['size2 2^53 - 1 with a short proof', [3, Number.MAX_SAFE_INTEGER, r1, r2, proof]],
    ['size1 2^53 - 1 = size2 with a proof', [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, r1, r1, proof]],
  ];
  const verify = verifyConsistency as (...args: unknown[]) => boolean;
  for (const [what, args] of cases) t.equal(answer(() => verify(...args)), false, what);
});

t.test('proof generation refuses out-of-range requests with DP_ERR_PROOF_RANGE', async (t) => {
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'none';
    } catch (e) {
      return e instanceof DataportError ? e.message : String(e);
    }
  };
  t.equal(code(() => inclusionProof(SRC8, 8, 8)), 'The proof request is out of range: inclusion proof: index is beyond size: 8 >= 8');
  t.equal(code(() => inclusionProof(SRC8, -1, 8)), 'The proof request is out of range: inclusion proof: index and size must be non-negative integers');
  t.equal(code(() => consistencyProof(SRC8, 0, 8)), 'The proof request is out of range: consistency proof: no consistency proof from the empty tree');
  t.equal(code(() => consistencyProof(SRC8, 5, 4)), 'The proof request is out of range: consistency proof: first size is beyond second: 5 > 4');
  t.equal(code(() => inclusionProof(SRC8, 0, 9)), 'The proof request is out of range: node 0/8 beyond 8 leaves');
});
