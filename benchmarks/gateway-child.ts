// A gateway in its own process for benchmarks (so it has a core of its own): prints its address.
import { buildGateway } from '../gateway/server.js';
import { generateIdentity } from '../crypto/identity.js';

const [dataDir] = process.argv.slice(2) as [string];
const app = await buildGateway({ dataDir, port: 0, logLevel: 'silent', identity: generateIdentity(new Uint8Array(32).fill(3)) });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
