// Homomorphic aggregation end to end over HTTP on loopback: the CDISC pilot's adverse events split
// by site into separate providers; an analyst asks for serious adverse events by body system and
// arm; each site encrypts its local counts under the analyst's key; the gateway adds the
// ciphertexts and the noise without any secret key; the analyst's decrypted totals equal the
// plaintext totals (computed here from the files) within the noise bound. And every refusal.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Connector } from '../../../connectors/connector.js';
import { localAggregate } from '../../../connectors/aggregation.js';
import { readSource } from '../../../connectors/sources/index.js';
import { toBase64 } from '../../../crypto/bytes.js';
import { laplaceBound } from '../../../crypto/dp.js';
import { encryptVector, generateAnalystKeys } from '../../../crypto/he/index.js';
import type { GatewayConfigInput } from '../../../gateway/config.js';
import { buildGateway } from '../../../gateway/server.js';
import { AGGREGATION_PROPERTY, type AggregationQuery } from '../../../policies/aggregation/terms.js';
import { hospitalProfile, sponsorProfile, tempDir, testIdentity } from '../../helpers.js';
import { freshDatabase, pgSkip } from '../../pg.js';
import { fileLedger } from '../../../gateway/ledger/ledger.js';

type T = Parameters<typeof tempDir>[0];
const DATA = join(process.cwd(), '../shared/data/cdiscpilot01');
const skip = existsSync(join(DATA, 'ae.csv')) ? false : `real data not found at ${DATA} (run from the repository root with ../shared/data present)`;
const SITES = ['701', '708', '710'];
const analystKey = testIdentity(70);

/** CSV rows, parsed simply (the pilot's files quote every text field and hold no embedded quotes). */
function rows(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const split = (l: string) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((c) => c.replace(/^"|"$/g, ''));
  const names = split(head!);
  return lines.map((l) => Object.fromEntries(split(l).map((v, i) => [names[i]!, v])));
}

/** One file per site: its adverse events with each subject's arm from DM. */
function siteFiles(dir: string): { files: Record<string, string>; all: Record<string, string>[] } {
  const arm = new Map(rows(join(DATA, 'dm.csv')).map((r) => [r['USUBJID']!, r['ARM']!]));
  const ae = rows(join(DATA, 'ae.csv')).map((r) => ({ USUBJID: r['USUBJID']!, SITEID: r['USUBJID']!.split('-')[1]!, AEBODSYS: r['AEBODSYS']!, AESER: r['AESER']!, AESEV: r['AESEV']!, ARM: arm.get(r['USUBJID']!)! }));
  const files: Record<string, string> = {};
  for (const site of SITES) {
    const path = join(dir, `ae-${site}.csv`);
    const mine = ae.filter((r) => r.SITEID === site);
    writeFileSync(path, ['USUBJID,AEBODSYS,AESER,AESEV,ARM', ...mine.map((r) => [r.USUBJID, `"${r.AEBODSYS}"`, r.AESER, r.AESEV, `"${r.ARM}"`].join(','))].join('\n') + '\n');
    files[site] = path;
  }
  return { files, all: ae.filter((r) => SITES.includes(r.SITEID)) };
}

const terms = { statistics: ['count'], groupBy: ['AEBODSYS', 'ARM', 'AESER', 'AESEV'], minProviders: 3, minCohort: 1, epsilon: 1, epsilonBudget: 2 };
const aggregateOffer = (site: string) => ({
  '@id': `ae-${site}:aggregate`, '@type': 'Offer', 'https://w3id.org/dataport/v1#approval': 'auto',
  permission: [{ action: 'aggregate', [AGGREGATION_PROPERTY]: terms }],
});

