// npm run bench -- dataplane [--quick] [--rows N] [--naive-rows N] [--profile DIR]
// Vehicle telemetry (VIN, driver id, plate, timestamp, lat, lon, speed, heading, a free-text note;
// positions and times from the GeoLife traces, cycled) from provider to gateway to consumer over
// loopback HTTP, three ways in one run, the gateway in its own process each time:
//   (a) the real data plane, passthrough: every column kept, no transform;
//   (b) the real data plane with the pipeline: pseudonymise VIN and driver, drop the plate, geohash
//       the position, bucket the time, redact the note, batch digests to the ledger;
//   (c) the naive baseline: the same transforms row by row over NDJSON, JSON.parse/stringify
//       (benchmarks/dataplane-naive.ts; its gateway in its own process too, so that both sides
//       of each ratio have the same two cores and the same process layout).
// MB/s counts the bytes the consumer received (the Arrow IPC stream, or the NDJSON); peak RSS is
// the bench process's (provider and consumer, sampled every 50 ms) and the gateway's (its kernel
// high-water mark; a fresh gateway process for each transfer).
// Sizes 1M and --rows (default 5M) rows; --quick: 1M only. (c) runs on as many rows, or on the
// first --naive-rows of them, and is compared by rate. Goals: (b) >= 0.5 (a), (b) >= 10 (c) in rows/s;
// the gateway's peak RSS under 300 MB, and the same at both sizes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RecordBatchReader, type Data, type RecordBatch } from 'apache-arrow';
import { request as undiciRequest } from 'undici';
import { Connector } from '../connectors/connector.js';
import { GatewayError } from '../connectors/signed-http.js';
import { signRequest } from '../crypto/http-signatures.js';
import { generateIdentity } from '../crypto/identity.js';
import { loadBasePoints, TELEMETRY_FIELDS, writeTelemetry, type TelemetryFiles } from './dataplane-data.js';
import { consumeNdjson, listen, ndjsonProvider } from './dataplane-naive.js';
import { printTable, writeResults, type Row } from './report.js';

const PIPELINE = 'https://w3id.org/dataport/v1#pipeline';
const APPROVAL = 'https://w3id.org/dataport/v1#approval';
const MB = 1e6;
const SMALL = 1_000_000;
const RSS_GOAL = 300 * MB;
/** Peak RSS at the large size counts as "the same" as at 1M within this much (or 10%). */
const RSS_FLAT_SLACK = 25 * MB;

type Way = 'passthrough' | 'pipeline' | 'naive';

interface Measured {
  way: Way;
  rows: number;
  seconds: number;
  /** Bytes the consumer received: the Arrow IPC stream, or NDJSON. */
  bytes: number;
  /** (a), (b): the Arrow IPC bytes the gateway's signed receipt says it sent. */
  receiptBytes?: number;
  /** (a), (b): bytes of the Arrow buffers of the batches read (the stream less its metadata and padding). */
  arrowBufferBytes?: number;
  benchPeakRss: number;
  /** The gateway process's RSS high-water mark once started (and, for (a) and (b), after the negotiation). */
  gatewayRssBefore: number;
  gatewayPeakRss: number;
  gatewaySampledRss: number;
  /** (a), (b): from the transfer request to the receipt, which comes after the last batch. */
  secondsToReceipt?: number;
  firstRow?: Record<string, unknown>;
}

// ---- processes and memory -------------------------------------------------------------------

class RssSampler {
  peak = 0;
  readonly #timer = setInterval(() => this.sample(), 50);

