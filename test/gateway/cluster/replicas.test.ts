// Two gateway replicas in this process sharing one PostgreSQL database: what one commits, the
// other sees at once, and the same request sent to both at once is processed once.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { Connector } from '../../../connectors/connector.js';
import { SignedClient } from '../../../connectors/signed-http.js';
import { signRequest } from '../../../crypto/http-signatures.js';
import { decodeEntry } from '../../../gateway/ledger/format.js';
import { buildGateway } from '../../../gateway/server.js';
import { DSP_CONTEXT } from '../../../policies/dsp/version.js';
import { APPROVAL, PURPOSE } from '../../../policies/negotiation/extensions.js';
import { hospitalProfile, sponsorProfile, tempDir, testIdentity } from '../../helpers.js';
import { freshDatabase, pgSkip } from '../../pg.js';

type T = Parameters<typeof tempDir>[0];
const offer = {
  '@id': 'dm:offer', '@type': 'Offer', [APPROVAL]: 'auto',
  permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
};
const dataset = (id: string) => ({
  id, title: 'DM', schema: { fields: [{ name: 'USUBJID', type: 'utf8', role: 'direct-identifier' }] }, subjects: 10,
  compliance: { importantData: 'none' }, source: { format: 'csv' }, offers: [{ ...offer, '@id': `${id}:offer` }],
});

async function twoReplicas(t: T, publicUrl?: string, resumeIntervalMs?: number): Promise<{ apps: FastifyInstance[]; bases: string[]; db: pg.Pool }> {
  const url = await freshDatabase(t);
  const dir = tempDir(t);
  const apps = await Promise.all(['a', 'b'].map((name) => buildGateway({
    store: url, replica: name, dataDir: join(dir, name), identity: testIdentity(3), port: 0, logLevel: 'silent', ledger: { checkpointIntervalMs: 0 },
    ...(publicUrl && { publicUrl }), ...(resumeIntervalMs && { resumeIntervalMs }),
  })));
  const bases = await Promise.all(apps.map((a) => a.listen({ host: '127.0.0.1', port: 0 })));
  const db = new pg.Pool({ connectionString: url, max: 1 });
  t.teardown(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await db.end();
  });
  return { apps, bases, db };
}

async function types(db: pg.Pool, prefix: string): Promise<string[]> {
  const { rows } = await db.query<{ payload: Buffer }>('SELECT payload FROM dataport_ledger_entries ORDER BY seq');
  return rows.map((r) => decodeEntry(r.payload).type).filter((x) => x.startsWith(prefix));
}

t.test('what one replica commits, the next request to the other sees', { skip: pgSkip }, async (t) => {
  const { bases } = await twoReplicas(t);
  const provider = new SignedClient(bases[0]!, testIdentity(60));
  await provider.json('POST', '/participants', hospitalProfile);
  await provider.json('POST', '/datasets', dataset('dm'));
  const other = new SignedClient(bases[1]!, testIdentity(60));
  const seen = await other.json<{ id: string; provider: string }>('GET', '/datasets/dm');
  t.match(seen, { id: 'dm', provider: testIdentity(60).did });
});

t.test('one dataset id published on both replicas at once: one is published, the other is a conflict', { skip: pgSkip }, async (t) => {
  const { bases, db } = await twoReplicas(t);
  await new SignedClient(bases[0]!, testIdentity(60)).json('POST', '/participants', hospitalProfile);
  const answers = await Promise.all(bases.map((b) => new SignedClient(b, testIdentity(60)).send('POST', '/datasets', dataset('twice'))));
  t.same(answers.map((a) => a.status).sort(), [201, 409]);
  t.same(await types(db, 'dataset.'), ['dataset.published']);
});

