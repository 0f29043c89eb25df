import t from 'tap';
import { seededInts } from '../../benchmarks/seeded.js';
import { DataportError } from '../../crypto/errors.js';
import {
  decryptVector, encryptVector, generateAnalystKeys, HE_PARAM_SETS, HeAccumulator, heParams, validateCiphertext, validatePublicKey,
  type AnalystKeyPair, type HeParamSet,
} from '../../crypto/he/index.js';
import { heContext, type HeContext } from '../../crypto/he/params.js';
import type { CipherText } from 'node-seal/implementation/cipher-text.js';

const keyCache = new Map<HeParamSet, Promise<AnalystKeyPair>>();
function keysOf(id: HeParamSet): Promise<AnalystKeyPair> {
  let k = keyCache.get(id);
  if (!k) keyCache.set(id, (k = generateAnalystKeys(id)));
  return k;
}

const code = (c: string) => ({ constructor: DataportError, code: c });

/** A ciphertext re-serialised by SEAL itself after `change` (to craft bad ones), uncompressed unless told. */
async function reserialised(id: HeParamSet, bytes: Uint8Array, change: (c: CipherText, ctx: HeContext) => void = () => undefined, mode: 'none' | 'zlib' = 'none'): Promise<Uint8Array> {
  const ctx = await heContext(id);
  const cipher = ctx.seal.CipherText();
  try {
    cipher.loadArray(ctx.context, bytes);
    change(cipher, ctx);
    return cipher.saveArray(ctx.seal.ComprModeType[mode]);
  } finally {
    cipher.delete();
  }
}

t.test('the parameter sets: slots N, t = 1099511480321 (40 bits), maxAbs (t-1)/2, 128-bit security', async (t) => {
  t.same(HE_PARAM_SETS, ['bfv-8192', 'bfv-4096']);
  for (const [id, slots] of [['bfv-8192', 8192], ['bfv-4096', 4096]] as const) {
    t.same(await heParams(id), { id, slots, plainModulus: 1099511480321n, maxAbs: 549755740160n, securityBits: 128 }, id);
  }
  await t.rejects(heParams('bfv-2048' as HeParamSet), code('DP_ERR_INVALID_ARGUMENT'));
});

for (const id of HE_PARAM_SETS) {
  t.test(`${id}: a vector decrypts to itself`, async (t) => {
    const keys = await keysOf(id);
    const { maxAbs } = await heParams(id);
    const values = [0n, 1n, 42n, 1_000_000n, maxAbs, 7n];
    t.same(await decryptVector(keys, await encryptVector(id, keys.publicKey, values), values.length), values);
  });
}

t.test('negative values come back negative (centred mod t)', async (t) => {
  const keys = await keysOf('bfv-4096');
  const { maxAbs } = await heParams('bfv-4096');
  const values = [-1, -2n, -maxAbs, -123_456_789];
  t.same(await decryptVector(keys, await encryptVector('bfv-4096', keys.publicKey, values), 4), [-1n, -2n, -maxAbs, -123_456_789n]);
});

t.test('slots beyond the vector decrypt to 0', async (t) => {
  const keys = await keysOf('bfv-4096');
  const all = await decryptVector(keys, await encryptVector('bfv-4096', keys.publicKey, [5, 6, 7]));
  t.equal(all.length, 4096);
  t.same(all.slice(0, 3), [5n, 6n, 7n]);
  t.ok(all.slice(3).every((v) => v === 0n), 'slots 3..4095 are 0');
});

t.test('bfv-8192: the sum of 100 ciphertexts of random vectors is the sum of the vectors, slot by slot', async (t) => {
  const id = 'bfv-8192';
  const keys = await keysOf(id);
  const rnd = seededInts(7);
  const expected = new Array<bigint>(8192).fill(0n);
  const acc = await HeAccumulator.create(id);
  try {
    for (let p = 0; p < 100; p++) {
      const v = Array.from({ length: 8192 }, () => rnd(2_000_000_001) - 1_000_000_000);
      v.forEach((x, i) => (expected[i]! += BigInt(x)));
      acc.add(await encryptVector(id, keys.publicKey, v));
    }
    t.equal(acc.count, 100);
    t.same(await decryptVector(keys, acc.result()), expected);
  } finally {
    acc.free();
  }
});

