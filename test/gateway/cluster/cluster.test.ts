// Several gateway replicas (real processes) sharing one PostgreSQL database behind one address,
// many consumers at once, one replica killed with SIGKILL mid-run.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Connector } from '../../../connectors/connector.js';
import type { LocalDataset } from '../../../connectors/transfers.js';
import { writeKeyFile } from '../../../gateway/key-file.js';
import { decodeEntry } from '../../../gateway/ledger/format.js';
import { verifyPgLedger } from '../../../gateway/ledger/verify-pg.js';
import { APPROVAL } from '../../../policies/negotiation/extensions.js';
import { hospitalProfile, sponsorProfile, tempDir, testIdentity, until } from '../../helpers.js';
import { freshDatabase, pgSkip } from '../../pg.js';
import { RoundRobinProxy } from './proxy.js';
import { startReplica, type Replica } from '../../../benchmarks/cluster-harness.js';

const ROWS = 3000;
const CONSUMERS = 12;
const gatewayKey = testIdentity(3);
const PIPELINE = 'https://w3id.org/dataport/v1#pipeline';

const fields = [
  { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'SITEID', type: 'utf8', role: 'quasi-identifier' },
  { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
];
const offer = {
  '@id': 'trial:offer', '@type': 'Offer', [APPROVAL]: 'auto',
  permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
  obligation: [{ action: 'anonymize', [PIPELINE]: { columns: { USUBJID: [{ op: 'pseudonymize', length: 16 }], AGE: [{ op: 'interval', width: 10 }] }, roles: { 'quasi-identifier': 'keep' } } }],
};

type T = Parameters<typeof tempDir>[0];

/** Replicas behind a round-robin proxy, a provider with a CSV of ROWS subjects, registered consumers. */
async function cluster(t: T, names: string[], opts: { consumers?: number; rows?: number } = {}) {
  const rowCount = opts.rows ?? ROWS;
  const url = await freshDatabase(t);
  const dir = tempDir(t);
  const keyFile = join(dir, 'gateway-key.json');
  writeKeyFile(keyFile, gatewayKey);
  const proxy = new RoundRobinProxy([]);
  const front = await proxy.start();
  // Leases expire after 1.5 s and each replica looks for orphaned work every 300 ms, so a killed
  // replica's negotiations are taken over within seconds.
  const env = { DATAPORT_LEASE_TTL_MS: '1500', DATAPORT_RESUME_INTERVAL_MS: '300' };
  const replicas: Replica[] = await Promise.all(names.map((name) => startReplica({ name, store: url, keyFile, dataDir: join(dir, name), publicUrl: front, env })));
  proxy.backends.push(...replicas.map((r) => r.url));
  const csv = join(dir, 'trial.csv');
  const lines = ['USUBJID,SITEID,AGE'];
  for (let i = 0; i < rowCount; i++) lines.push(`01-${700 + (i % 9)}-${String(i).padStart(5, '0')},${700 + (i % 9)},${20 + (i % 60)}`);
  writeFileSync(csv, lines.join('\n') + '\n');
  const local: LocalDataset = { path: csv, format: 'csv', schema: fields.map(({ name, type }) => ({ name, type })), batchRows: 500 };
  const provider = new Connector({ gateway: front, identity: testIdentity(70), datasets: { trial: local } });
  const consumers = Array.from({ length: opts.consumers ?? CONSUMERS }, (_, i) => new Connector({ gateway: front, identity: testIdentity(80 + i), negotiationTimeoutMs: 60_000 }));
  const db = new pg.Pool({ connectionString: url, max: 2 });
  t.teardown(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await provider.stop();
    await Promise.all(replicas.map((r) => r.stop()));
    await proxy.stop();
    await db.end();
  });
  await provider.start();
  await Promise.all(consumers.map((c) => c.start()));
  await provider.register(hospitalProfile as never);
  await Promise.all(consumers.map((c) => c.register(sponsorProfile as never)));
  await provider.publish({
    id: 'trial', title: 'synthetic trial', schema: { fields }, subjects: rowCount, compliance: { importantData: 'none', personalInfo: true, subjectColumn: 'USUBJID' },
    source: { format: 'csv' }, offers: [offer],
  });
  return { url, proxy, replicas, provider, consumers, db };
}