async function world(t: T, gateway: GatewayConfigInput = {}) {
  const dir = tempDir(t);
  const { files, all } = siteFiles(dir);
  const app = await buildGateway({ dataDir: join(dir, 'gw'), port: 0, logLevel: 'silent', identity: testIdentity(5), ledger: { checkpointIntervalMs: 0 }, ...gateway });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const sites = SITES.map((site, i) => ({ site, file: files[site]!, connector: new Connector({ gateway: base, identity: testIdentity(71 + i) }) }));
  const analyst = new Connector({ gateway: base, identity: analystKey });
  await analyst.start();
  for (const s of sites) await s.connector.start();
  t.teardown(async () => {
    for (const s of sites) await s.connector.stop();
    await analyst.stop();
    await app.close();
  });
  await analyst.register(sponsorProfile as never);
  const agreements: string[] = [];
  for (const s of sites) {
    await s.connector.register({ ...hospitalProfile, legalName: `Site ${s.site} hospital` } as never);
    await s.connector.publish({
      id: `ae-${s.site}`, title: `CDISCPILOT01 adverse events, site ${s.site}`,
      schema: { fields: [
        { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
        { name: 'AEBODSYS', type: 'utf8', role: 'sensitive', category: 'health' },
        { name: 'AESER', type: 'utf8', role: 'sensitive', category: 'health' },
        { name: 'AESEV', type: 'utf8', role: 'sensitive', category: 'health' },
        { name: 'ARM', type: 'utf8', role: 'quasi-identifier' },
      ] },
      subjects: 100, compliance: { importantData: 'none' }, source: { format: 'csv' }, offers: [aggregateOffer(s.site)],
    });
    const a = await analyst.negotiate({ datasetId: `ae-${s.site}`, offer: aggregateOffer(s.site), purpose: 'research' });
    agreements.push(a.agreement['@id']);
  }
  return { app, analyst, sites, agreements, all, dir };
}

function query(all: Record<string, string>[], where = [{ column: 'AESER', equals: 'Y' }]): AggregationQuery {
  const values = (c: string) => [...new Set(all.map((r) => r[c]!))].sort();
  return { statistic: 'count', groupBy: [{ column: 'AEBODSYS', values: values('AEBODSYS') }, { column: 'ARM', values: values('ARM') }], where };
}

const soon = (ms = 60_000) => new Date(Date.now() + ms);

t.test('adverse events by body system and arm across three sites: the decrypted totals are the plaintext totals plus noise within its bound', { skip }, async (t) => {
  const w = await world(t);
  // All adverse events (not only the 3 serious ones) so that most cells hold something.
  const q = query(w.all, []);
  const { job, keys } = await w.analyst.aggregation.open({ agreements: w.agreements, query: q, epsilon: 1, deadline: soon() });
  t.equal(job.state, 'OPEN');
  t.same(job.providers.map((p) => p.contributed), [false, false, false]);
  for (const s of w.sites) {
    const c = await s.connector.aggregation.contribute(job.id, { path: s.file, format: 'csv' });
    t.equal(c.suppressedCells, 0, `site ${s.site}: minCohort 1 leaves nothing out`);
  }
  const settled = await w.analyst.aggregation.settled(job.id);
  t.equal(settled.state, 'RELEASED', 'released once every expected provider contributed');
  const result = await w.analyst.aggregation.result(job.id, keys);
  const cells = q.groupBy[0]!.values.length * q.groupBy[1]!.values.length;
  t.equal(result.cells.length, cells);
  t.match(result.noise, { mechanism: 'discrete-laplace', epsilon: 1, sensitivity: 1, scale: 1, confidence: 0.95 });
  // The plaintext totals, counted here from the rows.
  const truth = new Map<string, number>();
  for (const r of w.all) truth.set(`${r['AEBODSYS']}|${r['ARM']}`, (truth.get(`${r['AEBODSYS']}|${r['ARM']}`) ?? 0) + 1);
  const errors = result.cells.map((c) => c.value - (truth.get(`${c.labels['AEBODSYS']}|${c.labels['ARM']}`) ?? 0));
  const simultaneous = laplaceBound(1, 1 - 1e-9 / cells); // all cells at once, failing once in a billion runs
  t.ok(errors.every((e) => Math.abs(e) <= simultaneous), `every cell within ±${simultaneous} of the truth (errors ${errors.join(' ')})`);
  t.ok(errors.some((e) => e !== 0), 'noise was added');
  t.equal(result.cells.reduce((n, c) => n + c.value, 0) - w.all.length, errors.reduce((a, b) => a + b, 0), 'the grand total is the truth plus the summed noise');
  await w.app.ledger.flush();
  const types = [...fileLedger(w.app.ledger).replay()].map((e) => e.type).filter((x) => x.startsWith('aggregation.'));
  t.same(types, ['aggregation.opened', 'aggregation.contributed', 'aggregation.contributed', 'aggregation.contributed', 'aggregation.released']);

  // The serious ones only (AESER = Y): a second job, the budget's second unit of epsilon.
  const serious = query(w.all);
  const second = await w.analyst.aggregation.open({ agreements: w.agreements, query: serious, epsilon: 1, deadline: soon(), keys });
  for (const s of w.sites) await s.connector.aggregation.contribute(second.job.id, { path: s.file, format: 'csv' });
  await w.analyst.aggregation.settled(second.job.id);
  const got = await w.analyst.aggregation.result(second.job.id, keys);
  const seriousTruth = new Map<string, number>();
  for (const r of w.all.filter((x) => x['AESER'] === 'Y')) seriousTruth.set(`${r['AEBODSYS']}|${r['ARM']}`, (seriousTruth.get(`${r['AEBODSYS']}|${r['ARM']}`) ?? 0) + 1);
  const seriousErrors = got.cells.map((c) => c.value - (seriousTruth.get(`${c.labels['AEBODSYS']}|${c.labels['ARM']}`) ?? 0));
  t.ok(seriousErrors.every((e) => Math.abs(e) <= simultaneous), `serious adverse events: every cell within ±${simultaneous} of the truth`);
  t.equal(w.app.state.aggregation.spentBy(analystKey.did, 'ae-701'), 2, 'two jobs: the whole budget of ae-701 spent');
});

t.test('refusals: a duplicate or late contribution 409, wrong parameters or a corrupt ciphertext 400, an exhausted budget 403', { skip }, async (t) => {
  const w = await world(t);
  const q = query(w.all);
  const { job } = await w.analyst.aggregation.open({ agreements: w.agreements, query: q, epsilon: 1, deadline: soon() });
  const [a, b, c] = w.sites as [typeof w.sites[0], typeof w.sites[0], typeof w.sites[0]];
  const path = `/aggregation/jobs/${encodeURIComponent(job.id)}/contributions`;
  const other = await generateAnalystKeys('bfv-4096');
  const wrong = await encryptVector('bfv-4096', other.publicKey, [1, 2, 3]);
  await t.rejects(a.connector.client.json('POST', path, { ciphertext: toBase64(wrong) }), { status: 400, code: 'DP_ERR_HE_CIPHERTEXT_INVALID' }, 'a ciphertext of other parameters');
  await t.rejects(a.connector.client.json('POST', path, { ciphertext: toBase64(new Uint8Array(300).fill(7)) }), { status: 400, code: 'DP_ERR_HE_CIPHERTEXT_INVALID' }, 'garbage');
  await t.rejects(a.connector.client.json('POST', path, { ciphertext: 'not base64 at all!' }), { status: 400, code: 'DP_ERR_VALIDATION' }, 'not base64');
  await a.connector.aggregation.contribute(job.id, { path: a.file, format: 'csv' });
  await t.rejects(a.connector.aggregation.contribute(job.id, { path: a.file, format: 'csv' }), { status: 409, code: 'DP_ERR_CONFLICT' }, 'twice');
  await t.rejects(w.analyst.client.json('POST', path, { ciphertext: toBase64(wrong) }), { status: 403, code: 'DP_ERR_FORBIDDEN' }, 'the analyst is not a provider');
  await b.connector.aggregation.contribute(job.id, { path: b.file, format: 'csv' });
  await c.connector.aggregation.contribute(job.id, { path: c.file, format: 'csv' });
  await t.rejects(c.connector.aggregation.contribute(job.id, { path: c.file, format: 'csv' }), { status: 409, code: 'DP_ERR_CONFLICT' }, 'after the release');
  // The budget is 2 per dataset and each job spends 1: one more job, then none.
  await w.analyst.aggregation.open({ agreements: w.agreements, query: q, epsilon: 1, deadline: soon() });
  const refused = await w.analyst.aggregation.open({ agreements: w.agreements, query: q, epsilon: 1, deadline: soon() }).catch((e: unknown) => e);
  t.match(refused, { status: 403, code: 'DP_ERR_BUDGET_EXHAUSTED' }, 'one job released and one open hold the whole budget of 2');
});

t.test('jobs opened at once on two replicas against the last of the budget: one opens, the other is refused', { skip: skip || pgSkip }, async (t) => {
  const url = await freshDatabase(t);
  const w = await world(t, { store: url });
  const other = await buildGateway({ store: url, dataDir: join(w.dir, 'gw-b'), port: 0, logLevel: 'silent', identity: testIdentity(5), ledger: { checkpointIntervalMs: 0 } });
  const otherBase = await other.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => other.close());
  const q = query(w.all);
  // The budget is 2 per dataset and each job spends 1: one job opened, then two at once, one on each replica.
  await w.analyst.aggregation.open({ agreements: w.agreements, query: q, epsilon: 1, deadline: soon() });
  const viaOther = new Connector({ gateway: otherBase, identity: analystKey });
  const outcomes = await Promise.all([w.analyst, viaOther].map((c) => c.aggregation.open({ agreements: w.agreements, query: q, epsilon: 1, deadline: soon() })
    .then(() => 'opened', (e: unknown) => (e as { code: string }).code)));
  t.same(outcomes.sort(), ['DP_ERR_BUDGET_EXHAUSTED', 'opened']);
  t.equal(w.app.state.aggregation.committed(analystKey.did, 'ae-701'), 2, 'open jobs hold exactly the budget');
});

