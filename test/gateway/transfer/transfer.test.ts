import t from 'tap';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import type { LocalDataset } from '../../../connectors/transfers.js';
import { APPROVAL } from '../../../policies/negotiation/extensions.js';
import { repoRoot, tempDir, testIdentity, today, until } from '../../helpers.js';
import { gatewayWorld } from '../world.js';
import { fileLedger } from '../../../gateway/ledger/ledger.js';

type T = Parameters<typeof tempDir>[0];
const hospital = testIdentity(50);
const sponsor = testIdentity(51);
const PIPELINE = 'https://w3id.org/dataport/v1#pipeline';

/** A CSV of `rows` synthetic subjects: id, site, age, sex, a free-text note (no rule covers it). */
function writeCsv(path: string, rows: number): void {
  const lines = ['USUBJID,SITEID,AGE,SEX,NOTE'];
  for (let i = 0; i < rows; i++) lines.push(`01-${700 + (i % 9)}-${String(i).padStart(5, '0')},${700 + (i % 9)},${20 + (i % 60)},${i % 2 ? 'F' : 'M'},seen on day ${i}`);
  writeFileSync(path, lines.join('\n') + '\n');
}

const fields = [
  { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'SITEID', type: 'utf8', role: 'quasi-identifier' },
  { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
  { name: 'SEX', type: 'utf8', role: 'quasi-identifier' },
  { name: 'NOTE', type: 'utf8', role: 'other' },
];

function offer(extraConstraints: unknown[] = []) {
  return {
    '@id': 'trial:offer', '@type': 'Offer', [APPROVAL]: 'auto',
    permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }, ...extraConstraints] }],
    obligation: [{
      action: 'anonymize',
      [PIPELINE]: { columns: { USUBJID: [{ op: 'pseudonymize', length: 16 }], AGE: [{ op: 'interval', width: 10 }] }, roles: { 'quasi-identifier': 'keep' } },
    }],
  };
}

async function world(t: T, opts: { rows?: number; batchRows?: number; constraints?: unknown[]; local?: LocalDataset; fields?: typeof fields; offer?: Record<string, unknown> } = {}) {
  const published = opts.fields ?? fields;
  const dir = tempDir(t);
  const csv = join(dir, 'trial.csv');
  writeCsv(csv, opts.rows ?? 2500);
  const local: LocalDataset = opts.local ?? { path: csv, format: 'csv', schema: published.map(({ name, type }) => ({ name, type })), batchRows: opts.batchRows ?? 500 };
  const { app, base, provider, consumer } = await gatewayWorld(t, { datasets: { trial: local }, provider: { identity: hospital }, consumer: { identity: sponsor } });
  const o = opts.offer ?? offer(opts.constraints);
  await provider.publish({ id: 'trial', title: 'synthetic trial', schema: { fields: published }, subjects: opts.rows ?? 2500, compliance: { importantData: 'none' }, source: { format: 'csv' }, offers: [o] });
  const agreement = await consumer.negotiate({ datasetId: 'trial', offer: o, purpose: 'research' });
  return { app, base, provider, consumer, agreement, csv };
}

async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

