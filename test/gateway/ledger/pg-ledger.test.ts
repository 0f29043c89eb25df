import t, { type Test as Tap } from 'tap';
import { spawnSync } from 'node:child_process';
import { Ledger } from '../../../gateway/ledger/ledger.js';
import { PgLedger, type PgLedgerOptions } from '../../../gateway/ledger/pg-ledger.js';
import { verifyPgLedger } from '../../../gateway/ledger/verify-pg.js';
import type { LedgerEntry } from '../../../gateway/ledger/format.js';
import { connectPg, migrate, type PgPool } from '../../../gateway/store/pg.js';
import { MIGRATIONS } from '../../../gateway/store/migrations.js';
import { verifyConsistency, verifyInclusion } from '../../../crypto/merkle.js';
import { verifyCheckpoint } from '../../../crypto/checkpoint.js';
import { DataportError } from '../../../crypto/errors.js';
import { canonicalize } from '../../../crypto/jcs.js';
import { cli, tempDir, testIdentity } from '../../helpers.js';
import { freshDatabase, pgSkip } from '../../pg.js';

const signer = testIdentity(7);

/** A migrated fresh database and `n` pools on it (each a "replica"), ended at teardown. */
async function database(t: Tap, n = 1): Promise<{ url: string; pools: PgPool[] }> {
  const url = await freshDatabase(t);
  const pools: PgPool[] = [];
  for (let i = 0; i < n; i++) pools.push(await connectPg(url, { max: 4 }));
  t.teardown(() => Promise.all(pools.map((p) => p.end())).then(() => undefined));
  await migrate(pools[0]!);
  return { url, pools };
}

const openPg = (pool: PgPool, extra: Partial<PgLedgerOptions> = {}) => PgLedger.open(pool, { signer, checkpointIntervalMs: 0, ...extra });

/** A clock that moves 7 ms per reading, the same for every ledger it is given to. */
function clock(): () => Date {
  let ms = Date.UTC(2026, 0, 1);
  return () => new Date((ms += 7));
}

const body = (i: number) => ({ i, note: `entry ${i}`, nested: { list: [i, i * 2, 'x'.repeat(i % 5)], flag: i % 2 === 0 }, unicode: 'données 数据' });

async function rejection(p: Promise<unknown>): Promise<DataportError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DataportError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

t.test('PgLedger writes the same entries, leaf hashes, roots and checkpoints as the file ledger', { skip: pgSkip }, async (t) => {
  const { pools } = await database(t);
  const pg = await openPg(pools[0]!, { now: clock() });
  const file = Ledger.open(tempDir(t), { signer, checkpointIntervalMs: 0, now: clock() });
  const types = ['test.event', 'transfer.batch', 'agreement.finalized'];
  await Promise.all(Array.from({ length: 40 }, (_, i) => pg.append(types[i % 3]!, body(i))));
  await Promise.all(Array.from({ length: 40 }, (_, i) => file.append(types[i % 3]!, body(i))));
  t.equal(pg.size, 40);
  for (let seq = 0; seq < 40; seq++) {
    const a = await pg.entry(seq);
    const b = file.get(seq);
    t.same(Buffer.from(a.raw), Buffer.from(b.raw), `entry ${seq} bytes`);
    t.same(Buffer.from(a.leafHash), Buffer.from(b.leafHash), `entry ${seq} leaf hash`);
  }
  t.same(Buffer.from(pg.root(17)), Buffer.from(file.root(17)));
  t.same(Buffer.from(pg.root()), Buffer.from(file.root()));
  t.equal(pg.checkpoint().note, file.checkpoint().note, 'the same signed note');
  await pg.close();
  await file.close();
});

t.test('inclusion and consistency proofs from PgLedger verify with the RFC 9162 verifiers', { skip: pgSkip }, async (t) => {
  const { pools } = await database(t);
  const pg = await openPg(pools[0]!);
  for (let i = 0; i < 37; i++) await pg.append('test.event', body(i));
  const root = pg.root();
  for (const seq of [0, 1, 16, 31, 36]) {
    const { leafHash } = await pg.entry(seq);
    t.ok(verifyInclusion(seq, 37, leafHash, pg.inclusionProof(seq), root), `inclusion of ${seq}`);
  }
  t.ok(verifyConsistency(10, 37, pg.root(10), root, pg.consistencyProof(10)), 'consistency 10 -> 37');
  t.ok(pg.treeReads > 0, 'proofs read tree nodes');
  await pg.close();
});

