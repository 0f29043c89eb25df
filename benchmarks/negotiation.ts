// npm run bench -- negotiation [--quick]
// Full contract negotiations (request to FINALIZED: provider approval and signature, consumer
// verification and signature, five ledger entries) per second on loopback, with 50 concurrent
// consumers, each a Connector with its own callback server. The gateway runs in its own process.
// Baseline, same run: the same number of signed HTTP exchanges (6 per negotiation) against a
// signed no-op route, i.e. what the transport and signatures alone cost.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '../crypto/identity.js';
import { Connector } from '../connectors/connector.js';
import { SignedClient } from '../connectors/signed-http.js';
import { closedLoop as loop, percentile, printTable, writeResults, type Row } from './report.js';

const EXCHANGES_PER_NEGOTIATION = 6;

function startGateway(dataDir: string): Promise<{ base: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [new URL('./gateway-child.js', import.meta.url).pathname, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line: string) => resolve({
      base: line.trim(),
      stop: () => new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
    }));
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
  });
}

const offer = {
  '@id': 'bench:offer', '@type': 'Offer', 'https://w3id.org/dataport/v1#approval': 'auto',
  permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
};

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const consumers = 50;
  const seconds = quick ? 4 : 15;
  const dataDir = mkdtempSync(join(tmpdir(), 'dataport-bench-neg-'));
  const gw = await startGateway(dataDir);
  const connectors: Connector[] = [];
  try {
    const provider = new Connector({ gateway: gw.base, identity: generateIdentity(new Uint8Array(32).fill(10)) });
    await provider.start();
    connectors.push(provider);
    await provider.register({ legalName: 'Bench Hospital', jurisdiction: 'CN-BJ', roles: ['provider'], exporter: { ciio: false, zone: 'beijing-ftz', artefacts: { standardContract: { filingId: 'BJ-SCC-BENCH', filedOn: '2026-01-15' }, pia: { date: new Date().toISOString().slice(0, 10) } } } });
    await provider.publish({
      id: 'bench-dm', title: 'benchmark dataset', schema: { fields: [{ name: 'USUBJID', type: 'utf8', role: 'direct-identifier' }] },
      subjects: 1, compliance: { importantData: 'none' }, source: { format: 'csv' }, offers: [offer],
    });
    const clients = await Promise.all(Array.from({ length: consumers }, async (_, i) => {
      const c = new Connector({ gateway: gw.base, identity: generateIdentity(new Uint8Array(32).fill(100 + i)), negotiationTimeoutMs: 60_000 });
      await c.start();
      connectors.push(c);
      await c.register({ legalName: `Sponsor ${i}`, jurisdiction: 'DE', roles: ['consumer'] });
      return c;
    }));

    // Baseline: signed exchanges against a signed no-op (reading one's own participant record).
    const raw = clients.map((c) => new SignedClient(gw.base, c.identity));
    const base = await loop(seconds, consumers, (w) => raw[w]!.json('GET', `/participants/${encodeURIComponent(raw[w]!.identity.did)}`).then(() => undefined));
    const negotiations = await loop(seconds, consumers, (w) => clients[w]!.negotiate({ datasetId: 'bench-dm', offer, purpose: 'research' }).then(() => undefined));

    const negPerSec = negotiations.count / negotiations.seconds;
    const exchangesPerSec = base.count / base.seconds;
    const rows: Row[] = [
      { what: 'signed HTTP exchanges (baseline)', done: base.count, 'per s': exchangesPerSec, 'as negotiations/s': exchangesPerSec / EXCHANGES_PER_NEGOTIATION, 'p50 ms': percentile(base.latencies, 50), 'p99 ms': percentile(base.latencies, 99) },
      { what: 'full negotiations to FINALIZED', done: negotiations.count, 'per s': negPerSec, 'as negotiations/s': negPerSec, 'p50 ms': percentile(negotiations.latencies, 50), 'p99 ms': percentile(negotiations.latencies, 99) },
    ];
    printTable(`Contract negotiations, ${consumers} concurrent consumers, gateway in its own process (2 cores shared)`, rows);
    const ratio = negPerSec / (exchangesPerSec / EXCHANGES_PER_NEGOTIATION);
    process.stdout.write(`negotiations/s: ${negPerSec.toFixed(0)} (goal >= 200); ${ratio.toFixed(2)} of what the bare signed exchanges would allow\n`);
    writeResults('negotiation', { consumers, seconds, negotiationsPerSecond: negPerSec, p50: percentile(negotiations.latencies, 50), p99: percentile(negotiations.latencies, 99), baselineExchangesPerSecond: exchangesPerSec, ratio });
  } finally {
    await Promise.all(connectors.map((c) => c.stop()));
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
