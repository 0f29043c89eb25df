// Child process for the kill -9 test: appends forever with 16 concurrent appenders and reports
// every acknowledged (durable) append on stdout as "<seq> <tag>".
import { Ledger } from '../../../gateway/ledger/ledger.js';
import { testIdentity } from '../../helpers.js';

const [dir, run] = process.argv.slice(2) as [string, string];
const ledger = Ledger.open(dir, { signer: testIdentity(9), checkpointIntervalMs: 15, maxSegmentBytes: 64 * 1024 });
process.stdout.write(`ready ${ledger.size}\n`);
let k = 0;
async function appender(): Promise<never> {
  for (;;) {
    const tag = `${run}-${k++}`;
    const { seq } = await ledger.append('test.crash', { tag, pad: 'x'.repeat(k % 97) });
    process.stdout.write(`${seq} ${tag}\n`);
  }
}
for (let i = 0; i < 16; i++) void appender();
