import t from 'tap';
import { connectPg, migrate, type PgPool } from '../../../gateway/store/pg.js';
import { Leases } from '../../../gateway/store/leases.js';
import { freshDatabase, pgSkip } from '../../pg.js';

type T = Parameters<typeof freshDatabase>[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `n` pools on one migrated fresh database: `n` replicas. */
async function pools(t: T, n: number): Promise<PgPool[]> {
  const url = await freshDatabase(t);
  const out = await Promise.all(Array.from({ length: n }, () => connectPg(url, { max: 4 })));
  t.teardown(async () => {
    await Promise.all(out.map((p) => p.end()));
  });
  await migrate(out[0]!);
  return out;
}

t.test('in one process, work on one key runs one at a time; other keys run alongside', async (t) => {
  const leases = new Leases();
  const log: string[] = [];
  const job = (key: string, name: string) => leases.exclusive(key, async () => {
    log.push(`${name}+`);
    await sleep(20);
    log.push(`${name}-`);
  });
  await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1')]);
  const at = (x: string) => log.indexOf(x);
  t.ok(at('a2+') > at('a1-'), 'a2 began after a1 ended');
  t.ok(at('b1+') < at('a1-'), 'b1 ran while a1 held a');
});

t.test('exclusive is re-entrant within one piece of work, and detached work holds none of its keys', async (t) => {
  const leases = new Leases();
  const inner = await leases.exclusive('k', () => leases.exclusive('k', async () => leases.holds('k')));
  t.equal(inner, true, 'the nested call ran under the same hold (no deadlock)');
  const detached = await leases.exclusive('k', async () => leases.detached(() => leases.holds('k')));
  t.equal(detached, false);
});

t.test('waitMs 0 on a key that is held gives DP_ERR_BUSY', async (t) => {
  const leases = new Leases();
  let release!: () => void;
  const held = leases.exclusive('k', () => new Promise<void>((r) => (release = r)));
  await sleep(5);
  await t.rejects(leases.exclusive('k', async () => 1, { waitMs: 0 }), { code: 'DP_ERR_BUSY' });
  release();
  await held;
  t.equal(await leases.exclusive('k', async () => 2, { waitMs: 0 }), 2, 'free again once released');
});

t.test('two replicas: a lease one holds makes the other wait, then it runs', { skip: pgSkip }, async (t) => {
  const [p1, p2] = await pools(t, 2);
  const r1 = new Leases(p1, 'r1');
  const r2 = new Leases(p2, 'r2');
  const log: string[] = [];
  let release!: () => void;
  const first = r1.exclusive('negotiation:x', async () => {
    log.push('r1 in');
    await new Promise<void>((r) => (release = r));
    log.push('r1 out');
  });
  await sleep(50);
  t.equal(await r2.holder('negotiation:x'), 'r1');
  await t.rejects(r2.exclusive('negotiation:x', async () => undefined, { waitMs: 0 }), { code: 'DP_ERR_BUSY' });
  const second = r2.exclusive('negotiation:x', async () => {
    log.push('r2 in');
  });
  await sleep(50);
  release();
  await Promise.all([first, second]);
  t.same(log, ['r1 in', 'r1 out', 'r2 in']);
  t.equal(await r2.holder('negotiation:x'), undefined, 'released after use');
});

t.test('a dead replica\'s lease is taken over once it expires, not before', { skip: pgSkip }, async (t) => {
  const [p1, p2] = await pools(t, 2);
  const dead = new Leases(p1, 'dead');
  const alive = new Leases(p2, 'alive');
  t.equal(await dead.tryAcquire('transfer:y', 400), true, 'the replica takes the lease, then dies without releasing it');
  t.equal(await alive.tryAcquire('transfer:y', 400), false, 'held: not taken');
  await sleep(500);
  t.equal(await alive.tryAcquire('transfer:y', 400), true, 'expired: taken over');
  t.equal(await alive.holder('transfer:y'), 'alive');
  t.equal(await dead.tryAcquire('transfer:y', 400), false, 'the old holder cannot take it back while it is live');
});

t.test('a lease is renewed while its work runs longer than its life', { skip: pgSkip }, async (t) => {
  const [p1, p2] = await pools(t, 2);
  const r1 = new Leases(p1, 'r1', 300);
  const r2 = new Leases(p2, 'r2', 300);
  const during = await r1.exclusive('job:z', async () => {
    await sleep(900);
    return r2.tryAcquire('job:z', 300);
  });
  t.equal(during, false, 'three lifetimes later the lease is still r1\'s');
});

t.test('work that loses its lease to another replica (stalled past its life) may commit nothing more', { skip: pgSkip }, async (t) => {
  const [p1, p2] = await pools(t, 2);
  const stalled = new Leases(p1, 'stalled', 300);
  const other = new Leases(p2, 'other', 300);
  const outcome = await stalled.exclusive('negotiation:w', async () => {
    // The lease is taken over (as if this replica had stalled past it): expire it by hand.
    await p2!.query("UPDATE dataport_leases SET expires_at = now() - interval '1 second' WHERE key = 'negotiation:w'");
    t.equal(await other.tryAcquire('negotiation:w', 5000), true, 'the other replica takes it');
    await sleep(250); // the next renewal finds it gone
    try {
      stalled.assertHeld();
      return 'committed';
    } catch (e) {
      return (e as { code: string }).code;
    }
  });
  t.equal(outcome, 'DP_ERR_BUSY');
  t.equal(await other.holder('negotiation:w'), 'other', 'the release at the end did not take it from its new holder');
});
