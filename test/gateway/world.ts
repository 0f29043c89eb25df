// A gateway on loopback with a provider's and a consumer's connector, started, registered, and
// stopped when the test ends: the set-up of every end-to-end test of the gateway.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Connector, type ConnectorOptions } from '../../connectors/connector.js';
import type { LocalDataset } from '../../connectors/transfers.js';
import type { Identity } from '../../crypto/identity.js';
import type { GatewayConfigInput } from '../../gateway/config.js';
import { buildGateway } from '../../gateway/server.js';
import { APPROVAL } from '../../policies/negotiation/extensions.js';
import { hospitalProfile, sponsorProfile, tempDir, testIdentity } from '../helpers.js';

type T = Parameters<typeof tempDir>[0];

export interface WorldOptions {
  /** The provider's local files, by dataset id. */
  datasets?: Record<string, LocalDataset>;
  /** Settings over the defaults (port 0, silent, checkpoints on demand, a fixed gateway key). */
  gateway?: GatewayConfigInput;
  provider?: { identity?: Identity; profile?: Record<string, unknown>; options?: Partial<ConnectorOptions> };
  consumer?: { identity?: Identity; profile?: Record<string, unknown>; options?: Partial<ConnectorOptions> };
}

export interface World {
  app: FastifyInstance;
  base: string;
  provider: Connector;
  consumer: Connector;
  /** The test's own temporary directory (the gateway's data directory is `gw` in it, unless given). */
  dir: string;
}

export async function gatewayWorld(t: T, opts: WorldOptions = {}): Promise<World> {
  const dir = tempDir(t);
  const app = await buildGateway({ dataDir: join(dir, 'gw'), port: 0, logLevel: 'silent', identity: testIdentity(3), ledger: { checkpointIntervalMs: 0 }, ...opts.gateway });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const provider = new Connector({ gateway: base, identity: opts.provider?.identity ?? testIdentity(60), ...(opts.datasets && { datasets: opts.datasets }), ...opts.provider?.options });
  const consumer = new Connector({ gateway: base, identity: opts.consumer?.identity ?? testIdentity(61), ...opts.consumer?.options });
  await provider.start();
  await consumer.start();
  t.teardown(async () => {
    await consumer.stop();
    await provider.stop();
    await app.close();
  });
  await provider.register((opts.provider?.profile ?? hospitalProfile) as never);
  await consumer.register((opts.consumer?.profile ?? sponsorProfile) as never);
  return { app, base, provider, consumer, dir };
}

const TRIAL_FIELDS = [
  { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
];

/**
 * `gatewayWorld` with the provider publishing `rows` synthetic subjects (USUBJID, AGE) as dataset
 * `trial`, read in batches of `batchRows`, under an auto-approved research offer (with `constraints`
 * besides) that pseudonymises the ids; the consumer holds an agreement on it.
 */
export async function trialWorld(t: T, opts: { rows: number; batchRows: number; constraints?: unknown[] }): Promise<World & { agreementId: string }> {
  const { rows, batchRows, constraints = [] } = opts;
  const csv = join(tempDir(t), 'trial.csv');
  writeFileSync(csv, ['USUBJID,AGE', ...Array.from({ length: rows }, (_, i) => `01-701-${String(i).padStart(6, '0')},${20 + (i % 60)}`)].join('\n') + '\n');
  const world = await gatewayWorld(t, { datasets: { trial: { path: csv, format: 'csv', schema: TRIAL_FIELDS.map(({ name, type }) => ({ name, type })), batchRows } } });
  const offer = {
    '@id': 'trial:offer', '@type': 'Offer', [APPROVAL]: 'auto',
    permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }, ...constraints] }],
    obligation: [{ action: 'anonymize', 'https://w3id.org/dataport/v1#pipeline': { columns: { USUBJID: [{ op: 'pseudonymize', length: 16 }] }, roles: { 'quasi-identifier': 'keep' } } }],
  };
  await world.provider.publish({ id: 'trial', title: 'synthetic trial', schema: { fields: TRIAL_FIELDS }, subjects: rows, compliance: { importantData: 'none' }, source: { format: 'csv', rows }, offers: [offer] });
  const agreement = await world.consumer.negotiate({ datasetId: 'trial', offer, purpose: 'research' });
  return { ...world, agreementId: agreement.agreement['@id'] };
}
