// `dataport demo pharma|telemetry`: the whole flow in one process on loopback. An embedded gateway,
// provider and consumer connectors; register, publish, catalog, negotiate (with the compliance
// decision), transfer through the pipeline, the receipt, and the ledger checked at the end (the
// pharma demo adds homomorphic aggregation across three trial sites). Small synthetic data ships
// with the command; `--data ../shared/data` runs it on the real files.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataportError } from '../crypto/errors.js';
import { GatewayError } from '../connectors/signed-http.js';
import { runPharma, type PharmaResult } from './demo/pharma.js';
import { runTelemetry, type TelemetryResult } from './demo/telemetry.js';
import type { TransferView } from './demo/transfer.js';
import { DemoWorld } from './demo/world.js';
import { UsageError } from './connector-commands.js';

const DEMO_USAGE = `Usage: dataport demo pharma|telemetry [--json] [--data DIR] [--serve [--port N]] [--data-dir DIR]

  pharma     a hospital network exports trial demographics (SDTM DM) to a sponsor: k-anonymous,
             l-diverse on the arm; three sites answer "adverse events by body system and arm" by
             homomorphic aggregation
  telemetry  a fleet operator exports vehicle traces: trip ends trimmed, VINs as format-preserving
             tokens, plates pseudonymised, notes scrubbed, geohash-7 cells, times to the minute

  --json         one JSON object instead of the summary
  --data DIR     the real files in the ../shared/data layout (cdiscpilot01/dm.csv and ae.csv;
                 geolife/plt); default: small synthetic data generated in the data directory
  --serve        keep the gateway (and the connectors) running afterwards; stop with Ctrl-C
  --port N       the gateway's port with --serve (default: any free port)
  --data-dir DIR the gateway's data directory (default: a temporary one, removed at the end)
`;

type DemoResult = (PharmaResult | TelemetryResult) & { seconds: number };

export async function demoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { json: { type: 'boolean' }, serve: { type: 'boolean' }, port: { type: 'string' }, data: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  const name = positionals[0];
  if (name !== 'pharma' && name !== 'telemetry') throw new UsageError(`demo needs pharma or telemetry, got ${name ?? 'nothing'}`);
  if (positionals.length > 1) throw new UsageError(`demo takes one name, got ${positionals.join(' ')}`);
  if (values.port !== undefined && !values.serve) throw new UsageError('--port goes with --serve (the demo alone listens on a free port)');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${values.port}`);
  const dataDir = values.data === undefined ? undefined : resolve(values.data);
  if (dataDir !== undefined) checkData(name, dataDir);

  const started = performance.now();
  const world = await DemoWorld.start({ dataDir: values['data-dir'], port });
  let serving = false;
  try {
    const workDir = join(world.dataDir, 'demo-files');
    mkdirSync(workDir, { recursive: true });
    const run = name === 'pharma' ? await runPharma(world, { dataDir, workDir }) : await runTelemetry(world, { dataDir, workDir });
    const result: DemoResult = { ...run, seconds: (performance.now() - started) / 1000 };
    if (!result.ledger.ok) throw new DataportError('DP_ERR_LEDGER_CORRUPT', `the demo's ledger does not verify: ${result.ledger.summary}`);
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : summary(result, values['data-dir'] !== undefined));
    if (values.serve) {
      serving = true;
      await serve(world, !!values.json);
    }
    return 0;
  } catch (e) {
    if (e instanceof DataportError || e instanceof GatewayError || e instanceof UsageError) throw e;
    throw new DataportError('DP_ERR_INTERNAL', `demo ${name} failed: ${(e as Error).message}`);
  } finally {
    if (!serving) await world.close();
  }
}

/** Refuses a --data directory without the files the demo reads, naming the first missing one. */
function checkData(name: 'pharma' | 'telemetry', dir: string): void {
  const needed = name === 'pharma' ? ['cdiscpilot01/dm.csv', 'cdiscpilot01/ae.csv'] : ['geolife/plt'];
  for (const f of needed) {
    if (!existsSync(join(dir, f))) throw new DataportError('DP_ERR_NOT_FOUND', `--data ${dir}: no ${f} (the ../shared/data layout: cdiscpilot01/dm.csv, cdiscpilot01/ae.csv, geolife/plt)`);
  }
}

/** Keeps the gateway and the connectors up until SIGINT or SIGTERM, then closes them (the ledger flushed). */
async function serve(world: DemoWorld, json: boolean): Promise<void> {
  const out = json ? process.stderr : process.stdout;
  const pages = ['/docs', '/dashboard'].filter((url) => world.app.hasRoute({ method: 'GET', url }));
  out.write(`\nserving: gateway ${world.url}${pages.map((p) => `, ${world.url}${p}`).join('')}; data in ${world.dataDir}\nCtrl-C (SIGINT) or SIGTERM stops it.\n`);
  const signal = await new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  out.write(`${signal}: closing (flushing the ledger)\n`);
  await world.close();
}