t.test('the same contract request sent to both replicas at once starts one negotiation', { skip: pgSkip }, async (t) => {
  const { bases, db } = await twoReplicas(t);
  const provider = new Connector({ gateway: bases[0]!, identity: testIdentity(60) });
  const consumer = new Connector({ gateway: bases[1]!, identity: testIdentity(61) });
  await provider.start();
  await consumer.start();
  t.teardown(async () => {
    await consumer.stop();
    await provider.stop();
  });
  await provider.register(hospitalProfile as never);
  await consumer.register(sponsorProfile as never);
  await provider.publish(dataset('dm'));
  const message = {
    '@context': [DSP_CONTEXT], '@type': 'ContractRequestMessage', consumerPid: 'urn:uuid:0e6f3c1e-1d7c-4f0e-9a43-2b7e2c9d5a11',
    offer: { ...offer, '@id': 'dm:offer', target: 'dm' }, callbackAddress: consumer.callbackAddress, [PURPOSE]: 'research',
  };
  const answers = await Promise.all(bases.map((b) => new SignedClient(b, testIdentity(61)).send<{ providerPid: string }>('POST', '/negotiations/request', message)));
  t.same(answers.map((a) => a.status).sort(), [200, 201], 'one created it, the other answered with it');
  t.equal(answers[0]!.body.providerPid, answers[1]!.body.providerPid);
  t.same(await types(db, 'negotiation.requested'), ['negotiation.requested']);
});

t.test('a signed request replayed to the other replica is refused there too', { skip: pgSkip }, async (t) => {
  // Both replicas answer at one public address, as behind a balancer: one signature fits both.
  const front = 'http://gateway.test';
  const { bases } = await twoReplicas(t, front);
  const signed = (method: string, path: string, body?: unknown) => {
    const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json', ...(bytes && { 'content-type': 'application/json' }) };
    return { method, headers: { ...headers, ...signRequest({ method, url: `${front}${path}`, headers, body: bytes }, testIdentity(60)) }, ...(bytes && { body: bytes }) };
  };
  t.equal((await fetch(`${bases[0]}/participants`, signed('POST', '/participants', hospitalProfile))).status, 201);
  const path = `/participants/${encodeURIComponent(testIdentity(60).did)}`;
  const request = signed('GET', path);
  t.equal((await fetch(`${bases[0]}${path}`, request)).status, 200);
  const replayed = await fetch(`${bases[1]}${path}`, request);
  t.equal(replayed.status, 401);
  t.match(await replayed.json(), { code: 'DP_ERR_SIGNATURE_REPLAYED' });
});

t.test('a negotiation waiting for the provider\'s decision by hand is not asked again by the look for orphaned work', { skip: pgSkip }, async (t) => {
  const { bases } = await twoReplicas(t, undefined, 50);
  // The provider's connector: answers every approval request with 202 (a person decides later), counting them.
  let asked = 0;
  const callback = createServer((req, res) => {
    req.resume();
    if (req.url?.endsWith('/dataport/approvals')) asked++;
    res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => callback.close(() => r())));
  const provider = new SignedClient(bases[0]!, testIdentity(60));
  await provider.json('POST', '/participants', { ...hospitalProfile, callbackAddress: `http://127.0.0.1:${(callback.address() as AddressInfo).port}` });
  await provider.json('POST', '/datasets', { ...dataset('dm'), offers: [{ ...offer, '@id': 'dm:offer', [APPROVAL]: 'manual' }] });
  const consumer = new SignedClient(bases[1]!, testIdentity(61));
  await consumer.json('POST', '/participants', sponsorProfile);
  await consumer.json('POST', '/negotiations/request', {
    '@context': [DSP_CONTEXT], '@type': 'ContractRequestMessage', consumerPid: 'urn:uuid:5a0e1b2c-3d4e-4f50-8a61-7b8c9d0e1f22',
    offer: { ...offer, '@id': 'dm:offer', [APPROVAL]: 'manual', target: 'dm' }, callbackAddress: 'http://127.0.0.1:9/callback', [PURPOSE]: 'research',
  });
  await new Promise((r) => setTimeout(r, 1500)); // thirty looks for orphaned work on each replica
  t.ok(asked >= 1 && asked <= 2, `the provider was asked ${asked} time(s): at most once per replica`);
});
