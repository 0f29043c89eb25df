// The connector's commands: register, publish, catalog, negotiate, and `connector` (run a
// provider's connector: it takes the gateway's approval requests and signs automatic ones).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { RecordBatchStreamWriter } from 'apache-arrow';
import { Connector } from '../connectors/connector.js';
import type { LocalDataset } from '../connectors/transfers.js';
import { readKeyFile } from '../gateway/key-file.js';

export class UsageError extends Error {}

const common = {
  gateway: { type: 'string', default: process.env.DATAPORT_GATEWAY ?? 'http://127.0.0.1:8080' },
  identity: { type: 'string', short: 'i' },
  json: { type: 'boolean', default: false },
} as const;

function readJson(path: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(resolve(path), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function connectorFrom(values: { gateway?: string; identity?: string }, extra: Partial<ConstructorParameters<typeof Connector>[0]> = {}): Connector {
  if (!values.identity) throw new UsageError('--identity key.json is required (make one with dataport keygen)');
  return new Connector({ gateway: values.gateway!, identity: readKeyFile(resolve(values.identity)), ...extra });
}

function print(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}

export async function connectorCommand(command: string, args: string[]): Promise<number> {
  switch (command) {
    case 'register': {
      const { values } = parseArgs({ args, options: { ...common, profile: { type: 'string' }, callback: { type: 'string' } }, strict: true });
      if (!values.profile) throw new UsageError('register needs --profile profile.json ({ legalName, jurisdiction, roles, exporter? })');
      const profile = readJson(values.profile, 'profile');
      const c = connectorFrom(values);
      const p = await c.client.json<{ did: string; roles: string[] }>('POST', '/participants', { ...profile, ...(values.callback ? { callbackAddress: values.callback } : {}) });
      print(values.json, p, `registered ${p.did} as ${p.roles.join(' and ')}`);
      return 0;
    }
    case 'publish': {
      const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true, strict: true });
      if (!positionals[0]) throw new UsageError('publish needs a dataset file: dataport publish dataset.json');
      const d = await connectorFrom(values).publish(readJson(positionals[0], 'dataset'));
      print(values.json, d, `published ${d.id}`);
      return 0;
    }
    case 'catalog': {
      const { values } = parseArgs({ args, options: { ...common, keyword: { type: 'string' }, text: { type: 'string' } }, strict: true });
      const filter: Record<string, string>[] = [];
      if (values.keyword) filter.push({ keyword: values.keyword });
      if (values.text) filter.push({ text: values.text });
      const datasets = await connectorFrom(values).catalog(filter);
      const lines = datasets.map((d) => `${d['@id']}  ${d.title ?? ''}\n  offers: ${d.hasPolicy.map((o) => o['@id']).join(', ')}`);
      print(values.json, datasets, lines.length ? lines.join('\n') : '(no datasets you could use)');
      return 0;
    }
    case 'negotiate': {
      const { values } = parseArgs({ args, options: { ...common, dataset: { type: 'string' }, offer: { type: 'string' }, purpose: { type: 'string' }, 'accept-counter-offers': { type: 'boolean', default: false } }, strict: true });
      if (!values.dataset || !values.offer) throw new UsageError('negotiate needs --dataset ID and --offer ID (see dataport catalog)');
      const c = connectorFrom(values, { acceptCounterOffers: values['accept-counter-offers'] });
      const d = await c.dataset(values.dataset);
      const offer = d.hasPolicy.find((o) => o['@id'] === values.offer);
      if (!offer) throw new UsageError(`dataset ${values.dataset} shows you no offer ${values.offer} (offers: ${d.hasPolicy.map((o) => o['@id']).join(', ')})`);
      await c.start();
      try {
        const r = await c.negotiate({ datasetId: values.dataset, offer, purpose: values.purpose, provider: d['https://w3id.org/dataport/v1#provider'] as string | undefined });
        print(values.json, r, `FINALIZED: agreement ${r.agreement['@id']}\n  signed by ${r.signatures.map((s) => s.signer).join(' and ')}`);
      } finally {
        await c.stop();
      }
      return 0;
    }
    case 'connector': {
      const { values } = parseArgs({ args, options: { ...common, port: { type: 'string', default: '9000' }, host: { type: 'string', default: '127.0.0.1' }, data: { type: 'string', multiple: true, default: [] } }, strict: true });
      const c = connectorFrom(values, {
        port: Number(values.port), host: values.host, datasets: parseDataOptions(values.data),
        onApprovalRequest: (r) => {
          process.stdout.write(`approval needed: ${r.providerPid} ${r.consumer?.legalName ?? ''} (${r.consumer?.did ?? ''}) wants ${r.datasetId} under ${r.offerId}\n`);
          return undefined;
        },
      });
      await c.start();
      process.stdout.write(`connector for ${c.did} listening; callback address ${c.callbackAddress}\n`);
      await new Promise<void>((done) => {
        process.once('SIGTERM', done);
        process.once('SIGINT', done);
      });
      await c.stop();
      return 0;
    }
    case 'transfer': {
      const { values } = parseArgs({ args, options: { ...common, agreement: { type: 'string' }, out: { type: 'string', short: 'o' } }, strict: true });
      if (!values.agreement || !values.out) throw new UsageError('transfer needs --agreement ID and --out FILE (an Arrow IPC stream file)');
      const c = connectorFrom(values);
      await c.start();
      try {
        const r = await pullToFile(c, values.agreement, resolve(values.out), !values.json);
        print(values.json, r, `${r.rows} rows (${r.bytes} bytes) written to ${values.out}\n  receipt verified: ledger entry ${r.seq}, plan ${r.planHash.slice(0, 16)}...`);
      } finally {
        await c.stop();
      }
      return 0;
    }
    case 'approvals': {
      const { values } = parseArgs({ args, options: common, strict: true });
      const list = await connectorFrom(values).approvals();
      print(values.json, list, list.map((a) => `${a.providerPid}  ${a.datasetId}  ${a.offerId}  from ${a.consumer?.legalName ?? '?'}`).join('\n') || '(none)');
      return 0;
    }
    case 'approve':
    case 'reject': {
      const { values, positionals } = parseArgs({ args, options: { ...common, reason: { type: 'string' } }, allowPositionals: true, strict: true });
      if (!positionals[0]) throw new UsageError(`${command} needs the negotiation's providerPid (see dataport approvals)`);
      if (command === 'reject' && !values.reason) throw new UsageError('reject needs --reason');
      await connectorFrom(values).decide(positionals[0], command === 'approve' ? { decision: 'agree' } : { decision: 'terminate', reason: values.reason! });
      print(values.json, { providerPid: positionals[0], decision: command }, `${command === 'approve' ? 'approved' : 'rejected'} ${positionals[0]}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

export const CONNECTOR_COMMANDS = ['register', 'publish', 'catalog', 'negotiate', 'connector', 'transfer', 'approvals', 'approve', 'reject'];

/** --data ID=PATH[,FORMAT[,DELIMITER]]: a local file the provider's connector serves for a dataset. */
function parseDataOptions(values: string[]): Record<string, LocalDataset> {
  const out: Record<string, LocalDataset> = {};
  for (const v of values) {
    const m = /^([^=]+)=([^,]+)(?:,([a-z-]+))?(?:,(.))?$/.exec(v);
    if (!m) throw new UsageError(`--data ${v}: expected ID=PATH[,FORMAT[,DELIMITER]]`);
    const format = (m[3] ?? formatOf(m[2]!)) as LocalDataset['format'];
    out[m[1]!] = { path: resolve(m[2]!), format, ...(m[4] ? { delimiter: m[4] } : {}) };
  }
  return out;
}

function formatOf(path: string): string {
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.ndjson')) return 'ndjson';
  if (path.endsWith('.json')) return 'dataset-json';
  if (path.endsWith('.arrow') || path.endsWith('.arrows')) return 'arrow';
  if (path.endsWith('.plt')) return 'gps-trace';
  throw new UsageError(`cannot tell the format of ${path}; add ,csv ,ndjson ,dataset-json ,arrow or ,gps-trace`);
}

/** Pulls a transfer into an Arrow IPC stream file, with a progress line on stderr. */
async function pullToFile(c: Connector, agreementId: string, out: string, progress: boolean): Promise<{ rows: number; bytes: number; seq: number; planHash: string }> {
  const { batches, completed } = await c.transfers.pull(agreementId);
  const file = createWriteStream(out);
  const writer = new RecordBatchStreamWriter();
  let bytes = 0;
  let rows = 0;
  const started = Date.now();
  const pump = (async () => {
    for await (const chunk of writer) {
      bytes += chunk.byteLength;
      if (!file.write(chunk)) await once(file, 'drain');
    }
    file.end();
    await once(file, 'finish');
  })();
  const show = () => {
    const s = Math.max((Date.now() - started) / 1000, 0.001);
    process.stderr.write(`\r${rows.toLocaleString('en-US')} rows  ${(bytes / 1e6).toFixed(1)} MB  ${Math.round(rows / s).toLocaleString('en-US')} rows/s  ${(bytes / 1e6 / s).toFixed(1)} MB/s   `);
  };
  const timer = progress ? setInterval(show, 200) : undefined;
  try {
    for await (const batch of batches) {
      rows += batch.numRows;
      writer.write(batch);
    }
    writer.finish();
    await pump;
  } finally {
    if (timer) {
      clearInterval(timer);
      show();
      process.stderr.write('\n');
    }
  }
  const done = await completed;
  return { rows, bytes, seq: done.ledgerSeq, planHash: done.planHash };
}
