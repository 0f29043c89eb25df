// npm run bench -- cluster [--quick]
// The gateway scaled out: negotiations per second and data-plane rows per second with one and two
// replicas sharing one PostgreSQL database, against one replica on the embedded files, and ledger
// appends per second in PostgreSQL against the file ledger, all in the same run. Replicas are real
// processes (`dataport start --store ...`); the load (connectors, consumers reading the streams)
// runs in this process. On a 2-core machine the replicas, PostgreSQL and the load share two
// cores: the figures say what the design costs, not what more machines would give.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connector } from '../connectors/connector.js';
import { generateIdentity } from '../crypto/identity.js';
import { writeKeyFile } from '../gateway/key-file.js';
import { startReplica, freshSchema, type Replica } from './cluster-harness.js';
import { ledgerPgBench } from './ledger-pg.js';
import { closedLoop as loop, percentile, printTable, writeResults, type Row } from './report.js';

const offer = {
  '@id': 'bench:offer', '@type': 'Offer', 'https://w3id.org/dataport/v1#approval': 'auto',
  permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
  obligation: [{ action: 'anonymize', 'https://w3id.org/dataport/v1#pipeline': { columns: { USUBJID: [{ op: 'pseudonymize', length: 16 }], AGE: [{ op: 'interval', width: 10 }] }, roles: { 'quasi-identifier': 'keep' } } }],
};
const fields = [
  { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'SITEID', type: 'utf8', role: 'quasi-identifier' },
  { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
];
const exporter = {
  ciio: false, zone: 'beijing-ftz',
  artefacts: { standardContract: { filingId: 'BJ-SCC-BENCH', filedOn: '2026-01-15' }, pia: { date: new Date().toISOString().slice(0, 10) } },
};

interface Setup {
  name: string;
  replicas: number;
  postgres: boolean;
}

interface CpuSnapshot {
  replicas: number;
  /** CPU seconds of each PostgreSQL process by pid: backends come and go with connections. */
  postgres: Map<string, number>;
  load: number;
}

/** CPU seconds used so far by the replicas, by each PostgreSQL process, and by this process (the load). */
function cpu(replicas: Replica[]): CpuSnapshot {
  const tick = 100; // USER_HZ on Linux
  const of = (pid: number | string) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return { comm: f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')), seconds: (Number(fields[11]) + Number(fields[12])) / tick };
    } catch {
      return { comm: '', seconds: 0 };
    }
  };
  const postgres = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const p = of(pid);
    if (p.comm === 'postgres') postgres.set(pid, p.seconds);
  }
  const own = process.cpuUsage();
  return { replicas: replicas.reduce((n, r) => n + of(r.proc.pid!).seconds, 0), postgres, load: (own.user + own.system) / 1e6 };
}

/**
 * Where the CPU went between two snapshots, as shares of the wall time (2 cores = 2.0). A
 * PostgreSQL backend that ended in between is not counted (its time is gone with it): an undercount.
 */
function cpuShare(before: CpuSnapshot, after: CpuSnapshot, seconds: number): { replicas: number; postgres: number; load: number } {
  let postgres = 0;
  for (const [pid, s] of after.postgres) postgres += s - (before.postgres.get(pid) ?? 0);
  return { replicas: (after.replicas - before.replicas) / seconds, postgres: postgres / seconds, load: (after.load - before.load) / seconds };
}

interface Figures {
  setup: string;
  negotiations: number;
  negotiationsPerSec: number;
  negotiationP50Ms: number;
  negotiationP99Ms: number;
  rows: number;
  rowsPerSec: number;
  /** PostgreSQL transactions (each statement outside BEGIN is one) per negotiation. */
  transactionsPerNegotiation?: number;
  /** CPU in use during each phase, in cores (this machine has 2). */
  negotiationCpu: ReturnType<typeof cpuShare>;
  transferCpu: ReturnType<typeof cpuShare>;
}

/** The PostgreSQL to use: DATAPORT_PG_URL, or a private server .ci/postgres.sh starts. */
function postgresUrl(): string {
  if (process.env.DATAPORT_PG_URL) return process.env.DATAPORT_PG_URL;
  const script = new URL('../../.ci/postgres.sh', import.meta.url).pathname;
  return execFileSync('bash', [script], { encoding: 'utf8' }).trim();
}