t.test('bfv-4096: a ciphertext added 1,000 times plus one addPlain still decrypts exactly (noise budget)', async (t) => {
  // The same ciphertext 1,000 times is the worst case: its noise adds up coherently (10 bits of the
  // 25-bit budget), where 1,000 independent ones grow it by about sqrt(1,000) (5 bits).
  const id = 'bfv-4096';
  const keys = await keysOf(id);
  const big = 500_000_000n; // 1,000 x 5e8 = 5e11 <= maxAbs
  const one = await encryptVector(id, keys.publicKey, Array.from({ length: 4096 }, (_, i) => (i % 2 ? big : -big)));
  const acc = await HeAccumulator.create(id);
  try {
    for (let i = 0; i < 1000; i++) acc.add(one);
    acc.addPlain([3, -3]);
    const out = await decryptVector(keys, acc.result());
    t.same(out.slice(0, 2), [-1000n * big + 3n, 1000n * big - 3n]);
    t.ok(out.slice(2).every((v, i) => v === (i % 2 ? 1000n * big : -1000n * big)), 'every other slot is +-5e11');
  } finally {
    acc.free();
  }
});

t.test('addPlain adds a vector in the clear to the encrypted sum', async (t) => {
  const keys = await keysOf('bfv-4096');
  const acc = await HeAccumulator.create('bfv-4096');
  acc.add(await encryptVector('bfv-4096', keys.publicKey, [10, 20, 30]));
  acc.addPlain([1, -2n, 0, 4]);
  t.same(await decryptVector(keys, acc.result(), 5), [11n, 18n, 30n, 4n, 0n]);
  acc.free();
});

t.test('addPlain before the first ciphertext is kept and added to it', async (t) => {
  const keys = await keysOf('bfv-4096');
  const acc = await HeAccumulator.create('bfv-4096');
  acc.addPlain([1, 1]);
  acc.addPlain([0, 5]);
  acc.add(await encryptVector('bfv-4096', keys.publicKey, [100, 100]));
  t.same(await decryptVector(keys, acc.result(), 3), [101n, 106n, 0n]);
  acc.free();
});

t.test('an accumulator made with the public key starts at an encryption of zero', async (t) => {
  const keys = await keysOf('bfv-4096');
  const acc = await HeAccumulator.create('bfv-4096', keys.publicKey);
  t.same(await decryptVector(keys, acc.result(), 2), [0n, 0n]);
  acc.addPlain([-7]);
  t.same(await decryptVector(keys, acc.result(), 2), [-7n, 0n]);
  t.equal(acc.count, 0);
  acc.free();
});

t.test('without a public key and no ciphertext there is no result', async (t) => {
  const acc = await HeAccumulator.create('bfv-4096');
  acc.addPlain([1]);
  t.throws(() => acc.result(), code('DP_ERR_INVALID_ARGUMENT'));
  acc.free();
});

t.test('ciphertexts and keys are zstd-compressed: sizes', async (t) => {
  // Coefficients are uniform mod primes of 36-44 bits stored in 64-bit words: compression removes
  // the unused high bits and little else (about 44/64 at best).
  const expect = { 'bfv-4096': { primes: 2, ratio: 0.72, ct: 92_000, pk: 72_000 }, 'bfv-8192': { primes: 2, ratio: 0.85, ct: 220_000, pk: 160_000 } } as const;
  for (const id of HE_PARAM_SETS) {
    const keys = await keysOf(id);
    const ct = await encryptVector(id, keys.publicKey, [1, 2, 3]);
    t.equal(ct[5], 2, `${id}: SEAL header compression mode 2 (zstd)`);
    const raw = await reserialised(id, ct);
    t.equal(raw.length, 2 * (await heParams(id)).slots * expect[id].primes * 8 + 113, `${id}: uncompressed ${raw.length} bytes`);
    t.ok(ct.length < expect[id].ratio * raw.length, `${id}: ciphertext ${ct.length} bytes < ${expect[id].ratio} x ${raw.length}`);
    t.ok(ct.length < expect[id].ct, `${id}: ciphertext ${ct.length} < ${expect[id].ct} bytes`);
    t.ok(keys.publicKey.length < expect[id].pk, `${id}: public key ${keys.publicKey.length} < ${expect[id].pk} bytes (seeded)`);
    t.equal(keys.publicKey[5], 2);
    t.equal(keys.secretKey[5], 2);
  }
});