t.test('more epsilon than the terms allow per job, or a column they do not name: 403 with the term', { skip }, async (t) => {
  const w = await world(t);
  await t.rejects(w.analyst.aggregation.open({ agreements: w.agreements, query: query(w.all), epsilon: 1.5, deadline: soon() }), { status: 403, code: 'DP_ERR_POLICY_DENIED', message: /epsilon 1.5/ });
  const byId: AggregationQuery = { statistic: 'count', groupBy: [{ column: 'USUBJID', values: ['01-701-1015'] }] };
  await t.rejects(w.analyst.aggregation.open({ agreements: w.agreements, query: byId, epsilon: 1, deadline: soon() }), { status: 403, message: /USUBJID/ });
  await t.rejects(w.analyst.aggregation.open({ agreements: w.agreements.slice(0, 2), query: query(w.all), epsilon: 1, deadline: soon() }), { status: 403, message: /at least 3 contributing providers/ });
});

t.test('too few contributions by the deadline: the job fails and nothing is released', { skip }, async (t) => {
  const w = await world(t);
  const { job, keys } = await w.analyst.aggregation.open({ agreements: w.agreements, query: query(w.all), epsilon: 1, deadline: soon(1500) });
  await w.sites[0]!.connector.aggregation.contribute(job.id, { path: w.sites[0]!.file, format: 'csv' });
  const settled = await w.analyst.aggregation.settled(job.id, 10_000);
  t.equal(settled.state, 'FAILED');
  t.match(settled.failure, /1 of the 3 providers/);
  t.equal(settled.released, undefined);
  await t.rejects(w.analyst.aggregation.result(job.id, keys), { code: 'DP_ERR_CONFLICT' });
  t.equal(w.app.state.aggregation.spentBy(analystKey.did, 'ae-701'), 0, 'a failed job spends no budget');
});

t.test('a provider leaves out its own cells resting on fewer records than the minimum cohort', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ae.csv');
  writeFileSync(file, 'AEBODSYS,ARM\nA,x\nA,x\nA,x\nB,x\nC,y\n');
  const q: AggregationQuery = { statistic: 'count', groupBy: [{ column: 'AEBODSYS', values: ['A', 'B', 'C'] }] };
  const { vector, contribution } = await localAggregate({ query: q, minCohort: 2, sensitivity: 1 }, readSource(file, 'csv'));
  t.same(vector, [3, 0, 0]);
  t.same(contribution, { records: 5, counted: 5, cells: 3, suppressedCells: 2 });
});

t.test('an agreement that grants only aggregation moves no row: a transfer on it is denied', { skip }, async (t) => {
  const w = await world(t);
  await t.rejects(w.analyst.transfers.pull(w.agreements[0]!), { code: 'DP_ERR_POLICY_DENIED', message: /aggregate does not cover use/ });
});