async function measure(setup: Setup, url: string, opts: { seconds: number; consumers: number; pulls: number; rows: number }): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'dataport-bench-cluster-'));
  const keyFile = join(dir, 'gateway-key.json');
  writeKeyFile(keyFile, generateIdentity(new Uint8Array(32).fill(7)));
  const schema = setup.postgres ? await freshSchema(url) : undefined;
  const replicas: Replica[] = [];
  const connectors: Connector[] = [];
  try {
    for (let i = 0; i < setup.replicas; i++) {
      replicas.push(await startReplica({ name: `r${i + 1}`, ...(schema && { store: schema.url }), keyFile, dataDir: join(dir, `r${i + 1}`), env: { DATAPORT_LOG_LEVEL: 'warn' } }));
    }
    const at = (i: number) => replicas[i % replicas.length]!.url;
    const csv = join(dir, 'trial.csv');
    const lines = ['USUBJID,SITEID,AGE'];
    for (let i = 0; i < opts.rows; i++) lines.push(`01-${700 + (i % 9)}-${String(i).padStart(7, '0')},${700 + (i % 9)},${20 + (i % 60)}`);
    writeFileSync(csv, lines.join('\n') + '\n');
    const provider = new Connector({
      gateway: at(0), identity: generateIdentity(new Uint8Array(32).fill(10)),
      datasets: { trial: { path: csv, format: 'csv', schema: fields.map(({ name, type }) => ({ name, type })), batchRows: 8192 } },
    });
    await provider.start();
    connectors.push(provider);
    await provider.register({ legalName: 'Bench Hospital', jurisdiction: 'CN-BJ', roles: ['provider'], exporter });
    await provider.publish({
      id: 'trial', title: 'benchmark trial', schema: { fields }, subjects: opts.rows, source: { format: 'csv' }, offers: [offer],
      compliance: { importantData: 'none', personalInfo: true, subjectColumn: 'USUBJID' },
    });
    // Consumers spread over the replicas, as a balancer would spread them.
    const clients = await Promise.all(Array.from({ length: opts.consumers }, async (_, i) => {
      const c = new Connector({ gateway: at(i), identity: generateIdentity(new Uint8Array(32).fill(100 + i)), negotiationTimeoutMs: 120_000 });
      await c.start();
      connectors.push(c);
      await c.register({ legalName: `Sponsor ${i}`, jurisdiction: 'DE', roles: ['consumer'] });
      return c;
    }));
    const commits = async () => schema ? Number((await schema.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n) : 0;
    const commits0 = await commits();
    const cpu0 = cpu(replicas);
    const negotiations = await loop(opts.seconds, opts.consumers, (w) => clients[w]!.negotiate({ datasetId: 'trial', offer, purpose: 'research' }).then(() => undefined));

    // Data plane: `pulls` consumers each read the whole dataset at once, each from its replica.
    const negotiationCpu = cpuShare(cpu0, cpu(replicas), negotiations.seconds);
    // The statistics are sent by each backend when it goes idle, and land within about a second.
    await new Promise((r) => setTimeout(r, 1500));
    const transactions = (await commits()) - commits0;
    const readers = clients.slice(0, opts.pulls);
    const agreements = await Promise.all(readers.map((c) => c.negotiate({ datasetId: 'trial', offer, purpose: 'research' })));
    const started = performance.now();
    const cpu1 = cpu(replicas);
    const got = await Promise.all(readers.map(async (c, i) => {
      const { batches, completed } = await c.transfers.pull(agreements[i]!.agreement['@id']);
      let n = 0;
      for await (const b of batches) n += b.numRows;
      await completed;
      return n;
    }));
    const rows = got.reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - started) / 1000;
    const transferCpu = cpuShare(cpu1, cpu(replicas), seconds);
    return {
      negotiationCpu, transferCpu, ...(schema && { transactionsPerNegotiation: transactions / negotiations.count }),
      setup: setup.name, negotiations: negotiations.count, negotiationsPerSec: negotiations.count / negotiations.seconds,
      negotiationP50Ms: percentile(negotiations.latencies, 50), negotiationP99Ms: percentile(negotiations.latencies, 99), rows, rowsPerSec: rows / seconds,
    };
  } finally {
    await Promise.all(connectors.map((c) => c.stop()));
    await Promise.all(replicas.map((r) => r.stop()));
    await schema?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const url = postgresUrl();
  const opts = { seconds: quick ? 4 : 12, consumers: 40, pulls: 4, rows: quick ? 50_000 : 200_000 };

  const ledger = [];
  for (const concurrency of [1, 64]) ledger.push(await ledgerPgBench(url, { entries: concurrency === 1 ? (quick ? 300 : 1000) : (quick ? 5000 : 20_000), concurrency }));
  printTable('Ledger appends (durable), same workload: file ledger vs PostgreSQL', ledger.map((r): Row => ({
    'in flight': r.concurrency, entries: r.entries, 'file /s': r.file.appendsPerSec, 'postgres /s': r.postgres.appendsPerSec, 'postgres/file': r.ratio,
    'pg entries/commit': r.postgres.entriesPerCommit, 'pg p99 ms': r.postgres.p99Ms,
  })));

  const setups: Setup[] = [
    { name: 'embedded files, 1 replica', replicas: 1, postgres: false },
    { name: 'PostgreSQL, 1 replica', replicas: 1, postgres: true },
    { name: 'PostgreSQL, 2 replicas', replicas: 2, postgres: true },
  ];
  const figures: Figures[] = [];
  for (const s of setups) figures.push(await measure(s, url, opts));
  const base = figures[0]!;
  printTable(`Negotiations (${opts.consumers} concurrent consumers, ${opts.seconds} s) and pull transfers (${opts.pulls} x ${opts.rows.toLocaleString('en-US')} rows, individuals counted)`, figures.map((f): Row => ({
    setup: f.setup, 'negotiations/s': f.negotiationsPerSec, 'vs files': f.negotiationsPerSec / base.negotiationsPerSec, 'p50 ms': f.negotiationP50Ms, 'p99 ms': f.negotiationP99Ms,
    'rows/s': f.rowsPerSec, 'rows vs files': f.rowsPerSec / base.rowsPerSec,
  })));
  const cores = (c: Figures['negotiationCpu']) => `${c.replicas.toFixed(2)} / ${c.postgres.toFixed(2)} / ${c.load.toFixed(2)}`;
  printTable('CPU in use (cores: replicas / PostgreSQL / load generator; the machine has 2)', figures.map((f): Row => ({
    setup: f.setup, negotiating: cores(f.negotiationCpu), transferring: cores(f.transferCpu), 'pg transactions per negotiation': f.transactionsPerNegotiation ?? '-',
  })));
  const two = figures[2]!;
  const one = figures[1]!;
  process.stdout.write(`two replicas vs one on PostgreSQL: negotiations ${(two.negotiationsPerSec / one.negotiationsPerSec).toFixed(2)}x, rows ${(two.rowsPerSec / one.rowsPerSec).toFixed(2)}x (2 cores shared by replicas, PostgreSQL and the load)\n`);
  writeResults('cluster', { opts, ledger, figures });
}
