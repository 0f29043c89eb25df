// The compliance engine inside the gateway: refusals at negotiation and at transfer start, the
// calendar-year counters of distinct individuals kept at the data plane, the stop before a row
// crosses a threshold whose pathway is not satisfied (or exceeds what the dataset declared), the
// ledger evidence, and the exporter's compliance record. Real HTTP on loopback, real connectors.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RecordBatch } from 'apache-arrow';
import { Connector } from '../../../connectors/connector.js';
import { GatewayError } from '../../../connectors/signed-http.js';
import type { LocalDataset } from '../../../connectors/transfers.js';
import { buildGateway } from '../../../gateway/server.js';
import { gatewayWorld } from '../world.js';
import { APPROVAL } from '../../../policies/negotiation/extensions.js';
import { cli, inDays, repoRoot, tempDir, testIdentity, today, until } from '../../helpers.js';
import { fileLedger } from '../../../gateway/ledger/ledger.js';

type T = Parameters<typeof tempDir>[0];
const exporterKey = testIdentity(60);
const sponsor = testIdentity(61);
const PIPELINE = 'https://w3id.org/dataport/v1#pipeline';

const fields = [
  { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
];

const offer = (id: string) => ({
  '@id': `${id}:offer`, '@type': 'Offer', [APPROVAL]: 'auto',
  permission: [{ action: 'use' }],
  obligation: [{ action: 'anonymize', [PIPELINE]: { columns: { USUBJID: [{ op: 'pseudonymize', length: 16 }], AGE: 'keep' } } }],
});

/** Individuals `from` .. `from + n - 1`, one row each. */
function csv(dir: string, name: string, from: number, n: number): string {
  const path = join(dir, `${name}.csv`);
  const lines = ['USUBJID,AGE'];
  for (let i = from; i < from + n; i++) lines.push(`S-${String(i).padStart(6, '0')},${20 + (i % 50)}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

interface Published { id: string; from: number; rows: number; declared?: number; compliance?: Record<string, unknown> }

async function world(t: T, opts: { exporter?: Record<string, unknown>; datasets: Published[]; rules?: string; dataDir?: string }) {
  const dir = tempDir(t);
  const dataDir = opts.dataDir ?? join(dir, 'gw');
  const local: Record<string, LocalDataset> = Object.fromEntries(opts.datasets.map((d) => [d.id, { path: csv(dir, d.id, d.from, d.rows), format: 'csv', schema: fields.map(({ name, type }) => ({ name, type })), batchRows: 10 }]));
  const { app, base, provider, consumer } = await gatewayWorld(t, {
    gateway: { dataDir, identity: testIdentity(4), ...(opts.rules && { complianceRules: opts.rules }) },
    datasets: local,
    provider: {
      identity: exporterKey,
      profile: { legalName: 'Haidian Health Data Co.', jurisdiction: 'CN-BJ', roles: ['provider'], exporter: opts.exporter ?? { ciio: false, zone: 'none', sector: 'health', artefacts: { pia: { date: today } } } },
    },
    consumer: { identity: sponsor },
  });
  for (const d of opts.datasets) {
    await provider.publish({
      id: d.id, title: d.id, schema: { fields }, subjects: d.declared ?? d.rows,
      compliance: d.compliance ?? { importantData: 'none' }, source: { format: 'csv' }, offers: [offer(d.id)],
    });
  }
  const negotiate = (id: string) => consumer.negotiate({ datasetId: id, offer: offer(id), purpose: 'research' });
  return { app, base, provider, consumer, negotiate, dataDir };
}

async function pullAll(consumer: Connector, agreementId: string): Promise<{ rows: number; error?: Error; providerPid: string }> {
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreementId);
  let rows = 0;
  try {
    for await (const b of batches as AsyncIterable<RecordBatch>) rows += b.numRows;
    await completed;
    return { rows, providerPid };
  } catch (e) {
    return { rows, error: e as Error, providerPid };
  }
}

/** Thresholds scaled down a thousandfold (100 / 1,000 individuals; 1 / 10 with sensitive data): an operator's corrected rule set. */
function smallRules(t: T): string {
  const dir = join(tempDir(t), 'rules');
  cpSync(join(repoRoot, 'policies', 'compliance', 'rules'), dir, { recursive: true });
  const file = join(dir, 'rules.json');
  const rules = JSON.parse(readFileSync(file, 'utf8')) as { version: string; thresholds: unknown };
  rules.version = 'test-small';
  rules.thresholds = { nonSensitive: { contract: 100, assessment: 1000 }, sensitive: { contract: 1, assessment: 10 } };
  writeFileSync(file, JSON.stringify(rules, null, 2));
  return dir;
}

function entries(app: Awaited<ReturnType<typeof world>>['app'], type: string) {
  return [...fileLedger(app.ledger).replay()].filter((e) => e.type === type) as { seq: number; body: Record<string, unknown> }[];
}

t.test('a CIIO without a security assessment: the negotiation is refused, 403 with the decision, and the ledger holds it', async (t) => {
  const w = await world(t, { exporter: { ciio: true, zone: 'none', sector: 'health', artefacts: { pia: { date: today } } }, datasets: [{ id: 'a', from: 0, rows: 10 }] });
  const err = await w.negotiate('a').then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof GatewayError);
  t.match(err, { status: 403, code: 'DP_ERR_COMPLIANCE_UNSATISFIED', message: /pathway security-assessment, not satisfied: CIIO/ });
  t.match((err as GatewayError).details, { decision: { pathway: 'security-assessment', satisfied: false, rules: [{ id: 'CIIO' }], missing: ['security-assessment'] } });
  await w.app.ledger.flush();
  const [decision] = entries(w.app, 'compliance.decision');
  t.match(decision!.body, { stage: 'negotiation', datasetId: 'a', exporter: exporterKey.did, facts: { exporter: { ciio: true } }, decision: { pathway: 'security-assessment' }, rules: { version: '2026.1' } });
  t.equal(w.app.state.negotiations.size, 0, 'no negotiation was opened');
});

t.test('the same CIIO with a valid assessment negotiates; on the day after it expires it cannot', async (t) => {
  const valid = { ciio: true, zone: 'none', sector: 'health', artefacts: { pia: { date: today }, securityAssessment: { id: 'CAC-1', expires: today } } };
  const w = await world(t, { exporter: valid, datasets: [{ id: 'a', from: 0, rows: 10 }] });
  t.match(await w.negotiate('a'), { state: 'FINALIZED' }, 'valid through its expiry day');
  await w.provider.register({ legalName: 'Haidian Health Data Co.', jurisdiction: 'CN-BJ', roles: ['provider'], exporter: { ...valid, artefacts: { ...valid.artefacts, securityAssessment: { id: 'CAC-1', expires: inDays(-1) } } } } as never);
  t.same((w.app.state.participant(exporterKey.did)!.exporter!.artefacts as { securityAssessment: unknown }).securityAssessment, { id: 'CAC-1', expires: inDays(-1) });
  const err = await w.negotiate('a').then((x) => x, (e: unknown) => e);
  t.match(err, { code: 'DP_ERR_COMPLIANCE_UNSATISFIED', details: { decision: { satisfied: false, missing: ['security-assessment'], rules: [{ id: 'CIIO' }, { id: 'VALIDITY', reason: /expired/ }] } } });
});

t.test('a dataset that does not say whether it holds important data: needs-info, 422, naming the fact', async (t) => {
  const w = await world(t, { datasets: [{ id: 'a', from: 0, rows: 10, compliance: {} }] });
  const err = (await w.negotiate('a').catch((e: unknown) => e)) as GatewayError;
  t.match(err, { status: 422, code: 'DP_ERR_COMPLIANCE_NEEDS_INFO' });
  t.match(err.details, { decision: { pathway: 'needs-info', missing: ['transfer.importantData'] } });
});

t.test('the same individuals in two transfers count once; new ones add up; the record shows the year\'s counters', async (t) => {
  const w = await world(t, { datasets: [{ id: 'a', from: 0, rows: 40 }, { id: 'b', from: 20, rows: 40 }] });
  const a = await w.negotiate('a');
  const first = await pullAll(w.consumer, a.agreement['@id']);
  const again = await pullAll(w.consumer, a.agreement['@id']);
  t.same([first.rows, again.rows, first.error, again.error], [40, 40, undefined, undefined]);
  const year = Number(today.slice(0, 4));
  t.same(w.app.state.compliance.counters(exporterKey.did, year), { nonSensitiveSubjects: 40, sensitiveSubjects: 0 }, 'a second transfer of the same people adds none');
  const b = await w.negotiate('b');
  t.equal((await pullAll(w.consumer, b.agreement['@id'])).rows, 40);
  t.same(w.app.state.compliance.counters(exporterKey.did, year), { nonSensitiveSubjects: 60, sensitiveSubjects: 0 }, 'b overlaps a by 20: 20 new');
  const record = await w.provider.complianceRecord<{ counters: { nonSensitiveSubjects: number; nextNonSensitive: number; thresholds: { nonSensitive: number[] } }; decisions: number }>();
  t.match(record.counters, { nonSensitiveSubjects: 60, nextNonSensitive: 100_000, thresholds: { nonSensitive: [100_000, 1_000_000] } });
  t.ok(record.decisions >= 5, 'negotiations and transfer starts are decisions');
  await t.rejects(w.consumer.client.json('GET', `/compliance/exporters/${encodeURIComponent(exporterKey.did)}`), { code: 'DP_ERR_FORBIDDEN' }, 'another participant may not read it');
});

t.test('a transfer whose file holds more individuals than its dataset declares stops before the first one too many', async (t) => {
  const w = await world(t, { datasets: [{ id: 'a', from: 0, rows: 80, declared: 50 }] });
  const a = await w.negotiate('a');
  const got = await pullAll(w.consumer, a.agreement['@id']);
  t.equal(got.rows, 50, 'the 50 declared individuals left, nothing after');
  t.ok(got.error, 'the consumer is told');
  await until('the transfer to be TERMINATED', () => (w.app.state.transfers.get(got.providerPid)?.state === 'TERMINATED' ? true : undefined));
  const stopped = entries(w.app, 'compliance.stopped');
  t.match(stopped.map((e) => e.body), [{ transfer: got.providerPid, code: 'DP_ERR_COMPLIANCE_SUBJECTS_EXCEEDED', rowsOut: 50 }]);
  t.same(w.app.state.compliance.counters(exporterKey.did, Number(today.slice(0, 4))).nonSensitiveSubjects, 50);
});

t.test('with an operator\'s rule set: two transfers that each start below the threshold, the second stops before the row that reaches it', async (t) => {
  const w = await world(t, { rules: smallRules(t), datasets: [{ id: 'a', from: 0, rows: 60 }, { id: 'b', from: 1000, rows: 60 }] });
  const a = await w.negotiate('a');
  const b = await w.negotiate('b');
  // Both transfers start while this year's counter is at 0 (0 + 60 < 100: exempt); whichever
  // streams second reaches the 100th individual of the year, which needs a standard contract.
  const pulls = [await w.consumer.transfers.pull(a.agreement['@id']), await w.consumer.transfers.pull(b.agreement['@id'])];
  const got = await Promise.all(pulls.map(async (p) => {
    let rows = 0;
    try {
      for await (const batch of p.batches) rows += batch.numRows;
      await p.completed;
      return { rows, providerPid: p.providerPid, error: undefined as Error | undefined };
    } catch (e) {
      return { rows, providerPid: p.providerPid, error: e as Error };
    }
  }));
  // Run one after the other, one completes and the other stops at its 40th row; interleaved, each
  // may stop at the 100th individual of the year. Either way the year's total never reaches 100.
  t.equal(got[0]!.rows + got[1]!.rows, 99, '99 individuals left in all');
  const stopped = got.filter((g) => g.error);
  t.ok(stopped.length >= 1, 'a transfer was stopped, and its consumer told');
  t.ok(got.every((g) => g.error !== undefined || g.rows === 60), 'a transfer that was not stopped sent everything');
  for (const g of stopped) await until('the stopped transfer to be TERMINATED', () => (w.app.state.transfers.get(g.providerPid)?.state === 'TERMINATED' ? true : undefined));
  const threshold = entries(w.app, 'compliance.decision').filter((e) => e.body['stage'] === 'threshold');
  t.same(threshold.map((e) => e.body['transfer']).sort(), stopped.map((g) => g.providerPid).sort(), 'one threshold decision per stopped transfer');
  t.ok(threshold.every((e) => (e.body['decision'] as { satisfied: boolean; rules: { id: string }[] }).satisfied === false), 'each not satisfied');
  t.match(threshold[0]!.body, { decision: { pathway: 'standard-contract-or-certification', rules: [{ id: 'VOLUME-CONTRACT' }] }, rules: { version: 'test-small' } });
  t.same(stopped.map((g) => entries(w.app, 'compliance.stopped').find((e) => e.body['transfer'] === g.providerPid)?.body['code']), stopped.map(() => 'DP_ERR_COMPLIANCE_THRESHOLD'));
  t.same(w.app.state.compliance.counters(exporterKey.did, Number(today.slice(0, 4))).nonSensitiveSubjects, 99, 'counted: what left');
  // A third transfer now starts from 99: refused at its start.
  await t.rejects(w.consumer.transfers.pull(a.agreement['@id']), { code: 'DP_ERR_COMPLIANCE_UNSATISFIED' });
});

t.test('counters survive a restart: the same individuals still count once', async (t) => {
  const dir = tempDir(t);
  const datasets = [{ id: 'a', from: 0, rows: 30 }];
  const first = await world(t, { datasets, dataDir: join(dir, 'gw') });
  const a = await first.negotiate('a');
  t.equal((await pullAll(first.consumer, a.agreement['@id'])).rows, 30);
  await first.consumer.stop();
  await first.provider.stop();
  await first.app.close();
  const app = await buildGateway({ dataDir: join(dir, 'gw'), port: 0, logLevel: 'silent', identity: testIdentity(4), ledger: { checkpointIntervalMs: 0 } });
  t.teardown(() => app.close());
  t.same(app.state.compliance.counters(exporterKey.did, Number(today.slice(0, 4))), { nonSensitiveSubjects: 30, sensitiveSubjects: 0 }, 'rebuilt from the ledger');
});

t.test('dataport pathway --replay re-runs a decision the gateway recorded', async (t) => {
  const w = await world(t, { exporter: { ciio: true, zone: 'none', sector: 'health', artefacts: { pia: { date: today } } }, datasets: [{ id: 'a', from: 0, rows: 5 }] });
  await w.negotiate('a').catch(() => undefined);
  await w.app.ledger.flush();
  const [decision] = entries(w.app, 'compliance.decision');
  const res = spawnSync(process.execPath, [cli, 'pathway', '--replay', join(w.dataDir, 'ledger'), '--seq', String(decision!.seq)], { encoding: 'utf8' });
  t.equal(res.status, 0, res.stderr);
  t.match(res.stdout, /holds/);
});
