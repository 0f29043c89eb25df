import t from 'tap';
import { buildGateway } from '../../../gateway/server.js';
import { SignedClient, GatewayError } from '../../../connectors/signed-http.js';
import { signRequest } from '../../../crypto/http-signatures.js';
import { dmDataset, hospitalProfile, sponsorProfile, tempDir, testIdentity } from '../../helpers.js';
import { fileLedger } from '../../../gateway/ledger/ledger.js';

type T = Parameters<typeof tempDir>[0];

async function gateway(t: T, dataDir = tempDir(t), maxSkewSeconds = 300) {
  const app = await buildGateway({ dataDir, port: 0, logLevel: 'silent', identity: testIdentity(3), maxSkewSeconds, ledger: { checkpointIntervalMs: 0 } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base, dataDir };
}

const hospital = testIdentity(20);
const sponsor = testIdentity(21);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof GatewayError ? `${e.status} ${e.code}` : String(e);
  }
}

t.test('a participant registers its did:key by signing the request, and updates it the same way', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const client = new SignedClient(base, hospital);
  const res = await client.send('POST', '/participants', hospitalProfile);
  t.equal(res.status, 201);
  t.match(res.body, { did: hospital.did, legalName: hospitalProfile.legalName, roles: ['provider'], exporter: { zone: 'beijing-ftz' } });
  const again = await client.send('POST', '/participants', { ...hospitalProfile, legalName: 'BUHN' });
  t.equal(again.status, 200);
  t.equal((again.body as { legalName: string }).legalName, 'BUHN');
  const types = [...fileLedger(app.ledger).replay()].map((e) => e.type);
  t.same(types.filter((x) => x.startsWith('participant.')), ['participant.registered', 'participant.updated']);
});

t.test('unsigned, wrongly signed, stale and replayed requests get 401 with their DP_ERR code', async (t) => {
  const { app, base } = await gateway(t, undefined, 60);
  t.teardown(() => app.close());
  const url = `${base}/participants`;
  const body = Buffer.from(JSON.stringify(sponsorProfile));
  const post = (headers: Record<string, string>, b: Buffer = body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
  const sign = (opts = {}) => signRequest({ method: 'POST', url, headers: {}, body }, sponsor, opts);

  const unsigned = await post({});
  t.equal(unsigned.status, 401);
  t.equal(((await unsigned.json()) as { code: string }).code, 'DP_ERR_SIGNATURE_MISSING');

  const altered = await post(sign(), Buffer.from(JSON.stringify({ ...sponsorProfile, legalName: 'Evil' })));
  t.equal(altered.status, 401);
  t.equal(((await altered.json()) as { code: string }).code, 'DP_ERR_DIGEST_MISMATCH');

  const forged = sign();
  const other = signRequest({ method: 'POST', url, headers: {}, body }, testIdentity(66));
  forged.signature = other.signature!; // a signature by another key under the sponsor's keyid
  const wrongKey = await post(forged);
  t.equal(wrongKey.status, 401);
  t.equal(((await wrongKey.json()) as { code: string }).code, 'DP_ERR_SIGNATURE_INVALID');

  const stale = await post(sign({ created: Math.floor(Date.now() / 1000) - 3600 }));
  t.equal(stale.status, 401);
  t.equal(((await stale.json()) as { code: string }).code, 'DP_ERR_SIGNATURE_EXPIRED');

  const headers = sign();
  t.equal((await post(headers)).status, 201, 'the first use is accepted');
  const replay = await post(headers);
  t.equal(replay.status, 401);
  t.equal(((await replay.json()) as { code: string }).code, 'DP_ERR_SIGNATURE_REPLAYED');

  const garbage = await post({ signature: 'dp=:AAAA:', 'signature-input': 'nonsense(' });
  t.equal(garbage.status, 401);
  t.equal(((await garbage.json()) as { code: string }).code, 'DP_ERR_SIGNATURE_INVALID');
});

t.test('a provider must give its exporter profile; bad profiles get 400 DP_ERR_VALIDATION', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const client = new SignedClient(base, hospital);
  t.equal(await code(client.json('POST', '/participants', { ...hospitalProfile, exporter: undefined })), '400 DP_ERR_VALIDATION');
  t.equal(await code(client.json('POST', '/participants', { ...sponsorProfile, jurisdiction: 'Germany' })), '400 DP_ERR_VALIDATION');
  t.equal(await code(client.json('POST', '/participants', { ...sponsorProfile, roles: ['admin'] })), '400 DP_ERR_VALIDATION');
  const res = await client.send('POST', '/participants', '{not json', { 'content-type': 'application/json' });
  t.equal(res.status, 400);
});

