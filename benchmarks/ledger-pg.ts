// Durable appends/s of the ledger in PostgreSQL against the file ledger, on the same workload in
// the same run: `entries` appends of ~300-byte bodies, `concurrency` of them in flight. Called by
// `npm run bench -- cluster` (benchmarks/run.ts wires it; this module only measures).
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '../crypto/identity.js';
import { Ledger } from '../gateway/ledger/ledger.js';
import { PgLedger } from '../gateway/ledger/pg-ledger.js';
import { connectPg, migrate } from '../gateway/store/pg.js';
import type { LedgerStore } from '../gateway/store/types.js';
import { freshSchema } from './cluster-harness.js';
import { percentile } from './report.js';

const signer = generateIdentity(new Uint8Array(32).fill(42));
const digest = randomBytes(32).toString('hex');

/** About 300 bytes of canonical JSON: what the data plane logs for a batch. */
const batchEntry = (i: number) => ({
  transfer: 'urn:uuid:6f1c1c2e-7b7e-4a53-9a56-0c2f3c7d9b11', batch: i, rows: 65536, bytes: 4_194_304 + (i % 1000),
  inputDigest: digest, outputDigest: digest, exporter: 'did:web:hospital.example.cn',
});

export interface AppendFigures {
  appendsPerSec: number;
  /** Durable writes (file) or transactions (PostgreSQL). */
  commits: number;
  entriesPerCommit: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LedgerPgBenchResult {
  entries: number;
  concurrency: number;
  file: AppendFigures;
  postgres: AppendFigures;
  /** postgres.appendsPerSec / file.appendsPerSec. */
  ratio: number;
}

async function appendRun(ledger: LedgerStore, entries: number, concurrency: number): Promise<AppendFigures> {
  let commits = 0;
  ledger.onCommit = () => commits++;
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < entries) {
      const i = next++;
      const t0 = performance.now();
      await ledger.append('transfer.batch', batchEntry(i));
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    appendsPerSec: entries / seconds, commits, entriesPerCommit: entries / Math.max(commits, 1),
    p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99),
  };
}

/** Runs the file ledger (in a temporary directory) and PgLedger (in a fresh schema of `url`), one after the other. */
export async function ledgerPgBench(url: string, opts: { entries: number; concurrency: number }): Promise<LedgerPgBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'dataport-bench-'));
  let file: AppendFigures;
  try {
    const ledger = Ledger.open(dir, { signer, checkpointIntervalMs: 0 });
    file = await appendRun(ledger, opts.entries, opts.concurrency);
    await ledger.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const schema = await freshSchema(url);
  let postgres: AppendFigures;
  try {
    const pool = await connectPg(schema.url, { applicationName: 'dataport bench' });
    try {
      await migrate(pool);
      const ledger = await PgLedger.open(pool, { signer, checkpointIntervalMs: 0 });
      ledger.follow(() => undefined);
      await ledger.sync();
      postgres = await appendRun(ledger, opts.entries, opts.concurrency);
      await ledger.close();
    } finally {
      await pool.end();
    }
  } finally {
    await schema.drop().catch(() => undefined);
  }
  return { entries: opts.entries, concurrency: opts.concurrency, file, postgres, ratio: postgres.appendsPerSec / file.appendsPerSec };
}