/** Every ledger entry, in order, straight from the database. */
async function entries(db: pg.Pool): Promise<{ seq: number; type: string; body: Record<string, unknown> }[]> {
  const { rows } = await db.query<{ payload: Buffer }>('SELECT payload FROM dataport_ledger_entries ORDER BY seq');
  return rows.map((r) => decodeEntry(r.payload) as never);
}

t.test('three replicas, twelve consumers at once, one replica killed mid-run: every negotiation ends, the ledger holds each entry once and verifies, the counters are exact', { skip: pgSkip, timeout: 240_000 }, async (t) => {
  const { url, proxy, replicas, provider, consumers, db } = await cluster(t, ['r1', 'r2', 'r3']);

  // Negotiations from every consumer at once, spread over the replicas; r2 dies in the middle.
  const negotiated = Promise.all(consumers.map(async (c) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await c.negotiate({ datasetId: 'trial', offer, purpose: 'research' });
      } catch (e) {
        // A request that reached r2 as it died: the consumer asks again (a new negotiation).
        if (attempt >= 3) throw e;
      }
    }
  }));
  await until('r2 to have taken some negotiation requests', () => ((proxy.count('/negotiations').get(replicas[1]!.url) ?? 0) >= 2 ? true : undefined), 30_000);
  replicas[1]!.proc.kill('SIGKILL');
  t.match(await replicas[1]!.exited, { signal: 'SIGKILL' }, 'r2 was killed, not stopped');
  const results = await negotiated;
  t.equal(results.length, CONSUMERS, 'every consumer reached an agreement');

  // Each acknowledged agreement is in the ledger, proven by an inclusion proof under a signed checkpoint.
  for (const [i, r] of results.entries()) {
    const proven = await consumers[i]!.agreement(r.agreement['@id']);
    t.equal(proven.agreement['@id'], r.agreement['@id']);
  }

  // Every negotiation any replica started reaches an end (r2's are taken over once its leases expire).
  let history = new Map<string, string[]>();
  const ended = await until('every negotiation to end', async () => {
    const all = await entries(db);
    history = new Map();
    for (const e of all) {
      if (!e.type.startsWith('negotiation.') || typeof e.body.providerPid !== 'string') continue;
      history.set(e.body.providerPid, [...(history.get(e.body.providerPid) ?? []), e.type.slice('negotiation.'.length)]);
    }
    const state = new Map([...history].map(([pid, h]) => [pid, h.at(-1)!]));
    return [...state.values()].every((s) => s === 'finalized' || s === 'terminated') ? state : undefined;
  }, 60_000, 200).catch((e: Error) => {
    const open = [...history].filter(([, h]) => h.at(-1) !== 'finalized' && h.at(-1) !== 'terminated');
    const logs = replicas.flatMap((r) => r.log.filter((l) => /"level":(40|50|60)/.test(l)).map((l) => `${r.name}: ${l.slice(0, 400)}`));
    throw new Error(`${e.message}: ${JSON.stringify(open)}\n${logs.slice(-30).join('\n')}`);
  });
  t.ok(ended.size >= CONSUMERS, `${ended.size} negotiations, all ended`);
  t.equal([...ended.values()].filter((s) => s === 'finalized').length >= CONSUMERS, true, 'at least one finalized per consumer');

  // Pull transfers through the one address: whichever replica each request reaches serves it.
  const rows = await Promise.all(results.map(async (r, i) => {
    const { batches, completed } = await consumers[i]!.transfers.pull(r.agreement['@id']);
    let n = 0;
    for await (const b of batches) n += b.numRows;
    await completed;
    return n;
  }));
  t.same(rows, Array(CONSUMERS).fill(ROWS), 'every consumer received every row');
  const dataServers = [...proxy.count('/data').keys()];
  t.ok(dataServers.length >= 2, `data served by ${dataServers.length} replicas`);

  // The ledger: gapless, no entry twice, every transition once per negotiation, and it verifies.
  const all = await entries(db);
  t.same(all.map((e) => e.seq), all.map((_, i) => i), 'sequence numbers 0..n-1 without gaps or repeats');
  const transitions = new Map<string, number>();
  for (const e of all) {
    if (!e.type.startsWith('negotiation.') || typeof e.body.providerPid !== 'string') continue;
    const k = `${e.body.providerPid} ${e.type}`;
    transitions.set(k, (transitions.get(k) ?? 0) + 1);
  }
  t.same([...transitions.entries()].filter(([, n]) => n > 1), [], 'no negotiation took a transition twice');
  t.equal(all.filter((e) => e.type === 'gateway.started').length, 3, 'one start entry per replica');
  const report = await verifyPgLedger(url, { key: gatewayKey.did });
  t.equal(report.ok, true, report.summary);
  t.equal(report.size, all.length);

  // The compliance counters: every consumer got the same subjects, so the year counts each once.
  const counters = await db.query<{ kind: string; count: string }>('SELECT kind, count FROM dataport_compliance_counters');
  t.same(counters.rows.map((r) => [r.kind, Number(r.count)]), [['pi', ROWS]], 'individuals counted exactly once across replicas');
  const hashes = await db.query<{ n: string }>('SELECT count(*) AS n FROM dataport_compliance_subjects');
  t.equal(Number(hashes.rows[0]!.n), ROWS);
  const record = await provider.complianceRecord<{ counters: { nonSensitiveSubjects: number } }>();
  t.equal(record.counters.nonSensitiveSubjects, ROWS, 'the exporter\'s record, from whichever replica answers, says the same');
});