  constructor() {
    this.#timer.unref();
    this.reset();
  }

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  reset(): void {
    this.peak = process.memoryUsage.rss();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

interface GatewayProcess {
  base: string;
  /** The child's peak RSS so far: the kernel's high-water mark, and the 50 ms samples' maximum. */
  peak(): Promise<{ hwm: number; sampled: number }>;
  stop(): Promise<void>;
}

function startGateway(mode: 'dataport' | 'naive', dataDir: string, profileDir: string | undefined): Promise<GatewayProcess> {
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...flags, new URL('./dataplane-gateway-child.js', import.meta.url).pathname, mode, dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${mode} gateway exited ${code}`)));
    void nextLine().then((base) => resolve({
      base: base.trim(),
      peak: async () => {
        const answer = nextLine();
        child.stdin!.write('peak\n');
        return JSON.parse(await answer) as { hwm: number; sampled: number };
      },
      stop: () => new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
    }));
  });
}

// ---- (a) and (b): the real data plane -------------------------------------------------------

function offerFor(way: 'passthrough' | 'pipeline') {
  const spec = way === 'passthrough'
    ? { roles: { other: 'keep' } }
    : {
      columns: {
        vin: [{ op: 'pseudonymize' }], driver_id: [{ op: 'pseudonymize' }], plate: 'drop',
        tracked_at: [{ op: 'bucketTime', seconds: 60 }], latitude: [{ op: 'geohash', precision: 7, lonColumn: 'longitude' }], longitude: 'drop',
        note: [{ op: 'redact' }],
      },
      roles: { other: 'keep', 'quasi-identifier': 'keep' },
    };
  return {
    '@id': `bench:telemetry-${way}`, '@type': 'Offer', [APPROVAL]: 'auto',
    permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
    obligation: [{ action: 'anonymize', [PIPELINE]: spec }],
  };
}

/**
 * The consumer's read of the Arrow stream as TransferClient.read does it, except that the body is
 * handed to arrow as an async iterable that counts its bytes (the receipt's byte count falls short,
 * see the report) and whose iterator owns the body's errors. TransferClient.read hands arrow the
 * Node stream itself with no 'error' listener; arrow destroys it on reading the end-of-stream
 * marker, before the gateway (which first commits the completion to its ledger) has ended the
 * response, and undici then raises UND_ERR_ABORTED on the body, which once killed this process.
 */
function countingRead(consumer: Connector, received: { bytes: number }): void {
  consumer.transfers.read = async (endpoint, token) => {
    const headers: Record<string, string> = { accept: 'application/vnd.apache.arrow.stream', authorization: `Bearer ${token}` };
    Object.assign(headers, signRequest({ method: 'GET', url: endpoint, headers }, consumer.identity));
    const res = await undiciRequest(endpoint, { method: 'GET', headers, bodyTimeout: 0 });
    if (res.statusCode !== 200) {
      const body = (await res.body.json().catch(() => ({}))) as { code?: string; reason?: string[] };
      throw new GatewayError(res.statusCode, body.code ?? 'DP_ERR_BAD_RESPONSE', (body.reason ?? []).join('; '));
    }
    const body = res.body;
    const counted = (async function* () {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        received.bytes += chunk.byteLength;
        yield chunk;
      }
    })();
    return (await RecordBatchReader.from(counted)) as AsyncIterable<RecordBatch>;
  };
}

/** Bytes of every buffer of a batch's columns: what the consumer holds of it. */
function bufferBytes(d: Data): number {
  let n = 0;
  for (const b of [d.valueOffsets, d.values, d.nullBitmap, d.typeIds] as (ArrayBufferView | undefined)[]) n += b?.byteLength ?? 0;
  for (const c of d.children) n += bufferBytes(c);
  return n;
}

async function realTransfer(way: 'passthrough' | 'pipeline', arrowPath: string, rows: number, bench: RssSampler, profileDir: string | undefined): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dataport-bench-dp-'));
  const connectors: Connector[] = [];
  let gw: GatewayProcess | undefined;
  try {
    gw = await startGateway('dataport', dataDir, profileDir);
    // Passthrough keeps every column, and a direct identifier is never kept: all are published as 'other'.
    const fields = TELEMETRY_FIELDS.map((f) => ({ ...f, role: way === 'passthrough' ? 'other' : f.role }));
    const provider = new Connector({
      gateway: gw.base, identity: generateIdentity(new Uint8Array(32).fill(10)),
      datasets: { telemetry: { path: arrowPath, format: 'arrow' } },
    });
    const consumer = new Connector({ gateway: gw.base, identity: generateIdentity(new Uint8Array(32).fill(11)) });
    for (const c of [provider, consumer]) {
      await c.start();
      connectors.push(c);
    }
    await provider.register({ legalName: 'Beijing Fleet Telematics', jurisdiction: 'CN-BJ', roles: ['provider'], exporter: { ciio: false, zone: 'beijing-ftz', sector: 'transport', artefacts: { standardContract: { filingId: 'BJ-SCC-BENCH', filedOn: '2026-01-15' }, pia: { date: new Date().toISOString().slice(0, 10) } } } });
    await consumer.register({ legalName: 'Rhein Mobility Research GmbH', jurisdiction: 'DE', roles: ['consumer'] });
    const offer = offerFor(way);
    await provider.publish({ id: 'telemetry', title: 'vehicle telemetry', schema: { fields }, subjects: 200, compliance: { importantData: 'none', subjectColumn: 'driver_id' }, source: { format: 'arrow' }, offers: [offer] });
    const agreement = await consumer.negotiate({ datasetId: 'telemetry', offer, purpose: 'research' });
    const received = { bytes: 0 };
    countingRead(consumer, received);

    const before = await gw.peak();
    bench.reset();
    const t0 = performance.now();
    const { batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
    let got = 0;
    let held = 0;
    let firstRow: Record<string, unknown> | undefined;
    for await (const batch of batches as AsyncIterable<RecordBatch>) {
      got += batch.numRows;
      held += bufferBytes(batch.data);
      firstRow ??= batch.get(0)?.toJSON() as Record<string, unknown> | undefined;
    }
    const seconds = (performance.now() - t0) / 1000;
    const receipt = await completed;
    const secondsToReceipt = (performance.now() - t0) / 1000;
    bench.sample();
    if (got !== rows || receipt.rowsOut !== rows) throw new Error(`${way}: the consumer read ${got} rows, the receipt says ${receipt.rowsOut}, want ${rows}`);
    const peak = await gw.peak();
    return {
      way, rows, seconds, bytes: received.bytes, receiptBytes: receipt.bytes, arrowBufferBytes: held, benchPeakRss: bench.peak, gatewayRssBefore: before.hwm, gatewayPeakRss: peak.hwm, gatewaySampledRss: peak.sampled, secondsToReceipt, firstRow,
    };
  } finally {
    await Promise.all(connectors.map((c) => c.stop()));
    await gw?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- (c): the naive baseline ----------------------------------------------------------------

async function naiveTransfer(ndjsonPath: string, rows: number, bench: RssSampler, profileDir: string | undefined): Promise<Measured> {
  const gw = await startGateway('naive', '', profileDir);
  const provider = ndjsonProvider(ndjsonPath);
  try {
    const upstream = await listen(provider);
    let firstRow: Record<string, unknown> | undefined;
    const before = await gw.peak();
    bench.reset();
    const t0 = performance.now();
    const got = await consumeNdjson(`${gw.base}/data?upstream=${encodeURIComponent(`${upstream}/telemetry.ndjson`)}`, (line) => (firstRow = JSON.parse(line) as Record<string, unknown>));
    const seconds = (performance.now() - t0) / 1000;
    bench.sample();
    if (got.rows !== rows) throw new Error(`naive: the consumer read ${got.rows} rows, want ${rows}`);
    const peak = await gw.peak();
    return { way: 'naive', rows, seconds, bytes: got.bytes, benchPeakRss: bench.peak, gatewayRssBefore: before.hwm, gatewayPeakRss: peak.hwm, gatewaySampledRss: peak.sampled, firstRow };
  } finally {
    await new Promise((done) => provider.close(done));
    await gw.stop();
  }
}

/** The pipeline and the naive gateway must agree on what they both compute exactly. */
function sameOutput(pipeline: Record<string, unknown> | undefined, naive: Record<string, unknown> | undefined): string {
  if (!pipeline || !naive) return 'no rows to compare';
  const problems: string[] = [];
  const text = (v: unknown) => String(typeof v === 'bigint' ? Number(v) : v);
  for (const k of ['tracked_at', 'latitude', 'speed', 'heading', 'note'] as const) {
    if (text(pipeline[k]) !== text(naive[k])) problems.push(`${k}: ${text(pipeline[k])} vs ${text(naive[k])}`);
  }
  for (const k of ['plate', 'longitude']) if (k in pipeline || k in naive) problems.push(`${k} left`);
  for (const k of ['vin', 'driver_id']) if (!/^[0-9a-f]{32}$/.test(String(pipeline[k])) || !/^[0-9a-f]{32}$/.test(String(naive[k]))) problems.push(`${k} not a token`);
  if (problems.length) throw new Error(`the pipeline and the naive baseline disagree on the first row: ${problems.join('; ')}`);
  return 'first row identical (tokens aside)';
}

// ---- the run --------------------------------------------------------------------------------

function option(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} wants a positive integer, got ${args[i + 1]}`);
  return v;
}

const mb = (bytes: number) => bytes / MB;

function tableRow(m: Measured): Row {
  const label = { passthrough: '(a) passthrough', pipeline: '(b) pipeline', naive: '(c) naive NDJSON' }[m.way];
  return {
    way: label, rows: m.rows, s: m.seconds, 'rows/s': m.rows / m.seconds, 'MB out': mb(m.bytes), 'MB/s': mb(m.bytes) / m.seconds,
    'peak RSS bench MB': mb(m.benchPeakRss), 'gateway RSS before MB': mb(m.gatewayRssBefore), 'peak RSS gateway MB': mb(m.gatewayPeakRss),
  };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const large = option(args, '--rows') ?? 5_000_000;
  const naiveCap = option(args, '--naive-rows') ?? Infinity;
  const profileAt = args.indexOf('--profile');
  const profileDir = profileAt === -1 ? undefined : args[profileAt + 1];
  const sizes = quick ? [SMALL] : [...new Set([Math.min(SMALL, large), large])];

  const base = await loadBasePoints();
  process.stdout.write(`data: ${base.source}, ${base.count.toLocaleString('en-US')} points of ${base.users} users, cycled with synthetic vehicle fields\n`);
  const dir = mkdtempSync(join(tmpdir(), 'dataport-bench-telemetry-'));
  const bench = new RssSampler();
  const results: unknown[] = [];
  const peaks: { rows: number; gateway: number }[] = [];
  /** NDJSON files by row count: a size's rows are the first rows of any larger size. */
  const ndjson = new Map<number, string>();
  try {
    for (const rows of sizes) {
      const naiveRows = Math.min(rows, naiveCap);
      const arrowPath = join(dir, `telemetry-${rows}.arrow`);
      const ndjsonPath = ndjson.get(naiveRows) ?? join(dir, `telemetry-${naiveRows}.ndjson`);
      const w0 = performance.now();
      const files: TelemetryFiles = writeTelemetry(base, rows, arrowPath, ndjson.has(naiveRows) ? undefined : ndjsonPath, naiveRows);
      ndjson.set(naiveRows, ndjsonPath);
      process.stdout.write(`\n${rows.toLocaleString('en-US')} rows: Arrow IPC ${mb(files.arrowBytes).toFixed(0)} MB${files.ndjsonRows ? `, NDJSON of ${files.ndjsonRows.toLocaleString('en-US')} rows ${mb(files.ndjsonBytes).toFixed(0)} MB` : ''}, written in ${((performance.now() - w0) / 1000).toFixed(1)} s\n`);

      const a = await realTransfer('passthrough', arrowPath, rows, bench, profileDir);
      const b = await realTransfer('pipeline', arrowPath, rows, bench, profileDir);
      const c = await naiveTransfer(ndjsonPath, naiveRows, bench, profileDir);
      rmSync(arrowPath, { force: true });
      if (!sizes.some((s) => s > rows && Math.min(s, naiveCap) === naiveRows)) rmSync(ndjsonPath, { force: true });
      const check = sameOutput(b.firstRow, c.firstRow);

      const rate = (m: Measured) => m.rows / m.seconds;
      const overPassthrough = rate(b) / rate(a);
      const overNaive = rate(b) / rate(c);
      printTable(`Vehicle telemetry, provider -> gateway (own process) -> consumer over loopback HTTP, ${rows.toLocaleString('en-US')} rows (MB = 10^6 bytes)`, [a, b, c].map(tableRow));
      if (naiveRows < rows) process.stdout.write(`(c) ran on the first ${naiveRows.toLocaleString('en-US')} rows only (row by row it would take ~${((rows / rate(c)) / 60).toFixed(1)} min at ${rows.toLocaleString('en-US')}); compared by rows/s\n`);
      const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
      process.stdout.write(`(b)/(a) rows/s: ${overPassthrough.toFixed(2)} (goal >= 0.5: ${yes(overPassthrough >= 0.5)})\n`);
      process.stdout.write(`(b)/(c) rows/s: ${overNaive.toFixed(1)} (goal >= 10: ${yes(overNaive >= 10)})\n`);
      process.stdout.write(`gateway peak RSS, pipeline: ${mb(b.gatewayPeakRss).toFixed(0)} MB (goal < 300: ${yes(b.gatewayPeakRss < RSS_GOAL)}); ${check}\n`);
      for (const m of [a, b]) {
        if (m.receiptBytes !== m.bytes) process.stdout.write(`${m.way}: the receipt says ${m.receiptBytes!.toLocaleString('en-US')} bytes sent, the consumer received ${m.bytes.toLocaleString('en-US')}\n`);
      }
      peaks.push({ rows, gateway: b.gatewayPeakRss });
      results.push({
        rows, naiveRows, arrowBytes: files.arrowBytes, ndjsonBytes: files.ndjsonBytes,
        ways: Object.fromEntries([a, b, c].map((m) => [m.way, { ...m, firstRow: undefined, rowsPerSecond: rate(m), mbPerSecond: mb(m.bytes) / m.seconds }])),
        ratios: { pipelineOverPassthrough: overPassthrough, pipelineOverNaive: overNaive },
        goals: { pipelineOverPassthrough: overPassthrough >= 0.5, pipelineOverNaive: overNaive >= 10, gatewayRssUnder300MB: b.gatewayPeakRss < RSS_GOAL },
      });
    }
    let flat: boolean | undefined;
    if (peaks.length > 1) {
      const [small, big] = [peaks[0]!, peaks.at(-1)!];
      const diff = big.gateway - small.gateway;
      flat = Math.abs(diff) <= Math.max(RSS_FLAT_SLACK, 0.1 * small.gateway);
      process.stdout.write(`\ngateway peak RSS with the pipeline: ${mb(small.gateway).toFixed(0)} MB at ${small.rows.toLocaleString('en-US')} rows, ${mb(big.gateway).toFixed(0)} MB at ${big.rows.toLocaleString('en-US')} (the same within 25 MB or 10%: ${flat ? 'met' : 'NOT met'})\n`);
    }
    writeResults('dataplane', { source: base.source, basePoints: base.count, sizes: results, gatewayRssFlat: flat });
  } finally {
    bench.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
