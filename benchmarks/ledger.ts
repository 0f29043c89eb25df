// npm run bench -- ledger [--quick]
//  1. durable appends/s: group commit (64 concurrent appenders) against one fsync per append
//  2. offline verification against plain SHA-256 over the same segment bytes
//  3. proof generation time at 1k, 1M and 10M entries (should grow like log n)
import { closeSync, mkdtempSync, openSync, readSync, rmSync, fstatSync } from 'node:fs';
import { hash, createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '../crypto/identity.js';
import { verifyConsistency, verifyInclusion } from '../crypto/merkle.js';
import { Ledger } from '../gateway/ledger/ledger.js';
import { verifyLedger } from '../gateway/ledger/verify.js';
import { listSegments } from '../gateway/ledger/scan.js';
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from '../gateway/ledger/format.js';
import { percentile, printTable, writeResults, type Row } from './report.js';

const signer = generateIdentity(new Uint8Array(32).fill(42));
const digest = randomBytes(32).toString('hex');

/** What the data plane will log for every few batches: about 250 bytes of canonical JSON. */
const batchEntry = (i: number) => ({
  transfer: 'urn:uuid:6f1c1c2e-7b7e-4a53-9a56-0c2f3c7d9b11', batch: i, rows: 65536, bytes: 4_194_304 + (i % 1000),
  inputDigest: digest, outputDigest: digest,
});

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'dataport-bench-'));
}

