// A gateway in its own process for the data-plane benchmark: the real one (`dataport <dataDir>`)
// or the naive NDJSON one (`naive`). Prints its address; answers each `peak` line on stdin with
// its peak resident set so far (bytes, the kernel's high-water mark) and what 50 ms sampling saw.
import { createInterface } from 'node:readline';
import { generateIdentity } from '../crypto/identity.js';
import { buildGateway } from '../gateway/server.js';
import { listen, naiveGateway } from './dataplane-naive.js';

const [mode, dataDir] = process.argv.slice(2) as ['dataport' | 'naive', string];

let sampled = process.memoryUsage.rss();
setInterval(() => (sampled = Math.max(sampled, process.memoryUsage.rss())), 50).unref();

let close: () => Promise<unknown>;
if (mode === 'naive') {
  const server = naiveGateway({ vin: Buffer.alloc(32, 1), driver_id: Buffer.alloc(32, 2) });
  process.stdout.write(`${await listen(server)}\n`);
  close = () => new Promise((done) => server.close(done));
} else {
  const app = await buildGateway({ dataDir, port: 0, logLevel: 'silent', identity: generateIdentity(new Uint8Array(32).fill(3)) });
  process.stdout.write(`${await app.listen({ host: '127.0.0.1', port: 0 })}\n`);
  close = () => app.close();
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'peak') return;
  sampled = Math.max(sampled, process.memoryUsage.rss());
  process.stdout.write(`${JSON.stringify({ hwm: process.resourceUsage().maxRSS * 1024, sampled })}\n`);
});
process.on('SIGTERM', () => void close().then(() => process.exit(0)));
