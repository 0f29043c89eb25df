// A gateway on loopback with a provider's and a consumer's connector, started, registered, and
// stopped when the test ends: the set-up of every end-to-end test of the gateway.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Connector, type ConnectorOptions } from '../../connectors/connector.js';
import type { LocalDataset } from '../../connectors/transfers.js';
import type { Identity } from '../../crypto/identity.js';
import type { GatewayConfigInput } from '../../gateway/config.js';
import { buildGateway } from '../../gateway/server.js';
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
