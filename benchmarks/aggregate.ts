// npm run bench -- aggregate [--quick]
// Homomorphic aggregation at the crypto level (crypto/he), the way a job runs: 100 providers (10
// with --quick) each encrypt an 8192-cell histogram of counts under the analyst's bfv-8192 public
// key; the aggregator validates and adds the 100 ciphertexts and one plaintext of discrete Laplace
// noise; the analyst decrypts the noisy sums. Times of each phase, key and ciphertext sizes
// (zstd), and values/s of encrypt + add + decrypt = (providers x 8192) / their total time.
// Baseline in the same run: paillier-bigint with 2048-bit keys doing the same sums over a sample of
// 8 cells per provider (one Paillier encryption per value: at ~50 ms each, all 8192 cells would
// take 11 hours); its values/s is measured on that sample, and the table says so.
// Every run checks each decrypted sum against the clear sum plus the noise, and fails if one differs.
import { generateRandomKeys } from 'paillier-bigint';
import { discreteLaplace, laplaceScale } from '../crypto/dp.js';
import { decryptVector, encryptVector, generateAnalystKeys, HeAccumulator, heParams } from '../crypto/he/index.js';
import { seededInts } from './seeded.js';
import { printTable, writeResults, type Row } from './report.js';

const PARAM_SET = 'bfv-8192';
const PAILLIER_BITS = 2048;
const PAILLIER_CELLS = 8;
const EPSILON = 1;

interface Phases {
  keygenMs: number;
  encryptMs: number;
  aggregateMs: number;
  decryptMs: number;
  values: number;
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const providers = quick ? 10 : 100;
  const t0 = performance.now();
  const { slots } = await heParams(PARAM_SET);
  const initMs = performance.now() - t0;

  // Inputs, made once outside the timings: histograms of counts 0..999 and the noise.
  const rnd = seededInts(20261201);
  const histograms = Array.from({ length: providers }, () => Int32Array.from({ length: slots }, () => rnd(1000)));
  const scale = laplaceScale(1, EPSILON);
  const n0 = performance.now();
  const noise = Array.from({ length: slots }, () => discreteLaplace(scale));
  const noiseMs = performance.now() - n0;
  const expected = Array.from({ length: slots }, (_, i) => histograms.reduce((s, h) => s + h[i]!, 0) + noise[i]!);

  const he = await heRun(histograms, noise, expected);
  process.stdout.write(`  ${PARAM_SET}: ${providers} providers in ${((he.encryptMs + he.aggregateMs + he.decryptMs) / 1000).toFixed(2)} s\n`);
  const paillier = await paillierRun(histograms, noise, expected);
  process.stdout.write(`  Paillier-${PAILLIER_BITS}: ${providers} x ${PAILLIER_CELLS} values in ${((paillier.encryptMs + paillier.aggregateMs + paillier.decryptMs) / 1000).toFixed(2)} s\n`);

  const rate = (p: Phases) => p.values / ((p.encryptMs + p.aggregateMs + p.decryptMs) / 1000);
  const row = (system: string, p: Phases, bytesPerValue: number): Row => ({
    system, providers, 'values summed': p.values, 'keygen ms': p.keygenMs, 'encrypt ms (all)': p.encryptMs,
    'encrypt ms/provider': p.encryptMs / providers, 'aggregate ms': p.aggregateMs, 'decrypt ms': p.decryptMs,
    'values/s': rate(p), 'ciphertext bytes/value': bytesPerValue, 'sums correct': 'yes',
  });
  const rows = [
    row(`BFV N=8192 (node-seal), ${slots} cells`, he, he.ciphertextBytes / slots),
    row(`Paillier ${PAILLIER_BITS} (paillier-bigint), sample of ${PAILLIER_CELLS} cells`, paillier, PAILLIER_BITS / 4),
  ];
  printTable(`Aggregation of ${providers} providers' histograms plus discrete Laplace noise (epsilon ${EPSILON}): encrypt, add, decrypt`, rows);
  const sizes: Row[] = [{
    'public key': he.publicKeyBytes, 'secret key': he.secretKeyBytes, 'ciphertext (mean)': he.ciphertextBytes,
    'result ciphertext': he.resultBytes, 'uncompressed ciphertext': 2 * slots * 2 * 8, 'SEAL init ms': initMs, 'noise ms (8192 cells)': noiseMs,
  }];
  printTable(`${PARAM_SET} sizes in bytes (zstd; the public key seeded)`, sizes);
  const ratio = rate(he) / rate(paillier);
  const verdict: Row[] = [{
    'BFV values/s': rate(he), 'Paillier values/s (measured on the sample)': rate(paillier), ratio, goal: '>= 1000x', met: ratio >= 1000 ? 'yes' : 'NO',
  }];
  printTable('Per-value throughput of encrypt + add + decrypt', verdict);
  writeResults('aggregate', { paramSet: PARAM_SET, providers, epsilon: EPSILON, rows, sizes, verdict });
}