t.test('an uncompressed ciphertext of the right set is accepted too', async (t) => {
  const keys = await keysOf('bfv-4096');
  const raw = await reserialised('bfv-4096', await encryptVector('bfv-4096', keys.publicKey, [9]));
  t.equal(raw[5], 0);
  t.same(await decryptVector(keys, raw, 1), [9n]);
});

t.test('a bfv-4096 ciphertext is rejected by a bfv-8192 accumulator, which keeps its sum', async (t) => {
  const k4 = await keysOf('bfv-4096');
  const k8 = await keysOf('bfv-8192');
  const small = await encryptVector('bfv-4096', k4.publicKey, [1]);
  await t.rejects(validateCiphertext('bfv-8192', small), code('DP_ERR_HE_CIPHERTEXT_INVALID'));
  const acc = await HeAccumulator.create('bfv-8192');
  acc.add(await encryptVector('bfv-8192', k8.publicKey, [2]));
  t.throws(() => acc.add(small), code('DP_ERR_HE_CIPHERTEXT_INVALID'));
  t.equal(acc.count, 1);
  t.same(await decryptVector(k8, acc.result(), 1), [2n]);
  acc.free();
  // and the other way round: an 8192 ciphertext is larger than any 4096 one can be
  await t.rejects(validateCiphertext('bfv-4096', await encryptVector('bfv-8192', k8.publicKey, [1])), code('DP_ERR_HE_CIPHERTEXT_INVALID'));
});

t.test('empty, truncated, padded, garbage and non-byte input is rejected with DP_ERR_HE_CIPHERTEXT_INVALID', async (t) => {
  const keys = await keysOf('bfv-4096');
  const ct = await encryptVector('bfv-4096', keys.publicKey, [1]);
  const garbage = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff);
  const headerOnly = ct.slice(0, 16);
  const badBody = ct.slice();
  badBody.fill(0xab, 100, 200);
  const cases: [string, unknown][] = [
    ['empty', new Uint8Array(0)], ['5 bytes', ct.subarray(0, 5)], ['truncated', ct.subarray(0, ct.length - 1)],
    ['padded', Uint8Array.from([...ct, 0])], ['garbage', garbage], ['header only', headerOnly], ['corrupt zstd body', badBody],
    ['a string', 'AAAA'], ['an array', [...ct]],
  ];
  for (const [name, bytes] of cases) await t.rejects(validateCiphertext('bfv-4096', bytes as Uint8Array), code('DP_ERR_HE_CIPHERTEXT_INVALID'), name);
});