async function appendRun(groupCommit: boolean, appenders: number, durationMs: number): Promise<Row> {
  const dir = freshDir();
  const ledger = Ledger.open(dir, { signer, groupCommit, checkpointIntervalMs: 0 });
  let fsyncs = 0;
  ledger.onCommit = () => fsyncs++;
  const latencies: number[] = [];
  let n = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(Array.from({ length: appenders }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await ledger.append('transfer.batch', batchEntry(n++));
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const size = ledger.size;
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    mode: groupCommit ? 'group commit' : 'fsync per append',
    appenders,
    appends: size,
    'appends/s': size / seconds,
    'durable writes': fsyncs,
    'entries/write': size / fsyncs,
    'p50 ms': percentile(latencies, 50),
    'p99 ms': percentile(latencies, 99),
  };
}

/** Fills a ledger with n entries as fast as group commit allows. */
async function build(dir: string, n: number): Promise<Ledger> {
  const ledger = Ledger.open(dir, { signer, checkpointIntervalMs: 0 });
  let next = ledger.size;
  const t0 = performance.now();
  let shown = t0;
  await Promise.all(Array.from({ length: 512 }, async () => {
    while (next < n) {
      await ledger.append('transfer.batch', batchEntry(next++));
      if (performance.now() - shown > 10_000) {
        shown = performance.now();
        process.stderr.write(`  building: ${ledger.size.toLocaleString()} / ${n.toLocaleString()} entries\n`);
      }
    }
  }));
  process.stderr.write(`  built ${n.toLocaleString()} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return ledger;
}

function segmentBytes(dir: string): number {
  let total = 0;
  for (const s of listSegments(join(dir, 'segments'))) {
    const fd = openSync(s.path, 'r');
    total += fstatSync(fd).size;
    closeSync(fd);
  }
  return total;
}

/** Baselines: SHA-256 over the segment files as one stream, and over each record's payload. */
function plainHashing(dir: string): { streamMs: number; perEntryMs: number } {
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  const t0 = performance.now();
  for (const s of listSegments(join(dir, 'segments'))) {
    const h = createHash('sha256');
    const fd = openSync(s.path, 'r');
    for (let pos = 0, n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n) h.update(buf.subarray(0, n));
    h.digest();
    closeSync(fd);
  }
  const streamMs = performance.now() - t0;
  const t1 = performance.now();
  for (const s of listSegments(join(dir, 'segments'))) {
    const fd = openSync(s.path, 'r');
    const size = fstatSync(fd).size;
    let pos = SEGMENT_HEADER_SIZE;
    let start = pos;
    let n = readSync(fd, buf, 0, buf.length, pos);
    while (pos < size) {
      let at = pos - start;
      if (at + RECORD_HEADER_SIZE > n || at + RECORD_HEADER_SIZE + buf.readUInt32BE(at) > n) {
        start = pos;
        n = readSync(fd, buf, 0, buf.length, pos);
        at = 0;
      }
      const len = buf.readUInt32BE(at);
      hash('sha256', buf.subarray(at + RECORD_HEADER_SIZE, at + RECORD_HEADER_SIZE + len), 'buffer');
      pos += RECORD_HEADER_SIZE + len;
    }
    closeSync(fd);
  }
  return { streamMs, perEntryMs: performance.now() - t1 };
}

function proofTimes(ledger: Ledger, samples: number): Row {
  const n = ledger.size;
  const root = ledger.root();
  let reads = ledger.treeReads;
  let t0 = performance.now();
  let okInc = 0;
  for (let i = 0; i < samples; i++) {
    const seq = Math.floor(Math.random() * n);
    const proof = ledger.inclusionProof(seq, n);
    if (i < 50) okInc += verifyInclusion(seq, n, ledger.get(seq).leafHash, proof, root) ? 1 : 0;
  }
  const incUs = ((performance.now() - t0) * 1000) / samples;
  const incReads = (ledger.treeReads - reads) / samples;
  reads = ledger.treeReads;
  t0 = performance.now();
  let okCon = 0;
  for (let i = 0; i < samples; i++) {
    const from = 1 + Math.floor(Math.random() * (n - 1));
    const proof = ledger.consistencyProof(from, n);
    if (i < 50) okCon += verifyConsistency(from, n, ledger.root(from), root, proof) ? 1 : 0;
  }
  const conUs = ((performance.now() - t0) * 1000) / samples;
  const conReads = (ledger.treeReads - reads) / samples;
  if (okInc < Math.min(50, samples) || okCon < Math.min(50, samples)) throw new Error('a generated proof failed to verify');
  return {
    entries: n, 'log2 n': Math.log2(n), 'inclusion µs': incUs, 'inclusion reads': incReads, 'consistency µs': conUs, 'consistency reads': conReads,
  };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined; // appends | verify | proofs
  const results: Record<string, unknown> = {};

  // 1. Durable appends.
  if (!only || only === 'appends') await appends(quick, results);
  if (only === 'appends') {
    writeResults('ledger-appends', results);
    return;
  }

  // 2 and 3. Build ledgers of growing size; verify the middle one, time proofs on each.
  const sizes = (quick ? [1_000, 100_000, 1_000_000] : [1_000, 1_000_000, 10_000_000]).filter((n) => only !== 'verify' || n === (quick ? 100_000 : 1_000_000));
  const verifySize = quick ? 100_000 : 1_000_000;
  const proofRows: Row[] = [];
  for (const n of sizes) {
    const dir = freshDir();
    try {
      const ledger = await build(dir, n);
      proofRows.push(proofTimes(ledger, 2000));
      await ledger.close();
      if (n === verifySize && only !== 'proofs') results.verify = verification(dir, n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable('Proof generation (2,000 random proofs per size, from the on-disk tree)', proofRows);
  results.proofs = proofRows;
  writeResults(only ? `ledger-${only}` : 'ledger', results);
}

async function appends(quick: boolean, results: Record<string, unknown>): Promise<void> {
  const baseline = await appendRun(false, 64, quick ? 1000 : 3000);
  const group = await appendRun(true, 64, quick ? 1000 : 3000);
  const appendRatio = (group['appends/s'] as number) / (baseline['appends/s'] as number);
  printTable('Durable appends (each resolves once on stable storage: O_DSYNC write), 64 concurrent appenders', [baseline, group]);
  process.stdout.write(`group commit / per-append fsync: ${appendRatio.toFixed(1)}x (goal >= 20x, and >= 50,000 appends/s)\n`);
  results.appends = { baseline, group, ratio: appendRatio };
}

function verification(dir: string, n: number): Record<string, number> {
  const bytes = segmentBytes(dir);
  const plain = plainHashing(dir); // also warms the page cache for both sides
  const t0 = performance.now();
  const report = verifyLedger(dir, { key: signer.did });
  const verifyMs = performance.now() - t0;
  if (!report.ok) throw new Error(report.summary);
  const plain2 = plainHashing(dir);
  const streamMs = Math.min(plain.streamMs, plain2.streamMs);
  const perEntryMs = Math.min(plain.perEntryMs, plain2.perEntryMs);
  const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
  const rows: Row[] = [
    { what: 'ledger verify (CRC, chain, leaf + node hashes, checkpoints)', 'MB/s': mbps(verifyMs), 'entries/s': n / (verifyMs / 1000), ratio: 1 },
    { what: 'plain SHA-256 of each entry', 'MB/s': mbps(perEntryMs), 'entries/s': n / (perEntryMs / 1000), ratio: perEntryMs / verifyMs },
    { what: 'plain SHA-256 of the files as one stream', 'MB/s': mbps(streamMs), 'entries/s': n / (streamMs / 1000), ratio: streamMs / verifyMs },
  ];
  printTable(`Offline verification of ${n.toLocaleString()} entries (${(bytes / 1e6).toFixed(0)} MB of segments)`, rows);
  process.stdout.write(`verify speed / per-entry SHA-256: ${(perEntryMs / verifyMs).toFixed(2)}; / streaming SHA-256: ${(streamMs / verifyMs).toFixed(2)} (goal >= 0.3)\n`);
  return { entries: n, bytes, verifyMs, perEntrySha256Ms: perEntryMs, streamSha256Ms: streamMs, ratioPerEntry: perEntryMs / verifyMs, ratioStream: streamMs / verifyMs };
}
