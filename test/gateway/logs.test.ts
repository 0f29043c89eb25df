// The gateway's logs: JSON lines with request ids, and never a value of a row, whatever the
// transfer does (a good one, one that fails on bad data mid-stream), at the most verbose level.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { APPROVAL } from '../../policies/negotiation/extensions.js';
import { tempDir, testIdentity } from '../helpers.js';
import { gatewayWorld } from './world.js';

const PIPELINE = 'https://w3id.org/dataport/v1#pipeline';
// Values no log line may hold: subject ids, a name and a mobile number in free text, a birth date.
const SECRETS = ['SUBJ-LOGCHECK-0001', 'SUBJ-LOGCHECK-0002', 'Zhang Weiming', '13812345678', '1961-04-17'];

t.test('no row value reaches a log line, even at trace level and when a transfer fails on bad data', async (t) => {
  const dir = tempDir(t);
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)); done(); } });
  const good = join(dir, 'good.csv');
  writeFileSync(good, `USUBJID,BRTHDTC,NOTE\n${SECRETS[0]},${SECRETS[4]},"seen by ${SECRETS[2]}, call ${SECRETS[3]}"\n${SECRETS[1]},1970-01-01,none\n`);
  const bad = join(dir, 'bad.csv');
  // The second row's date is not a date: the source fails mid-stream on a value.
  writeFileSync(bad, `USUBJID,BRTHDTC,NOTE\n${SECRETS[0]},${SECRETS[4]},x\n${SECRETS[1]},${SECRETS[2]},y\n`);
  const schema = [{ name: 'USUBJID', type: 'utf8' }, { name: 'BRTHDTC', type: 'date32' }, { name: 'NOTE', type: 'utf8' }] as const;
  const { provider, consumer } = await gatewayWorld(t, {
    gateway: { logLevel: 'trace', logStream: sink, identity: testIdentity(6) },
    datasets: { good: { path: good, format: 'csv', schema: [...schema] }, bad: { path: bad, format: 'csv', schema: [...schema] } },
    provider: { identity: testIdentity(62) }, consumer: { identity: testIdentity(63) },
  });
  const fields = [
    { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
    { name: 'BRTHDTC', type: 'date32', role: 'quasi-identifier' },
    { name: 'NOTE', type: 'utf8', role: 'other' },
  ];
  const offer = (id: string) => ({
    '@id': `${id}:offer`, '@type': 'Offer', [APPROVAL]: 'auto', permission: [{ action: 'use' }],
    obligation: [{ action: 'anonymize', [PIPELINE]: { columns: { USUBJID: [{ op: 'pseudonymize' }], BRTHDTC: [{ op: 'truncateDate', unit: 'year' }], NOTE: [{ op: 'scrubText', replace: 'label' }] } } }],
  });
  for (const id of ['good', 'bad']) {
    await provider.publish({ id, title: id, schema: { fields }, subjects: 2, compliance: { importantData: 'none' }, source: { format: 'csv' }, offers: [offer(id)] });
    const a = await consumer.negotiate({ datasetId: id, offer: offer(id), purpose: 'research' });
    try {
      const { batches, completed } = await consumer.transfers.pull(a.agreement['@id']);
      for await (const _ of batches);
      await completed;
    } catch {
      // the bad file's transfer fails: what matters here is what was logged
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  t.ok(lines.length > 20, `${lines.length} log lines`);
  t.ok(lines.every((l) => { try { JSON.parse(l); return true; } catch { return false; } }), 'every line is JSON');
  t.ok(lines.some((l) => /"reqId":"[^"]+"/.test(l)), 'request lines carry their request id');
  for (const secret of SECRETS) t.notOk(lines.some((l) => l.includes(secret)), `no log line holds ${JSON.stringify(secret)}`);
});