t.test('a PgLedger checkpoint verifies with the signer key and is stored in the database', { skip: pgSkip }, async (t) => {
  const { pools } = await database(t);
  const pg = await openPg(pools[0]!);
  for (let i = 0; i < 5; i++) await pg.append('test.event', body(i));
  const cp = pg.checkpoint();
  const opened = verifyCheckpoint(cp.note, [{ name: pg.meta.origin, publicKey: signer.publicKey }], pg.meta.origin);
  t.equal(opened.size, 5);
  t.same(Buffer.from(opened.rootHash), Buffer.from(pg.root()));
  await pg.close();
  const { rows } = await pools[0]!.query<{ size: string; note: string }>('SELECT size, note FROM dataport_ledger_checkpoints ORDER BY size');
  t.same(rows.map((r) => [Number(r.size), r.note]), [[5, cp.note]]);
});

t.test('two replicas appending at once give one gapless ledger holding exactly the acknowledged entries', { skip: pgSkip }, async (t) => {
  const { url, pools } = await database(t, 2);
  const replicas = [await openPg(pools[0]!), await openPg(pools[1]!)];
  const seen: LedgerEntry[][] = [[], []];
  replicas.forEach((r, i) => r.follow((e) => seen[i]!.push(e)));
  await Promise.all(replicas.map((r) => r.sync()));
  const acked = new Map<number, { replica: number; i: number }>();
  let duplicates = 0;
  // 2 replicas x 10 writers x 50 sequential appends: transactions of both interleave.
  await Promise.all(replicas.flatMap((r, replica) => Array.from({ length: 10 }, async (_, w) => {
    for (let k = 0; k < 50; k++) {
      const b = { replica, i: w * 50 + k };
      const { seq } = await r.append('test.event', b);
      if (acked.has(seq)) duplicates++;
      acked.set(seq, b);
    }
  })));
  await Promise.all(replicas.map((r) => r.sync()));
  t.equal(duplicates, 0, 'no seq acknowledged twice');
  t.same([...acked.keys()].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i), 'seqs 0..999, no gap, no duplicate');
  let wrong = 0;
  for (const [seq, b] of acked) if (canonicalize((await replicas[0]!.entry(seq)).body) !== canonicalize(b)) wrong++;
  t.equal(wrong, 0, 'every acknowledged seq holds the acknowledged entry');
  const line = (es: LedgerEntry[]) => es.map((e) => `${e.seq}:${canonicalize(e.body)}`);
  t.same(line(seen[0]!), line(seen[1]!), 'both followers saw the same sequence');
  t.same(seen[0]!.map((e) => e.seq), Array.from({ length: 1000 }, (_, i) => i));
  t.same(Buffer.from(replicas[0]!.root()), Buffer.from(replicas[1]!.root()), 'no fork: one root');
  await Promise.all(replicas.map((r) => r.close()));
  const report = await verifyPgLedger(url, { key: signer.did });
  t.equal(report.ok, true, report.summary);
  t.equal(report.size, 1000);
});

t.test('another replica\'s appends reach a follower without a sync call', { skip: pgSkip }, async (t) => {
  const { pools } = await database(t, 2);
  const a = await openPg(pools[0]!);
  const b = await openPg(pools[1]!);
  const seen: number[] = [];
  a.follow((e) => seen.push(e.seq));
  await a.sync();
  for (let i = 0; i < 3; i++) await b.append('test.event', body(i));
  const deadline = Date.now() + 3000;
  while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(seen, [0, 1, 2]);
  t.equal(a.size, 3);
  await a.close();
  await b.close();
});

t.test('after reopening, follow + sync delivers every entry from 0', { skip: pgSkip }, async (t) => {
  const { pools } = await database(t);
  const first = await openPg(pools[0]!);
  for (let i = 0; i < 5; i++) await first.append('test.event', body(i));
  await first.close();
  const again = await openPg(pools[0]!);
  t.equal(again.size, 5, 'size is the database\'s at open');
  const seen: LedgerEntry[] = [];
  again.follow((e) => seen.push(e));
  await again.sync();
  t.same(seen.map((e) => [e.seq, e.body]), Array.from({ length: 5 }, (_, i) => [i, body(i)]));
  await again.append('test.event', body(5));
  t.same(seen.map((e) => e.seq), [0, 1, 2, 3, 4, 5], 'then its own appends, once');
  await again.close();
});

t.test('an invalid entry type rejects that append alone', { skip: pgSkip }, async (t) => {
  const { pools } = await database(t);
  const pg = await openPg(pools[0]!);
  const results = await Promise.allSettled([pg.append('test.event', { a: 1 }), pg.append('Not A Type', {}), pg.append('test.event', { a: 2 })]);
  t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  t.equal(((results[1] as PromiseRejectedResult).reason as DataportError).code, 'DP_ERR_LEDGER_ENTRY_INVALID');
  t.same(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ seq: number }>).value.seq), [0, 1]);
  await pg.close();
});