t.test('a provider publishes, updates and withdraws a dataset; others cannot see or touch it', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const h = new SignedClient(base, hospital);
  const s = new SignedClient(base, sponsor);
  await h.json('POST', '/participants', hospitalProfile);
  await s.json('POST', '/participants', sponsorProfile);

  const published = await h.send<{ id: string; version: number; provider: string; status: string }>('POST', '/datasets', dmDataset());
  t.equal(published.status, 201);
  t.equal(published.headers.location, '/datasets/cdiscpilot01-dm');
  t.match(published.body, { id: 'cdiscpilot01-dm', version: 1, provider: hospital.did, status: 'published' });

  t.equal(await code(h.json('POST', '/datasets', dmDataset())), '409 DP_ERR_CONFLICT', 'the same id twice');
  t.equal(await code(s.json('POST', '/datasets', dmDataset('x'))), '403 DP_ERR_FORBIDDEN', 'a consumer cannot publish');
  t.equal(await code(s.json('GET', '/datasets/cdiscpilot01-dm')), '403 DP_ERR_FORBIDDEN');

  const updated = await h.json<{ version: number; title: string }>('PUT', '/datasets/cdiscpilot01-dm', { ...dmDataset(), title: 'DM v2' });
  t.equal(updated.version, 2);
  t.equal(updated.title, 'DM v2');
  t.same((await h.json<{ id: string }[]>('GET', '/datasets')).map((d) => d.id), ['cdiscpilot01-dm']);

  const withdrawn = await h.json<{ status: string; version: number }>('DELETE', '/datasets/cdiscpilot01-dm');
  t.equal(withdrawn.status, 'withdrawn');
  t.equal(await code(h.json('PUT', '/datasets/cdiscpilot01-dm', dmDataset())), '409 DP_ERR_CONFLICT', 'a withdrawn dataset stays withdrawn');
  t.equal(await code(h.json('GET', '/datasets/nope')), '404 DP_ERR_NOT_FOUND');
});

t.test('an unregistered key is refused with DP_ERR_NOT_REGISTERED; a bad dataset with DP_ERR_VALIDATION', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const h = new SignedClient(base, hospital);
  t.equal(await code(h.json('POST', '/datasets', dmDataset())), '403 DP_ERR_NOT_REGISTERED');
  await h.json('POST', '/participants', hospitalProfile);
  const bad = dmDataset();
  (bad.schema.fields[0] as { role: string }).role = 'secret';
  t.equal(await code(h.json('POST', '/datasets', bad)), '400 DP_ERR_VALIDATION');
  t.equal(await code(h.json('POST', '/datasets', { ...dmDataset(), offers: [] })), '400 DP_ERR_VALIDATION');
});

t.test('the control-plane state is rebuilt from the ledger after a restart', async (t) => {
  const dataDir = tempDir(t);
  const first = await gateway(t, dataDir);
  const h = new SignedClient(first.base, hospital);
  await h.json('POST', '/participants', hospitalProfile);
  await h.json('POST', '/datasets', dmDataset());
  await h.json('PUT', '/datasets/cdiscpilot01-dm', { ...dmDataset(), title: 'DM v2' });
  await first.app.close();

  const second = await gateway(t, dataDir);
  t.teardown(() => second.app.close());
  const d = second.app.state.datasets.get('cdiscpilot01-dm');
  t.match(d, { title: 'DM v2', version: 2, provider: hospital.did, status: 'published' });
  t.equal(second.app.state.participant(hospital.did)?.legalName, hospitalProfile.legalName);
  const h2 = new SignedClient(second.base, hospital);
  t.equal((await h2.json<{ title: string }>('GET', '/datasets/cdiscpilot01-dm')).title, 'DM v2');
});

