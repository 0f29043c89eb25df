// dataport aggregate open|contribute|result: homomorphic aggregation from the command line. The
// analyst's BFV keys live in a 0600 file of its own (the secret key never goes anywhere else).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { HE_PARAM_SETS, type AnalystKeyPair, type HeParamSet } from '../crypto/he/index.js';
import type { AggregationQuery } from '../policies/aggregation/terms.js';
import { Connector } from '../connectors/connector.js';
import type { SourceFormat } from '../connectors/sources/index.js';
import { readKeyFile } from '../gateway/key-file.js';
import { UsageError } from './connector-commands.js';

export const AGGREGATE_USAGE = `dataport aggregate open --agreement ID [--agreement ID]... --query query.json --epsilon E
                        --deadline 10m|ISO --keys analyst-he.json [--param-set bfv-8192|bfv-4096]
    open a job (writes the analyst's BFV key pair to --keys, mode 0600)
dataport aggregate contribute --job ID --data FILE[,FORMAT]
    compute this provider's aggregate from its own file, encrypt it, submit it
dataport aggregate result --job ID --keys analyst-he.json [--wait SECONDS]
    decrypt the released total: each cell's value and the noise scale
(all take --gateway URL --identity key.json, and --json)
`;

const common = {
  gateway: { type: 'string', default: process.env.DATAPORT_GATEWAY ?? 'http://127.0.0.1:8080' },
  identity: { type: 'string', short: 'i' },
  json: { type: 'boolean', default: false },
} as const;

export async function aggregateCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const out = (json: boolean, value: unknown, human: string) => process.stdout.write(json ? `${JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n` : `${human}\n`);
  switch (sub) {
    case 'open': {
      const { values } = parseArgs({ args: rest, options: { ...common, agreement: { type: 'string', multiple: true }, query: { type: 'string' }, epsilon: { type: 'string' }, deadline: { type: 'string', default: '10m' }, keys: { type: 'string' }, 'param-set': { type: 'string', default: 'bfv-8192' } }, strict: true });
      if (!values.agreement?.length || !values.query || !values.epsilon || !values.keys) throw new UsageError(`aggregate open needs --agreement, --query, --epsilon and --keys\n\n${AGGREGATE_USAGE}`);
      const paramSet = values['param-set'] as HeParamSet;
      if (!HE_PARAM_SETS.includes(paramSet)) throw new UsageError(`--param-set must be one of ${HE_PARAM_SETS.join(', ')}`);
      const c = connector(values);
      const { job, keys } = await c.aggregation.open({
        agreements: values.agreement, query: readJson(values.query) as unknown as AggregationQuery, epsilon: Number(values.epsilon),
        deadline: deadlineOf(values.deadline!), paramSet,
      });
      writeFileSync(resolve(values.keys), JSON.stringify({ paramSet: keys.paramSet, publicKey: toBase64(keys.publicKey), secretKey: toBase64(keys.secretKey) }), { mode: 0o600 });
      out(values.json, job, `opened job ${job.id}: ${job.providers.length} providers, at least ${job.minProviders} must contribute by ${job.deadline}; keys in ${values.keys}`);
      return 0;
    }
    case 'contribute': {
      const { values } = parseArgs({ args: rest, options: { ...common, job: { type: 'string' }, data: { type: 'string' } }, strict: true });
      if (!values.job || !values.data) throw new UsageError(`aggregate contribute needs --job and --data\n\n${AGGREGATE_USAGE}`);
      const [path, format] = values.data.split(',');
      const r = await connector(values).aggregation.contribute(values.job, { path: resolve(path!), format: (format ?? 'csv') as SourceFormat });
      out(values.json, r, `contributed to ${values.job}: ${r.counted} of ${r.records} records in ${r.cells} cells, ${r.suppressedCells} cells left out (fewer records than the minimum cohort); encrypted, nothing in clear`);
      return 0;
    }
    case 'result': {
      const { values } = parseArgs({ args: rest, options: { ...common, job: { type: 'string' }, keys: { type: 'string' }, wait: { type: 'string', default: '0' } }, strict: true });
      if (!values.job || !values.keys) throw new UsageError(`aggregate result needs --job and --keys\n\n${AGGREGATE_USAGE}`);
      const stored = readJson(values.keys) as { paramSet: HeParamSet; publicKey: string; secretKey: string };
      const keys: AnalystKeyPair = { paramSet: stored.paramSet, publicKey: fromBase64(stored.publicKey), secretKey: fromBase64(stored.secretKey) };
      const c = connector(values);
      if (Number(values.wait) > 0) await c.aggregation.settled(values.job, Number(values.wait) * 1000);
      const r = await c.aggregation.result(values.job, keys);
      const lines = r.cells.map((cell) => `  ${Object.values(cell.labels).join(' | ')}: ${cell.value}`);
      out(values.json, { job: r.job.id, noise: r.noise, cells: r.cells }, `job ${r.job.id}: ${r.job.released!.contributors} providers; discrete Laplace noise of scale ${r.noise.scale} (epsilon ${r.noise.epsilon}) on every cell, within ±${r.noise.bound} with ${r.noise.confidence * 100}% confidence\n${lines.join('\n')}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown aggregate command ${sub ?? '(none)'}\n\n${AGGREGATE_USAGE}`);
  }
}

function connector(values: { gateway?: string; identity?: string }): Connector {
  if (!values.identity) throw new UsageError('--identity key.json is required (make one with dataport keygen)');
  return new Connector({ gateway: values.gateway!, identity: readKeyFile(resolve(values.identity)) });
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(resolve(path), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** '10m', '90s', '2h' from now, or an ISO time. */
function deadlineOf(text: string): Date {
  const m = /^(\d+)([smh])$/.exec(text);
  if (m) return new Date(Date.now() + Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h']);
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError(`--deadline ${text}: give 10m, 90s, 2h or an ISO 8601 time`);
  return new Date(t);
}
