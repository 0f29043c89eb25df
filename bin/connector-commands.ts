// The connector's commands: register, publish, catalog, negotiate, and `connector` (run a
// provider's connector: it takes the gateway's approval requests and signs automatic ones).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Connector } from '../connectors/connector.js';
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
      const { values } = parseArgs({ args, options: { ...common, port: { type: 'string', default: '9000' }, host: { type: 'string', default: '127.0.0.1' } }, strict: true });
      const c = connectorFrom(values, {
        port: Number(values.port), host: values.host,
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

export const CONNECTOR_COMMANDS = ['register', 'publish', 'catalog', 'negotiate', 'connector', 'approvals', 'approve', 'reject'];
