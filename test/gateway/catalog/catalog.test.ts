import t from 'tap';
import { buildGateway } from '../../../gateway/server.js';
import { SignedClient } from '../../../connectors/signed-http.js';
import { DSP_CONTEXT } from '../../../policies/dsp/version.js';
import { validateDspMessage } from '../../../policies/dsp/validate.js';
import { dmDataset, hospitalProfile, sponsorProfile, tempDir, testIdentity } from '../../helpers.js';

type T = Parameters<typeof tempDir>[0];
const hospital = testIdentity(40);
const sponsor = testIdentity(41);
const request = (filter?: unknown[]) => ({ '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage', ...(filter ? { filter } : {}) });

async function world(t: T) {
  const app = await buildGateway({ dataDir: tempDir(t), port: 0, logLevel: 'silent', identity: testIdentity(3), catalogPageSize: 2, ledger: { checkpointIntervalMs: 0 } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const h = new SignedClient(base, hospital);
  const s = new SignedClient(base, sponsor);
  await h.json('POST', '/participants', hospitalProfile);
  await s.json('POST', '/participants', sponsorProfile);
  for (const [id, keywords] of [['ae', ['safety']], ['dm', ['demographics']], ['lb', ['labs']], ['vs', ['vitals', 'safety']], ['ex', []]] as const) {
    await h.json('POST', '/datasets', { ...dmDataset(id), title: `CDISC pilot ${id.toUpperCase()}`, keywords });
  }
  await h.json('DELETE', '/datasets/ex');
  return { app, base, h, s };
}

t.test('the catalog is paged with RFC 8288 Link headers, next and previous', async (t) => {
  const { s } = await world(t);
  const first = await s.send<{ dataset: { '@id': string }[] }>('POST', '/catalog/request', request());
  t.equal(first.status, 200);
  t.ok(validateDspMessage('Catalog', first.body).ok);
  t.same(first.body.dataset.map((d) => d['@id']), ['ae', 'dm']);
  const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))![1]!;
  t.notMatch(String(first.headers.link), /previous/);
  const second = await s.send<{ dataset: { '@id': string }[] }>('POST', next, request());
  t.same(second.body.dataset.map((d) => d['@id']), ['lb', 'vs'], 'the withdrawn dataset is not listed');
  t.match(String(second.headers.link), /rel="previous"/);
  t.notMatch(String(second.headers.link), /rel="next"/);
  const bad = await s.send<{ '@type': string; code: string }>('POST', '/catalog/request?continuationToken=%%%', request());
  t.equal(bad.status, 400);
  t.equal(bad.body['@type'], 'CatalogError');
  t.ok(validateDspMessage('CatalogError', bad.body).ok);
});

t.test('filters by keyword and text; an unsupported filter is a 400 CatalogError', async (t) => {
  const { s } = await world(t);
  const safety = await s.json<{ dataset: { '@id': string }[] }>('POST', '/catalog/request', request([{ keyword: 'safety' }]));
  t.same(safety.dataset.map((d) => d['@id']), ['ae', 'vs']);
  const text = await s.json<{ dataset: { '@id': string }[] }>('POST', '/catalog/request', request([{ text: 'pilot lb' }]));
  t.same(text.dataset.map((d) => d['@id']), ['lb']);
  const bad = await s.send<{ code: string; reason: string[] }>('POST', '/catalog/request', request([{ sql: 'select *' }]));
  t.equal(bad.status, 400);
  t.match(bad.body.reason[0], /filter term sql is not supported/);
});

t.test('one dataset by id, as a DSP Dataset; unknown or withdrawn ones are 404', async (t) => {
  const { s } = await world(t);
  const d = await s.send<Record<string, unknown>>('GET', '/catalog/datasets/dm');
  t.equal(d.status, 200);
  t.ok(validateDspMessage('Dataset', d.body).ok, 'a valid DSP Dataset');
  t.equal(d.body['https://w3id.org/dataport/v1#provider'], hospital.did);
  t.equal((await s.send('GET', '/catalog/datasets/ex')).status, 404);
  t.equal((await s.send('GET', '/catalog/datasets/nope')).status, 404);
});

t.test('the catalog needs a signed request from a registered participant', async (t) => {
  const { base } = await world(t);
  const res = await fetch(`${base}/catalog/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request()) });
  t.equal(res.status, 401);
  t.match(await res.json(), { '@type': 'CatalogError', code: 'DP_ERR_SIGNATURE_MISSING' });
});

t.test('/.well-known/dspace-version announces DSP 2025-1, unauthenticated', async (t) => {
  const { base } = await world(t);
  const res = await fetch(`${base}/.well-known/dspace-version`);
  const body = await res.json();
  t.equal(res.status, 200);
  t.ok(validateDspMessage('VersionResponse', body).ok);
  t.match(body, { protocolVersions: [{ version: '2025-1', path: '/', binding: 'HTTPS' }] });
  const self = await (await fetch(`${base}/.well-known/dataport`)).json() as { did: string };
  t.equal(self.did, testIdentity(3).did);
});

t.test('the SDK reads every page of the catalog', async (t) => {
  const { base } = await world(t);
  const { Connector } = await import('../../../connectors/connector.js');
  const c = new Connector({ gateway: base, identity: sponsor });
  t.same((await c.catalog()).map((d) => d['@id']), ['ae', 'dm', 'lb', 'vs']);
  t.same((await c.catalog([{ keyword: 'safety' }])).map((d) => d['@id']), ['ae', 'vs']);
  t.equal((await c.dataset('lb')).title, 'CDISC pilot LB');
});