t.test('the replica streaming a pull is killed: the consumer fetches again, another replica goes on from the last recorded batch, every row arrives once', { skip: pgSkip, timeout: 120_000 }, async (t) => {
  const rows = 20_000; // 40 batches of 500
  const { proxy, replicas, provider, consumers, db } = await cluster(t, ['r1', 'r2'], { consumers: 1, rows });
  const consumer = consumers[0]!;
  const { agreement } = await consumer.negotiate({ datasetId: 'trial', offer, purpose: 'research' });
  const { batches, completed } = await consumer.transfers.pull(agreement['@id']);
  const ids: string[] = [];
  let killed: Replica | undefined;
  for await (const b of batches) {
    ids.push(...[...b.getChild('USUBJID')!].map(String));
    if (ids.length === 6000 && !killed) {
      // Whichever replica is streaming dies now, with batches sent that the ledger does not record yet.
      const serving = [...proxy.count('/data').keys()][0]!;
      killed = replicas.find((r) => r.url === serving)!;
      killed.proc.kill('SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 2)); // a consumer slower than the stream
  }
  t.ok(killed, 'a replica was killed mid-stream');
  t.equal(ids.length, rows, 'every row arrived');
  t.equal(new Set(ids).size, rows, 'none twice');
  t.match(await completed, { rowsOut: rows }, 'the receipt, from the other replica, counts every row once');
  t.equal([...proxy.count('/data').keys()].length, 2, 'both replicas served the stream');
  const recorded = (await entries(db)).filter((e) => e.type === 'transfer.batches').flatMap((e) => (e.body.digests as { batch: number }[]).map((d) => d.batch));
  t.same(recorded.sort((a, b) => a - b), Array.from({ length: rows / 500 }, (_, i) => i), 'the ledger records each batch once');
  const counters = await db.query<{ count: string }>("SELECT count FROM dataport_compliance_counters WHERE kind = 'pi'");
  t.equal(Number(counters.rows[0]!.count), rows, 'the individuals counted once, though some batches were sent twice');
  void provider;
});
