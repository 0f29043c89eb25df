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
import { discreteLaplace, laplaceBound, laplaceScale } from '../crypto/dp.js';
import { decryptVector, encryptVector, generateAnalystKeys, HeAccumulator, heParams } from '../crypto/he/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connector } from '../connectors/connector.js';
import { toBase64 } from '../crypto/bytes.js';
import { generateIdentity } from '../crypto/identity.js';
import { buildGateway } from '../gateway/server.js';
import { AGGREGATION_PROPERTY } from '../policies/aggregation/terms.js';
import { APPROVAL } from '../policies/negotiation/extensions.js';
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
  const job = await gatewayJob(histograms);
  printTable(`One job end to end through the gateway over loopback HTTP: ${providers} provider connectors, an 8192-cell histogram each`, [job]);
  writeResults('aggregate', { paramSet: PARAM_SET, providers, epsilon: EPSILON, rows, sizes, verdict, job });
}

// The whole path a job takes: a gateway (in this process), the analyst and the providers as
// connectors over signed HTTP on loopback; each provider has an agreement, encrypts its histogram
// and submits it; the gateway checks, stores and adds the ciphertexts, adds the noise and releases;
// the analyst decrypts. Set-up (registration, publication, negotiation) is outside the timing.
async function gatewayJob(histograms: Int32Array[]): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'dataport-aggregate-'));
  const app = await buildGateway({ dataDir: dir, port: 0, logLevel: 'silent', ledger: { checkpointIntervalMs: 0 } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const { slots } = await heParams(PARAM_SET);
  const today = new Date().toISOString().slice(0, 10);
  const terms = { statistics: ['count'], groupBy: ['cell'], minProviders: histograms.length, minCohort: 1, epsilon: EPSILON, epsilonBudget: 10 };
  const analyst = new Connector({ gateway: base, identity: generateIdentity() });
  const providers = histograms.map(() => new Connector({ gateway: base, identity: generateIdentity() }));
  try {
    await analyst.start();
    await analyst.register({ legalName: 'Analyst', jurisdiction: 'DE', roles: ['consumer'] });
    const agreements: string[] = [];
    for (const [i, p] of providers.entries()) {
      await p.start(); // its callback address goes into its registration
      await p.register({ legalName: `Site ${i}`, jurisdiction: 'CN-BJ', roles: ['provider'], exporter: { ciio: false, zone: 'none', artefacts: { pia: { date: today } } } });
      const offer = { '@id': `site-${i}:aggregate`, '@type': 'Offer', [APPROVAL]: 'auto', permission: [{ action: 'aggregate', [AGGREGATION_PROPERTY]: terms }] };
      await p.publish({ id: `site-${i}`, title: `site ${i}`, schema: { fields: [{ name: 'cell', type: 'utf8', role: 'other' }] }, subjects: 0, compliance: { importantData: 'none', personalInfo: false }, source: { format: 'csv' }, offers: [offer] });
      agreements.push((await analyst.negotiate({ datasetId: `site-${i}`, offer, purpose: 'research' })).agreement['@id']);
    }
    const query = { statistic: 'count' as const, groupBy: [{ column: 'cell', values: Array.from({ length: slots }, (_, i) => String(i)) }] };
    const t0 = performance.now();
    const { job, keys } = await analyst.aggregation.open({ agreements, query, epsilon: EPSILON, deadline: new Date(Date.now() + 3_600_000), paramSet: PARAM_SET });
    const t1 = performance.now();
    let bytes = 0;
    // Providers contribute concurrently, as separate organisations would.
    await Promise.all(providers.map(async (p, i) => {
      const ct = await encryptVector(PARAM_SET, keys.publicKey, histograms[i]!);
      bytes += ct.length;
      await p.client.json('POST', `/aggregation/jobs/${encodeURIComponent(job.id)}/contributions`, { ciphertext: toBase64(ct) });
    }));
    const t2 = performance.now();
    await analyst.aggregation.settled(job.id, 600_000, 20);
    const result = await analyst.aggregation.result(job.id, keys);
    const t3 = performance.now();
    const clear = Array.from({ length: slots }, (_, c) => histograms.reduce((sum, h) => sum + h[c]!, 0));
    const bound = laplaceBound(result.noise.scale, 1 - 1e-9 / slots);
    const worst = Math.max(...result.cells.map((cell, c) => Math.abs(cell.value - clear[c]!)));
    if (worst > bound) throw new Error(`a released cell is ${worst} from the clear sum, beyond the noise bound ${bound}`);
    return {
      providers: providers.length, cells: slots, 'open ms': t1 - t0, 'contributions ms (encrypt + submit, concurrent)': t2 - t1,
      'release + decrypt ms': t3 - t2, 'end to end s': (t3 - t0) / 1000, 'contribution kB (mean)': bytes / providers.length / 1000,
      'largest |noise|': worst, 'bound (all cells, 1 - 1e-9)': bound,
    };
  } finally {
    for (const p of providers) await p.stop();
    await analyst.stop();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
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