t.test('a zstd bomb (40 KB inflating to 1.3 GB) is rejected from its block headers, without inflating it', async (t) => {
  // RFC 8878: a frame (magic, descriptor 0x00, window descriptor) of 10,000 RLE blocks of 128 KiB.
  const blocks = 10_000;
  const body = new Uint8Array(6 + 4 * blocks);
  new DataView(body.buffer).setUint32(0, 0xfd2fb528, true);
  body[4] = 0x00;
  body[5] = 0x58; // Window_Descriptor: 2^(10 + 11) = 2 MiB
  for (let i = 0; i < blocks; i++) {
    const header = ((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0);
    body.set([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0], 6 + 4 * i);
  }
  const bytes = new Uint8Array(16 + body.length);
  bytes.set([0x5e, 0xa1, 0x10, 4, 1, 2, 0, 0]);
  new DataView(bytes.buffer).setBigUint64(8, BigInt(bytes.length), true);
  bytes.set(body, 16);
  const start = performance.now();
  await t.rejects(validateCiphertext('bfv-8192', bytes), { code: 'DP_ERR_HE_CIPHERTEXT_INVALID', message: /may inflate to/ });
  t.ok(performance.now() - start < 500, 'rejected in well under a second');
});

t.test('a zlib-compressed ciphertext is refused (its inflation cannot be bounded beforehand)', async (t) => {
  const keys = await keysOf('bfv-4096');
  const bytes = await reserialised('bfv-4096', await encryptVector('bfv-4096', keys.publicKey, [1]), undefined, 'zlib');
  t.equal(bytes[5], 1);
  await t.rejects(validateCiphertext('bfv-4096', bytes), { code: 'DP_ERR_HE_CIPHERTEXT_INVALID', message: /zlib/ });
});

t.test('a ciphertext of three polynomials, in NTT form, or transparent is rejected', async (t) => {
  const keys = await keysOf('bfv-4096');
  const ct = await encryptVector('bfv-4096', keys.publicKey, [1]);
  const three = await reserialised('bfv-4096', ct, (c) => c.resize(3));
  await t.rejects(validateCiphertext('bfv-4096', three), code('DP_ERR_HE_CIPHERTEXT_INVALID'), 'size 3');
  const ntt = await reserialised('bfv-4096', ct, (c, ctx) => ctx.evaluator.cipherTransformToNtt(c, c));
  await t.rejects(validateCiphertext('bfv-4096', ntt), code('DP_ERR_HE_CIPHERTEXT_INVALID'), 'NTT form');
  // Uncompressed, the second polynomial is the last 4096 x 2 x 8 bytes: zero it.
  const transparent = await reserialised('bfv-4096', ct);
  transparent.fill(0, transparent.length - 4096 * 2 * 8);
  await t.rejects(validateCiphertext('bfv-4096', transparent), { code: 'DP_ERR_HE_CIPHERTEXT_INVALID', message: /transparent/ });
});

t.test('a public key of the other parameter set, or not a public key, is rejected with DP_ERR_HE_KEY_INVALID', async (t) => {
  const k4 = await keysOf('bfv-4096');
  const k8 = await keysOf('bfv-8192');
  await validatePublicKey('bfv-8192', k8.publicKey);
  await t.rejects(validatePublicKey('bfv-8192', k4.publicKey), code('DP_ERR_HE_KEY_INVALID'));
  await t.rejects(validatePublicKey('bfv-4096', k8.publicKey), code('DP_ERR_HE_KEY_INVALID'));
  await t.rejects(validatePublicKey('bfv-4096', k4.secretKey), code('DP_ERR_HE_KEY_INVALID'));
  await t.rejects(validatePublicKey('bfv-4096', new Uint8Array(64)), code('DP_ERR_HE_KEY_INVALID'));
  await t.rejects(encryptVector('bfv-8192', k4.publicKey, [1]), code('DP_ERR_HE_KEY_INVALID'));
  await t.rejects(HeAccumulator.create('bfv-8192', k4.publicKey), code('DP_ERR_HE_KEY_INVALID'));
  await t.rejects(decryptVector({ paramSet: 'bfv-8192', secretKey: k4.secretKey }, await encryptVector('bfv-8192', k8.publicKey, [1])), code('DP_ERR_HE_KEY_INVALID'));
});

t.test('values out of range, not integers, or too many are rejected with DP_ERR_HE_VALUE_RANGE', async (t) => {
  const keys = await keysOf('bfv-4096');
  const { maxAbs } = await heParams('bfv-4096');
  const bad: unknown[][] = [[maxAbs + 1n], [-maxAbs - 1n], [Number(maxAbs) + 1], [1.5], [Number.NaN], [Infinity], ['3'], [null], new Array(4097).fill(0)];
  for (const values of bad) {
    await t.rejects(encryptVector('bfv-4096', keys.publicKey, values as number[]), code('DP_ERR_HE_VALUE_RANGE'), String(values).slice(0, 30));
  }
  const acc = await HeAccumulator.create('bfv-4096');
  t.throws(() => acc.addPlain([maxAbs + 1n]), code('DP_ERR_HE_VALUE_RANGE'));
  acc.free();
});

t.test('decrypting with another secret key gives other values', async (t) => {
  const keys = await keysOf('bfv-4096');
  const other = await generateAnalystKeys('bfv-4096');
  const values = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];
  const ct = await encryptVector('bfv-4096', keys.publicKey, values);
  const wrong = await decryptVector(other, ct, 8);
  t.equal(wrong.length, 8);
  t.notSame(wrong, values);
  t.ok(wrong.filter((v, i) => v === values[i]).length <= 1, 'at most one slot agrees by chance');
});

t.test('free() is idempotent, and an accumulator used after it throws a DataportError', async (t) => {
  const keys = await keysOf('bfv-4096');
  const ct = await encryptVector('bfv-4096', keys.publicKey, [1]);
  const acc = await HeAccumulator.create('bfv-4096');
  acc.add(ct);
  acc.free();
  acc.free();
  t.throws(() => acc.add(ct), code('DP_ERR_INTERNAL'));
  t.throws(() => acc.addPlain([1]), code('DP_ERR_INTERNAL'));
  t.throws(() => acc.result(), code('DP_ERR_INTERNAL'));
  t.equal(acc.count, 1);
});