async function heRun(histograms: Int32Array[], noise: number[], expected: number[]): Promise<Phases & { publicKeyBytes: number; secretKeyBytes: number; ciphertextBytes: number; resultBytes: number }> {
  const k0 = performance.now();
  const keys = await generateAnalystKeys(PARAM_SET);
  const keygenMs = performance.now() - k0;

  const e0 = performance.now();
  const ciphertexts: Uint8Array[] = [];
  for (const h of histograms) ciphertexts.push(await encryptVector(PARAM_SET, keys.publicKey, h));
  const encryptMs = performance.now() - e0;

  const a0 = performance.now();
  const acc = await HeAccumulator.create(PARAM_SET);
  let result: Uint8Array;
  try {
    for (const c of ciphertexts) acc.add(c); // each validated first
    acc.addPlain(noise);
    result = acc.result();
  } finally {
    acc.free();
  }
  const aggregateMs = performance.now() - a0;

  const d0 = performance.now();
  const sums = await decryptVector(keys, result);
  const decryptMs = performance.now() - d0;
  sums.forEach((s, i) => {
    if (s !== BigInt(expected[i]!)) throw new Error(`BFV sum of cell ${i} is ${s}, want ${expected[i]}`);
  });
  return {
    keygenMs, encryptMs, aggregateMs, decryptMs, values: histograms.length * expected.length,
    publicKeyBytes: keys.publicKey.length, secretKeyBytes: keys.secretKey.length,
    ciphertextBytes: ciphertexts.reduce((s, c) => s + c.length, 0) / ciphertexts.length, resultBytes: result.length,
  };
}

async function paillierRun(histograms: Int32Array[], noise: number[], expected: number[]): Promise<Phases> {
  const k0 = performance.now();
  const { publicKey, privateKey } = await generateRandomKeys(PAILLIER_BITS);
  const keygenMs = performance.now() - k0;
  const n = publicKey.n;

  const e0 = performance.now();
  const ciphertexts = histograms.map((h) => Array.from({ length: PAILLIER_CELLS }, (_, j) => publicKey.encrypt(BigInt(h[j]!))));
  const encryptMs = performance.now() - e0;

  const a0 = performance.now();
  const sums = Array.from({ length: PAILLIER_CELLS }, (_, j) => {
    const sum = publicKey.addition(...ciphertexts.map((c) => c[j]!));
    return publicKey.plaintextAddition(sum, (BigInt(noise[j]!) + n) % n); // noise as a residue mod n
  });
  const aggregateMs = performance.now() - a0;

  const d0 = performance.now();
  const clear = sums.map((c) => {
    const m = privateKey.decrypt(c);
    return m > n / 2n ? m - n : m;
  });
  const decryptMs = performance.now() - d0;
  clear.forEach((s, j) => {
    if (s !== BigInt(expected[j]!)) throw new Error(`Paillier sum of cell ${j} is ${s}, want ${expected[j]}`);
  });
  return { keygenMs, encryptMs, aggregateMs, decryptMs, values: histograms.length * PAILLIER_CELLS };
}