// ---- the human summary -------------------------------------------------------------------------

const short = (s: string, n = 16) => (s.length > n ? `${s.slice(0, n)}...` : s);

function transferLines(t: TransferView): string[] {
  const listed = t.dropped.filter((d) => d.listed);
  const unlisted = t.dropped.filter((d) => !d.listed);
  const lines = [
    `transfer: ${t.rowsIn} rows in, ${t.rowsOut} out (${t.batches} batches, ${t.bytes} bytes) in ${t.seconds.toFixed(2)} s`,
    `  left:        ${t.columnsOut.join(', ')}`,
  ];
  if (t.transformed.length > 0) lines.push(`  transformed: ${t.transformed.map((c) => `${c.name} (${c.steps.join(', ')}; ${c.changed} changed${c.nulled > 0 ? `, ${c.nulled} left as null` : ''})`).join(', ')}`);
  if (t.privacy) lines.push(`  generalised: ${Object.entries(t.privacy.levels).map(([c, l]) => `${c} ${l}`).join(', ')} (the privacy model)`);
  if (t.kept.length > 0) lines.push(`  kept:        ${t.kept.join(', ')}`);
  for (const d of listed) lines.push(`  dropped:     ${d.name}: ${d.reason}`);
  if (unlisted.length > 0) lines.push(`  dropped:     ${unlisted.length} not in the plan (fail closed): ${unlisted.map((d) => d.name).join(', ')}`);
  if (t.trajectory) lines.push('  trajectory:', ...t.trajectory.lines.map((l) => `    ${l}`));
  if (t.privacy) lines.push('  privacy:', ...t.privacy.lines.map((l) => `    ${l}`));
  lines.push(`receipt verified: ledger entry ${t.receipt.ledgerSeq}, proven under the gateway's signed checkpoint of size ${t.receipt.checkpointSize}; plan ${short(t.receipt.planHash)}`);
  return lines;
}

function summary(r: DemoResult, keptDataDir: boolean): string {
  const c = r.compliance;
  const lines = [
    `dataport demo ${r.demo}: ${r.data.source}`,
    `gateway ${r.gateway.url} (${short(r.gateway.did, 24)}); ledger ${keptDataDir ? 'kept in --data-dir' : 'in a temporary directory'}`,
    `catalog: the consumer sees ${r.negotiation.catalog.datasets} dataset${r.negotiation.catalog.datasets === 1 ? '' : 's'}; ${r.negotiation.datasetId} offers ${r.negotiation.catalog.offers.join(', ')}`,
    `compliance (ledger entry ${c.seq}): pathway ${c.pathway}, ${c.satisfied ? 'satisfied' : `NOT satisfied (missing ${c.missing.join(', ')})`}`,
    ...(c.decisiveRule ? [`  decisive rule ${c.decisiveRule.id} (${c.decisiveRule.source}): ${c.decisiveRule.reason}`] : []),
    ...(c.required.length > 0 ? [`  required: ${c.required.join(', ')}`] : []),
    `agreement ${r.negotiation.agreementId}: FINALIZED, signed by ${r.negotiation.signedBy.map((s) => short(s, 20)).join(' and ')}`,
    ...transferLines(r.transfer),
  ];
  if (r.demo === 'pharma') {
    const a = r.aggregation;
    lines.push(
      `aggregation: ${a.question}, across sites ${a.sites.map((s) => s.site).join(', ')} (epsilon ${a.epsilon}; each site leaves out its cells of fewer than ${a.minCohort} records)`,
      ...a.sites.map((s) => `  site ${s.site}: ${s.records} events encrypted under the sponsor's key${s.suppressedCells > 0 ? `, ${s.suppressedCells} small cell${s.suppressedCells === 1 ? '' : 's'} left out` : ''}`),
      `  ${a.cells} cells decrypted by the sponsor; ${a.noise.mechanism} noise of scale ${a.noise.scale}, |noise| <= ${a.noise.bound} with ${a.noise.confidence * 100}% confidence (${a.withinBound} of ${a.cells} cells within it)`,
      ...a.top.map((x) => `  ${Object.values(x.labels).join(' / ')}: ${x.value} (clear count ${x.clear})`),
      `  total ${a.total.noisy} (clear ${a.total.clear}) in ${a.seconds.toFixed(2)} s`,
    );
  }
  lines.push(`ledger: ${r.ledger.size} entries, root ${r.ledger.rootHash}; ${r.ledger.ok ? 'verified' : 'NOT verified'}: ${r.ledger.summary}`, `done in ${r.seconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}