t.test('a pull transfer streams the rows through the agreed pipeline, and the receipt proves the totals', async (t) => {
  const { app, consumer, agreement } = await world(t);
  const { batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  const got = await collect(batches);
  const rows = got.reduce((n, b) => n + b.numRows, 0);
  t.equal(rows, 2500);
  t.same(got[0]!.schema.fields.map((f) => f.name), ['USUBJID', 'SITEID', 'AGE', 'SEX'], 'NOTE, covered by no rule, never left');
  const ids = got.flatMap((b) => [...b.getChild('USUBJID')!].map(String));
  t.ok(ids.every((id) => /^[0-9a-f]{16}$/.test(id)), 'subject ids left as 16-hex-digit tokens');
  t.equal(new Set(ids).size, 2500, 'one token per subject');
  t.ok(got.flatMap((b) => [...b.getChild('AGE')!].map(String)).every((a) => /^\[\d+, \d+\)$/.test(a)), 'ages left as intervals');
  const done = await completed;
  t.match(done, { rowsIn: 2500, rowsOut: 2500, batches: 5 });
  t.match(done.report, { batches: 5, rowsIn: 2500, rowsOut: 2500 }, 'the pipeline report counts the same batches');
  await app.ledger.flush();
  const types = [...fileLedger(app.ledger).replay()].map((e) => e.type).filter((x) => x.startsWith('transfer.'));
  t.same(types, ['transfer.requested', 'transfer.started', 'transfer.batches', 'transfer.completed']);
});

t.test('suspend after three batches, resume, and the stream continues where it stopped', async (t) => {
  const { app, consumer, agreement } = await world(t, { rows: 5000, batchRows: 500 });
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  let rows = 0;
  let seen = 0;
  for await (const b of batches) {
    rows += b.numRows;
    if (++seen === 3) {
      await consumer.transfers.send(providerPid, 'TransferSuspensionMessage', { code: 'pause', reason: ['consumer asked'] });
      break;
    }
  }
  await until('the transfer to be SUSPENDED', () => (app.state.transfers.get(providerPid)?.state === 'SUSPENDED' && !app.transfers.streams.has(providerPid) ? true : undefined));
  const sent = app.state.transfers.get(providerPid)!.rowsOut;
  t.ok(sent >= 1500 && sent < 5000, `${sent} rows had left when the transfer was suspended`);
  const rest = await collect(await consumer.transfers.resume(providerPid));
  const total = sent + rest.reduce((n, b) => n + b.numRows, 0);
  t.equal(total, 5000, 'every row exactly once across the two streams');
  t.match(await completed, { rowsOut: 5000 });
  void rows;
});

t.test('a count constraint runs out: the next transfer is refused with the policy trace', async (t) => {
  const { consumer, agreement } = await world(t, { rows: 100, constraints: [{ leftOperand: 'count', operator: 'lteq', rightOperand: '1' }] });
  const first = await consumer.transfers.pull(agreement.agreement['@id']);
  await collect(first.batches);
  await first.completed;
  const second = await consumer.transfers.pull(agreement.agreement['@id']).catch((e: unknown) => e as { status: number; code: string; message: string });
  t.match(second, { status: 403, code: 'DP_ERR_POLICY_DENIED' });
  t.match((second as { message: string }).message, /count/);
});

t.test('elapsedTime runs out mid-transfer: the transfer is terminated and says why', async (t) => {
  // Large enough that the socket and stream buffers cannot hold it all when the agreement expires.
  const { app, consumer, agreement } = await world(t, { rows: 1000000, batchRows: 2000, constraints: [{ leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: { '@value': 'PT2S', '@type': 'xsd:duration' } }] });
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  let rows = 0;
  const reading = (async () => {
    for await (const b of batches) {
      rows += b.numRows;
      await new Promise((r) => setTimeout(r, 20)); // a slow reader: the agreement expires first
    }
  })().catch(() => undefined);
  const err = await completed.catch((e: unknown) => e as { code: string; message: string });
  await reading;
  t.match(err, { code: 'DP_ERR_POLICY_DENIED' });
  t.match((err as { message: string }).message, /elapsedTime/);
  const tr = app.state.transfers.get(providerPid)!;
  t.equal(tr.state, 'TERMINATED');
  t.ok(tr.rowsOut < 1000000 && rows <= tr.rowsOut, `stopped after ${tr.rowsOut} rows`);
});

t.test('data whose schema differs from the published one: terminated with DP_ERR_SCHEMA_MISMATCH, nothing forwarded', async (t) => {
  const dir = tempDir(t);
  const other = join(dir, 'other.csv');
  writeFileSync(other, 'USUBJID,SITEID,AGE,SEX\n01-1,701,30,F\n');
  const { app, consumer, agreement } = await world(t, { local: { path: other, format: 'csv' } });
  const err = await consumer.transfers.pull(agreement.agreement['@id']).then(async (r) => {
    await collect(r.batches);
    return r.completed;
  }).catch((e: unknown) => e as { code: string; message: string });
  t.match(err, { code: 'DP_ERR_SCHEMA_MISMATCH' });
  t.match((err as { message: string }).message, /NOTE/);
  const tr = [...app.state.transfers.values()][0]!;
  t.equal(tr.state, 'TERMINATED');
  t.equal(tr.rowsOut, 0, 'no row left');
});

t.test('malformed data from the provider terminates the transfer; the gateway keeps serving', async (t) => {
  const dir = tempDir(t);
  const garbage = join(dir, 'garbage.arrow');
  writeFileSync(garbage, Buffer.from('this is not an arrow stream at all'.repeat(10)));
  const { app, base, consumer, agreement } = await world(t, { local: { path: garbage, format: 'arrow' } });
  const err = await consumer.transfers.pull(agreement.agreement['@id']).then(async (r) => {
    await collect(r.batches);
    return r.completed;
  }).catch((e: unknown) => e as { code: string });
  t.equal((err as { code: string }).code, 'DP_ERR_DELIVERY_FAILED', 'the provider could not serve its file');
  t.equal([...app.state.transfers.values()][0]?.state, 'TERMINATED');
  t.same(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' }, 'still serving');
  await app.ledger.flush();
  t.ok([...fileLedger(app.ledger).replay()].some((e) => e.type === 'transfer.terminated'), 'the ledger records what happened');
});

t.test('the real CDISC DM file goes through the same pipeline', { skip: existsSync(join(repoRoot, '..', 'shared', 'data', 'cdiscpilot01', 'dm.csv')) ? false : 'no ../shared/data here' }, async (t) => {
  const dm = join(repoRoot, '..', 'shared', 'data', 'cdiscpilot01', 'dm.csv');
  const dmFields = fields.filter((f) => f.name !== 'NOTE');
  const { consumer, agreement } = await world(t, { fields: dmFields, local: { path: dm, format: 'csv', schema: dmFields.map(({ name, type }) => ({ name, type })) } });
  const { batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  const got = await collect(batches);
  t.equal(got.reduce((n, b) => n + b.numRows, 0), 306);
  t.notOk(got.flatMap((b) => [...b.getChild('USUBJID')!].map(String)).some((id) => id.startsWith('01-')), 'no original subject id left');
  t.match(await completed, { rowsOut: 306 });
});

/** A privacy model on the trial's quasi-identifiers: k = 5, 2% suppression. */
function privateOffer() {
  return {
    ...offer(),
    obligation: [{
      action: 'anonymize',
      [PIPELINE]: {
        columns: { USUBJID: [{ op: 'pseudonymize', length: 16 }] },
        privacy: {
          k: 5, suppressionLimit: 0.02,
          quasiIdentifiers: [
            { column: 'SITEID', hierarchy: { type: 'mask', chars: 2 } },
            { column: 'AGE', hierarchy: { type: 'intervals', widths: [5, 10, 20] } },
            { column: 'SEX', hierarchy: { type: 'suppress' } },
          ],
        },
      },
    }],
  };
}

/** Smallest class over the quasi-identifiers of the rows received, records starred in all of them left out. */
function smallestClass(got: RecordBatch[]): { smallest: number; suppressed: number } {
  const classes = new Map<string, number>();
  let suppressed = 0;
  for (const b of got) {
    for (const r of b.toArray()) {
      const key = [r.SITEID, r.AGE, r.SEX];
      if (key.every((v) => v === '*')) suppressed++;
      else classes.set(JSON.stringify(key), (classes.get(JSON.stringify(key)) ?? 0) + 1);
    }
  }
  return { smallest: Math.min(...classes.values()), suppressed };
}

t.test('a privacy model in the agreement: the consumer receives k-anonymous rows and the completion reports the model', async (t) => {
  const { consumer, agreement } = await world(t, { rows: 2500, offer: privateOffer() });
  const { batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  const got = await collect(batches);
  t.equal(got.reduce((n, b) => n + b.numRows, 0), 2500, 'every record, suppressed ones included');
  t.same(got[0]!.schema.fields.map((f) => f.name), ['USUBJID', 'SITEID', 'AGE', 'SEX']);
  const { smallest, suppressed } = smallestClass(got);
  t.ok(smallest >= 5, `smallest class received: ${smallest}`);
  t.ok(suppressed <= 50, `${suppressed} records suppressed, at most 2%`);
  const done = await completed;
  const report = done.report as { privacy: { achieved: { k: number }; suppressed: number; records: number } };
  t.equal(report.privacy.achieved.k, smallest);
  t.equal(report.privacy.suppressed, suppressed);
  t.equal(report.privacy.records, 2500);
});

t.test('a privacy-model transfer suspended and resumed: read again from the start, every row once, the same levels', async (t) => {
  const { app, consumer, agreement } = await world(t, { rows: 5000, batchRows: 500, offer: privateOffer() });
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  const first: RecordBatch[] = [];
  for await (const b of batches) {
    first.push(b);
    if (first.length === 3) {
      await consumer.transfers.send(providerPid, 'TransferSuspensionMessage', { code: 'pause', reason: ['consumer asked'] });
      break;
    }
  }
  await until('the transfer to be SUSPENDED', () => (app.state.transfers.get(providerPid)?.state === 'SUSPENDED' && !app.transfers.streams.has(providerPid) ? true : undefined));
  const sent = app.state.transfers.get(providerPid)!.rowsOut;
  const rest = await collect(await consumer.transfers.resume(providerPid));
  t.equal(sent + rest.reduce((n, b) => n + b.numRows, 0), 5000, 'every row exactly once across the two streams');
  const levels = (b: RecordBatch) => b.schema.fields.map((f) => f.metadata.get('dataport:privacy') ?? null);
  t.same(levels(rest[0]!), levels(first[0]!), 'the resumed run chose the same levels');
  t.match(await completed, { rowsOut: 5000 });
});

t.test('a push transfer: the gateway posts the stream to the consumer, which reads it at its own pace', async (t) => {
  const { consumer, agreement } = await world(t, { rows: 3000, batchRows: 250 });
  const { batches, completed } = await consumer.transfers.push(agreement.agreement['@id']);
  let rows = 0;
  for await (const b of batches) {
    rows += b.numRows;
    t.same(b.schema.fields.map((f) => f.name), ['USUBJID', 'SITEID', 'AGE', 'SEX']);
    await new Promise((r) => setTimeout(r, 5));
  }
  t.equal(rows, 3000);
  t.match(await completed, { rowsOut: 3000, batches: 12 });
});

t.test('the data endpoint refuses a missing, foreign or tampered token, and another consumer', async (t) => {
  const { base, consumer, agreement } = await world(t, { rows: 100 });
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  await collect(batches);
  await completed;
  const { SignedClient } = await import('../../../connectors/signed-http.js');
  const url = `/data/${encodeURIComponent(providerPid)}`;
  const own = new SignedClient(base, sponsor);
  t.match((await own.send('GET', url)).body, { code: 'DP_ERR_SIGNATURE_MISSING' }, 'no bearer token');
  t.match((await own.send('GET', url, undefined, { authorization: 'Bearer abc.def' })).body, { code: 'DP_ERR_SIGNATURE_INVALID' }, 'a token the gateway did not issue');
  const stranger = new SignedClient(base, testIdentity(99));
  await stranger.json('POST', '/participants', { legalName: 'Other', jurisdiction: 'DE', roles: ['consumer'] });
  t.equal((await stranger.send('GET', url)).status, 404, "another party's transfer is 404");
  const after = await own.send<{ code: string }>('GET', url, undefined, { authorization: 'Bearer x.y' });
  t.equal(after.status, 401);
});

t.test('the provider fetches the same receipt and it proves the completion entry', async (t) => {
  const { provider, consumer, agreement } = await world(t, { rows: 300 });
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  await collect(batches);
  const done = await completed;
  const receipt = await provider.client.json<{ seq: number }>('GET', `/transfers/${encodeURIComponent(providerPid)}/receipt`);
  const { verifyReceipt } = await import('../../../connectors/transfers.js');
  const wk = await provider.client.json<{ did: string; ledgerOrigin: string }>('GET', '/.well-known/dataport');
  const entry = verifyReceipt(receipt as never, wk.did, wk.ledgerOrigin, providerPid);
  t.equal(entry.rowsOut, 300);
  t.equal(entry.ledgerSeq, done.ledgerSeq);
  t.throws(() => verifyReceipt(receipt as never, testIdentity(98).did, wk.ledgerOrigin, providerPid), 'a receipt checked against another key fails');
  t.throws(() => verifyReceipt(receipt as never, wk.did, wk.ledgerOrigin, 'urn:uuid:other'), { code: 'DP_ERR_LEDGER_TAMPERED' });
});

t.test('transfer messages in the wrong state get 400 TransferError; a repeated consumerPid is idempotent', async (t) => {
  const { consumer, agreement } = await world(t, { rows: 100 });
  const { DSP_CONTEXT } = await import('../../../policies/dsp/version.js');
  const { validateDspMessage } = await import('../../../policies/dsp/validate.js');
  const req = { '@context': [DSP_CONTEXT], '@type': 'TransferRequestMessage', consumerPid: 'urn:uuid:t-1', agreementId: agreement.agreement['@id'], format: 'dataport:ArrowStream-PULL', callbackAddress: consumer.callbackAddress };
  const first = await consumer.client.send<{ providerPid: string; state: string }>('POST', '/transfers/request', req);
  t.equal(first.status, 201);
  t.ok(validateDspMessage('TransferProcess', first.body).ok);
  const again = await consumer.client.send<{ providerPid: string }>('POST', '/transfers/request', req);
  t.equal(again.status, 200);
  t.equal(again.body.providerPid, first.body.providerPid);
  const pid = first.body.providerPid;
  const completion = await consumer.client.send('POST', `/transfers/${encodeURIComponent(pid)}/start`, { '@context': [DSP_CONTEXT], '@type': 'TransferStartMessage', providerPid: pid, consumerPid: 'urn:uuid:t-1' });
  t.equal(completion.status, 400);
  t.ok(validateDspMessage('TransferError', completion.body).ok);
  t.match(completion.body, { code: 'DP_ERR_INVALID_TRANSITION' });
  const wrongFormat = await consumer.client.send('POST', '/transfers/request', { ...req, consumerPid: 'urn:uuid:t-2', format: 'HttpData-PULL' });
  t.equal(wrongFormat.status, 400);
  const noAgreement = await consumer.client.send('POST', '/transfers/request', { ...req, consumerPid: 'urn:uuid:t-3', agreementId: 'urn:uuid:nope' });
  t.equal(noAgreement.status, 404);
});

t.test('a transform that cannot run on the data terminates the transfer before any row leaves', async (t) => {
  const o = { ...offer(), obligation: [{ action: 'anonymize', [PIPELINE]: { columns: { USUBJID: [{ op: 'pseudonymize' }], SEX: [{ op: 'interval', width: 10 }] } } }] };
  const { app, consumer, agreement } = await world(t, { rows: 100, offer: o });
  const err = await consumer.transfers.pull(agreement.agreement['@id']).then(async (r) => {
    await collect(r.batches);
    return r.completed;
  }).catch((e: unknown) => e as { code: string; message: string });
  t.match(err, { code: 'DP_ERR_SCHEMA_MISMATCH' });
  t.match((err as { message: string }).message, /interval/);
  t.equal([...app.state.transfers.values()][0]!.rowsOut, 0);
});

t.test('bad data mid-stream: the batches before it arrive, nothing after, and the ledger says why', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.csv');
  writeCsv(bad, 2000);
  const lines = (await import('node:fs')).readFileSync(bad, 'utf8').split('\n');
  lines[1201] = lines[1201]!.replace(/,(\d+),([FM]),/, ',not-a-number,$2,'); // row 1201's AGE
  writeFileSync(bad, lines.join('\n'));
  const { app, consumer, agreement } = await world(t, { local: { path: bad, format: 'csv', schema: fields.map(({ name, type }) => ({ name, type })), batchRows: 500 } });
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  let rows = 0;
  const reading = await (async () => {
    for await (const b of batches) rows += b.numRows;
  })().catch((e: unknown) => e as { code: string });
  t.match(reading, { code: 'DP_ERR_STREAM_INTERRUPTED' }, 'the reader is told the stream broke off');
  const err = await completed.catch((e: unknown) => e as { code: string; message: string });
  t.match(err, { code: 'DP_ERR_TRANSFER_FAILED' });
  t.match((err as { message: string }).message, /broke off after 2 batches/);
  const tr = app.state.transfers.get(providerPid)!;
  t.equal(tr.state, 'TERMINATED');
  t.equal(tr.rowsOut, 1000, 'the two good batches before the bad row left, nothing after');
  t.equal(rows, 1000);
});

t.test('GeoLife traces through the gateway: trip ends trimmed, user pseudonymised, positions as geohash cells, times in minute buckets', { skip: existsSync(join(repoRoot, '..', 'shared', 'data', 'geolife', 'plt')) ? false : 'no ../shared/data here' }, async (t) => {
  const gps = [
    { name: 'user_id', type: 'utf8', role: 'direct-identifier' },
    { name: 'tracked_at', type: 'timestamp[ms]', role: 'quasi-identifier' },
    { name: 'latitude', type: 'float64', role: 'quasi-identifier', category: 'location' },
    { name: 'longitude', type: 'float64', role: 'quasi-identifier', category: 'location' },
    { name: 'altitude_m', type: 'float64', role: 'other' },
  ];
  const { provider, consumer } = await gatewayWorld(t, {
    datasets: { traces: { path: join(repoRoot, '..', 'shared', 'data', 'geolife', 'plt'), format: 'gps-trace' } },
    provider: {
      identity: hospital,
      profile: { legalName: 'Beijing Mobility Lab', jurisdiction: 'CN-BJ', roles: ['provider'], exporter: { ciio: false, zone: 'beijing-ftz', sector: 'automotive', artefacts: { standardContract: { filingId: 'BJ-SCC-2026-0077', filedOn: '2026-02-01' }, pia: { date: today } } } },
    },
    consumer: { identity: sponsor },
  });
  const o = {
    '@id': 'traces:offer', '@type': 'Offer', [APPROVAL]: 'auto', permission: [{ action: 'use' }],
    obligation: [{ action: 'anonymize', [PIPELINE]: {
      columns: { user_id: [{ op: 'pseudonymize', length: 16 }], tracked_at: [{ op: 'bucketTime', seconds: 60 }], latitude: [{ op: 'geohash', precision: 6, lonColumn: 'longitude' }], longitude: 'drop' },
      roles: { other: 'keep' },
      trajectory: { vehicleColumn: 'user_id', timeColumn: 'tracked_at', latColumn: 'latitude', lonColumn: 'longitude', tripGapSeconds: 300, trimMetres: 200, order: 'vehicle' },
    } }],
  };
  await provider.publish({ id: 'traces', title: 'GeoLife traces', schema: { fields: gps }, subjects: 11, compliance: { importantData: 'none' }, source: { format: 'gps-trace' }, offers: [o] });
  const agreement = await consumer.negotiate({ datasetId: 'traces', offer: o, purpose: 'research' });
  const { batches, completed } = await consumer.transfers.pull(agreement.agreement['@id']);
  const got = await collect(batches);
  // 481 trips of 11 users (gap 300 s): the points within 200 m of a trip's start or end stay home.
  t.equal(got.reduce((n, b) => n + b.numRows, 0), 96128, 'the GeoLife points more than 200 m from both ends of their trip');
  t.same(got[0]!.schema.fields.map((f) => f.name), ['user_id', 'tracked_at', 'latitude', 'altitude_m'], 'longitude dropped');
  const users = new Set(got.flatMap((b) => [...b.getChild('user_id')!].map(String)));
  t.equal(users.size, 11, 'one token per user');
  t.notOk([...users].some((u) => /^\d{3}$/.test(u)), 'no GeoLife user number left');
  const cells = got.flatMap((b) => [...b.getChild('latitude')!].map(String));
  t.ok(cells.filter((c) => c.startsWith('wx4')).length / cells.length > 0.5, 'most cells are Beijing geohashes (wx4...)');
  t.ok(cells.every((c) => /^[0-9b-hjkmnp-z]{6}$/.test(c) || c === 'null'), 'precision-6 geohash strings');
  const times = got.flatMap((b) => [...b.getChild('tracked_at')!].map((x) => Number(x)));
  t.ok(times.every((ms) => Number.isNaN(ms) || ms % 60000 === 0), 'times floored to the minute');
  const done = await completed;
  t.match(done, { rowsIn: 164531, rowsOut: 96128 });
  t.match(done.report, { trajectory: { vehicles: 11, trips: 481, pointsIn: 164531, pointsOut: 96128, droppedTrim: 68403 } });
});

t.test('the consumer terminates a running pull: its stream is cut, not left hanging, and the state is TERMINATED', async (t) => {
  const { app, consumer, agreement } = await world(t, { rows: 400000, batchRows: 2000 });
  const { providerPid, batches } = await consumer.transfers.pull(agreement.agreement['@id']);
  let rows = 0;
  const reading = (async () => {
    for await (const b of batches) {
      rows += b.numRows;
      if (rows === 4000) await consumer.transfers.send(providerPid, 'TransferTerminationMessage', { code: 'enough', reason: ['changed my mind'] });
      await new Promise((r) => setTimeout(r, 5));
    }
  })().then(() => 'ended', (e: { code?: string }) => e.code);
  t.equal(await reading, 'DP_ERR_STREAM_INTERRUPTED', 'the reader is told the stream was cut');
  const tr = app.state.transfers.get(providerPid)!;
  t.equal(tr.state, 'TERMINATED');
  t.match(tr.termination, { by: 'consumer', code: 'enough' });
  t.ok(rows < 400000);
});

t.test('a consumer completion on a started transfer that is not streaming records the completion', async (t) => {
  const { app, consumer, agreement } = await world(t, { rows: 100 });
  const { DSP_CONTEXT } = await import('../../../policies/dsp/version.js');
  // A bare callback that acknowledges everything: the consumer takes the start and never pulls.
  const Fastify = (await import('fastify')).default;
  const bare = Fastify();
  bare.post('/*', async () => ({}));
  const callback = await bare.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => bare.close());
  const req = { '@context': [DSP_CONTEXT], '@type': 'TransferRequestMessage', consumerPid: 'urn:uuid:c-done', agreementId: agreement.agreement['@id'], format: 'dataport:ArrowStream-PULL', callbackAddress: callback };
  const { providerPid } = await consumer.client.json<{ providerPid: string }>('POST', '/transfers/request', req);
  await until('the transfer to be STARTED', () => (app.state.transfers.get(providerPid)?.state === 'STARTED' ? true : undefined));
  const res = await consumer.client.send<{ state: string }>('POST', `/transfers/${encodeURIComponent(providerPid)}/completion`, { '@context': [DSP_CONTEXT], '@type': 'TransferCompletionMessage', providerPid, consumerPid: 'urn:uuid:c-done' });
  t.equal(res.status, 200);
  t.equal(res.body.state, 'COMPLETED');
  t.match(app.state.transfers.get(providerPid), { state: 'COMPLETED', rowsOut: 0 });
  t.ok(app.state.transfers.get(providerPid)!.completionSeq! > 0, 'the completion is a ledger entry (a receipt can prove it)');
});