t.test('the OpenAPI document lists the management routes with their schemas', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const doc = await (await fetch(`${base}/openapi.json`)).json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown }>> };
  t.equal(doc.openapi, '3.1.0');
  for (const path of ['/participants', '/datasets', '/datasets/{id}', '/participants/{did}']) t.ok(doc.paths[path], path);
  t.ok(doc.paths['/datasets']!.post!.requestBody, 'request body schema');
  t.same(doc.paths['/datasets']!.post!.security, [{ httpMessageSignature: [] }]);
  for (const path of ['/aggregation/jobs', '/aggregation/jobs/{id}/contributions', '/compliance/exporters/{did}']) t.ok(doc.paths[path], path);
});

t.test('/docs is a page of its own that renders /openapi.json, with nothing loaded from elsewhere', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const res = await fetch(`${base}/docs`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/html/);
  const html = await res.text();
  t.match(html, /fetch\('\/openapi\.json'\)/);
  t.notMatch(html, /(src|href)="https?:/, 'no script or style from another origin');
});

t.test('an offer the engine cannot enforce is refused at publication, naming the problem', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const h = new SignedClient(base, hospital);
  await h.json('POST', '/participants', hospitalProfile);
  const unknownOperand = { ...dmDataset(), offers: [{ '@id': 'o1', permission: [{ action: 'use', constraint: [{ leftOperand: 'partner', operator: 'eq', rightOperand: 'x' }] }] }] };
  const res = await h.send<{ code: string; message: string }>('POST', '/datasets', unknownOperand);
  t.equal(res.status, 400);
  t.equal(res.body.code, 'DP_ERR_POLICY_INVALID');
  t.match(res.body.message, /partner/);
  const twice = { ...dmDataset(), offers: [dmDataset().offers[0]!, dmDataset().offers[0]!] };
  t.equal(await code(h.json('POST', '/datasets', twice)), '400 DP_ERR_POLICY_INVALID');
  t.equal(app.state.datasets.size, 0, 'nothing was published');
});

t.test('POST /policies/evaluate is a dry run that returns the decision with its trace', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const s = new SignedClient(base, sponsor);
  await s.json('POST', '/participants', sponsorProfile);
  const policy = { '@id': 'p', permission: [{ action: 'use', constraint: [{ leftOperand: 'spatial', operator: 'isPartOf', rightOperand: 'EU' }] }] };
  const denied = await s.json<{ allowed: boolean; reason: string; trace: { constraints: { leftOperand: string; value: unknown; result: unknown }[] }[] }>('POST', '/policies/evaluate', {
    policy, request: { action: 'use', scope: 'negotiation' }, context: { now: '2026-11-27T10:00:00Z', consumer: { did: sponsor.did, jurisdiction: 'US' } },
  });
  t.equal(denied.allowed, false);
  t.match(denied.reason, /spatial/);
  t.match(denied.trace[0]!.constraints[0], { leftOperand: 'spatial', result: false });
  const allowed = await s.json<{ allowed: boolean }>('POST', '/policies/evaluate', {
    policy, request: { action: 'use', scope: 'negotiation' }, context: { now: '2026-11-27T10:00:00Z', consumer: { did: sponsor.did, jurisdiction: 'DE' } },
  });
  t.equal(allowed.allowed, true, 'DE isPartOf EU with the gateway\'s region data');
});

t.test('an unsigned DSP request gets 401 as a ContractNegotiationError', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const res = await fetch(`${base}/negotiations/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(res.status, 401);
  t.match(await res.json(), { '@type': 'ContractNegotiationError', code: 'DP_ERR_SIGNATURE_MISSING' });
});