t.test('a failed append transaction rejects its group and later appends go on', { skip: pgSkip }, async (t) => {
  const { url, pools } = await database(t);
  const pg = await openPg(pools[0]!);
  await pg.append('test.event', body(0));
  // A row squatting on the next seq makes the next transaction's INSERT fail.
  await pools[0]!.query("INSERT INTO dataport_ledger_entries (seq, payload, leaf_hash) VALUES (1, '\\x01'::bytea, decode(repeat('00', 32), 'hex'))");
  const failed = await rejection(pg.append('test.event', body(1)));
  t.equal(failed.code, 'DP_ERR_STORE_UNAVAILABLE');
  t.equal(pg.healthy, true);
  await pools[0]!.query('DELETE FROM dataport_ledger_entries WHERE seq = 1');
  const { seq } = await pg.append('test.event', body(2));
  t.equal(seq, 1, 'the rolled-back group left no trace');
  t.same((await pg.entry(1)).body, body(2));
  await pg.close();
  t.equal((await verifyPgLedger(url)).ok, true);
});

/** A closed ledger of 20 entries whose entry 7's payload was altered in the database. */
async function tampered(t: Tap): Promise<{ url: string; pool: PgPool }> {
  const { url, pools } = await database(t);
  const pg = await openPg(pools[0]!);
  for (let i = 0; i < 20; i++) await pg.append('test.event', body(i));
  await pg.close();
  const res = await pools[0]!.query("UPDATE dataport_ledger_entries SET payload = overlay(payload placing '\\x7a'::bytea from 60 for 1) WHERE seq = 7");
  t.equal(res.rowCount, 1);
  return { url, pool: pools[0]! };
}

t.test('verifyPgLedger names an entry whose payload was altered', { skip: pgSkip }, async (t) => {
  const { url } = await tampered(t);
  const report = await verifyPgLedger(url, { key: signer.did });
  t.equal(report.ok, false);
  t.equal(report.bad?.seq, 7);
  t.match(report.summary, /entry 7/);
});

t.test('open refuses a ledger whose entry was altered, naming it', { skip: pgSkip }, async (t) => {
  const { pool } = await tampered(t);
  const err = await rejection(openPg(pool));
  t.equal(err.code, 'DP_ERR_LEDGER_TAMPERED');
  t.same(err.details, { seq: 7 });
});

t.test('open refuses a ledger head signed by another key', { skip: pgSkip }, async (t) => {
  const { pools } = await database(t);
  await (await openPg(pools[0]!)).close();
  const err = await rejection(PgLedger.open(pools[0]!, { signer: testIdentity(8), checkpointIntervalMs: 0 }));
  t.equal(err.code, 'DP_ERR_LEDGER_CORRUPT');
  t.match(err.message, /signed by did:key:/);
});

t.test('migrations applied from 3 pools at once are applied exactly once', { skip: pgSkip }, async (t) => {
  const url = await freshDatabase(t);
  const pools = await Promise.all([0, 1, 2].map(() => connectPg(url, { max: 2 })));
  t.teardown(() => Promise.all(pools.map((p) => p.end())).then(() => undefined));
  const applied = await Promise.all(pools.map((p) => migrate(p)));
  const winners = applied.filter((a) => a.length > 0);
  t.equal(winners.length, 1, 'one pool applied them');
  const all = MIGRATIONS.map((m) => m.version);
  t.same(winners[0], all);
  t.same(applied.filter((a) => a.length === 0).length, 2, 'the others found them applied');
  const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM dataport_migrations ORDER BY version');
  t.same(rows.map((r) => r.version), all);
});

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });

t.test('dataport ledger verify checks a ledger in PostgreSQL', { skip: pgSkip }, async (t) => {
  const { url, pools } = await database(t);
  const pg = await openPg(pools[0]!);
  for (let i = 0; i < 12; i++) await pg.append('test.event', body(i));
  await pg.close();
  const res = run('ledger', 'verify', url, '--key', signer.did, '--json');
  t.equal(res.status, 0, res.stderr);
  const report = JSON.parse(res.stdout) as { ok: boolean; size: number; checkpoints: number; keyPinned: boolean };
  t.same({ ok: report.ok, size: report.size, checkpoints: report.checkpoints, keyPinned: report.keyPinned }, { ok: true, size: 12, checkpoints: 1, keyPinned: true });
});

t.test('dataport ledger verify exits 1 on an altered ledger in PostgreSQL', { skip: pgSkip }, async (t) => {
  const { url } = await tampered(t);
  const res = run('ledger', 'verify', url, '--key', signer.did);
  t.equal(res.status, 1);
  t.match(res.stdout, /FAILED: entry 7/);
});

t.test('dataport ledger show prints entries from PostgreSQL', { skip: pgSkip }, async (t) => {
  const { url, pools } = await database(t);
  const pg = await openPg(pools[0]!);
  for (let i = 0; i < 10; i++) await pg.append('test.event', { i });
  await pg.close();
  const res = run('ledger', 'show', url, '--from', '4', '--limit', '3', '--json');
  t.equal(res.status, 0, res.stderr);
  t.same(res.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number; body: unknown }).seq), [4, 5, 6]);
});
