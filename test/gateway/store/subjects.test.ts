// The distinct individuals per exporter and year, in files (one process) and in PostgreSQL (shared
// by replicas): the same answers on the same batches, nothing counted by a withYear that throws,
// and, in PostgreSQL, exact counts and thresholds never overshot under concurrent replicas.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FileSubjectCounts, HASH_BYTES, subjectHasher, type SubjectKind } from '../../../gateway/compliance/subject-store.js';
import { connectPg, migrate, type PgPool } from '../../../gateway/store/pg.js';
import { PgSubjectCounts } from '../../../gateway/store/pg-subjects.js';
import type { SubjectBook, SubjectCounts } from '../../../gateway/store/types.js';
import { freshDatabase, pgSkip } from '../../pg.js';
import { tempDir } from '../../helpers.js';

type T = Parameters<typeof tempDir>[0] & { teardown: (fn: () => Promise<void> | void) => void };
const EXPORTER = 'did:key:zExporter';
const hash = subjectHasher(new Uint8Array(32).fill(7), EXPORTER);

function hashes(ids: string[]): Uint8Array {
  const out = new Uint8Array(ids.length * HASH_BYTES);
  ids.forEach((id, i) => hash(id, out, i * HASH_BYTES));
  return out;
}

const range = (from: number, to: number, prefix = 'S-') => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

/** `replicas` pools on one new database, migrated; ended at teardown. */
async function pools(t: T, replicas = 1): Promise<PgPool[]> {
  const url = await freshDatabase(t);
  const out: PgPool[] = [];
  for (let i = 0; i < replicas; i++) out.push(await connectPg(url, { max: 4 }));
  t.teardown(async () => {
    for (const p of out) await p.end();
  });
  await migrate(out[0]!);
  return out;
}

/** Probes a batch and counts the first `upto` of it, as the data plane's gate does. */
async function batch(subjects: SubjectCounts, kind: SubjectKind, ids: string[], upto = ids.length, year = 2026) {
  const h = hashes(ids);
  return subjects.withYear(EXPORTER, year, async (book) => {
    const fresh = [...(await book.probe(kind, h, ids.length))];
    const added = book.add(kind, h, upto);
    return { fresh, added, count: book.count(kind) };
  });
}

/** A fixed sequence of batches: repeats within a batch, across batches, a cut, two kinds, two years. */
async function script(subjects: SubjectCounts) {
  return [
    await batch(subjects, 'pi', ['a', 'b', 'a', 'c']),
    await batch(subjects, 'pi', ['c', 'd', 'd', 'e', 'f'], 3),
    await batch(subjects, 'pi', ['f', 'e', 'g']),
    await batch(subjects, 'sensitive', ['a', 'a', 'z']),
    await batch(subjects, 'pi', ['a', 'y'], 2, 2027),
    { pi: await subjects.count(EXPORTER, 2026, 'pi'), sensitive: await subjects.count(EXPORTER, 2026, 'sensitive'), pi2027: await subjects.count(EXPORTER, 2027, 'pi') },
  ];
}

const EXPECTED = [
  { fresh: [1, 1, 0, 1], added: 3, count: 3 },
  { fresh: [0, 1, 0, 1, 1], added: 1, count: 4 },
  { fresh: [1, 1, 1], added: 3, count: 7 },
  { fresh: [1, 0, 1], added: 2, count: 2 },
  { fresh: [1, 1], added: 2, count: 2 },
  { pi: 7, sensitive: 2, pi2027: 2 },
];

t.test('files: probe marks the first of each uncounted individual; add counts up to the cut; kinds and years apart', async (t) => {
  t.same(await script(new FileSubjectCounts(tempDir(t))), EXPECTED);
});

t.test('PostgreSQL gives the same fresh flags, additions and counts as the files on the same batches', { skip: pgSkip }, async (t) => {
  const [pool] = await pools(t);
  t.same(await script(new PgSubjectCounts(pool!)), EXPECTED);
});

t.test('files: what a withYear counted is on disk when it resolves, and a reopened store counts it', async (t) => {
  const dir = tempDir(t);
  await batch(new FileSubjectCounts(dir), 'pi', range(0, 1000));
  const [file] = readdirSync(dir);
  t.equal(statSync(join(dir, file!)).size, 1000 * HASH_BYTES);
  const again = new FileSubjectCounts(dir);
  t.equal(await again.count(EXPORTER, 2026, 'pi'), 1000);
  t.same((await batch(again, 'pi', ['S-999', 'S-1000'])).fresh, [0, 1]);
});

async function throwing(subjects: SubjectCounts): Promise<unknown> {
  return subjects.withYear(EXPORTER, 2026, async (book: SubjectBook) => {
    const h = hashes(['x', 'y', 'z']);
    await book.probe('pi', h, 3);
    book.add('pi', h, 3);
    throw new Error('the batch failed');
  }).catch((e: Error) => e.message);
}

t.test('files: a withYear whose function throws counts nothing', async (t) => {
  const subjects = new FileSubjectCounts(tempDir(t));
  await batch(subjects, 'pi', ['w']);
  t.equal(await throwing(subjects), 'the batch failed');
  t.equal(await subjects.count(EXPORTER, 2026, 'pi'), 1);
  t.same((await batch(subjects, 'pi', ['w', 'x', 'y', 'z'])).fresh, [0, 1, 1, 1]);
});

t.test('PostgreSQL: a withYear whose function throws counts nothing (rolled back)', { skip: pgSkip }, async (t) => {
  const [pool] = await pools(t);
  const subjects = new PgSubjectCounts(pool!);
  await batch(subjects, 'pi', ['w']);
  t.equal(await throwing(subjects), 'the batch failed');
  t.equal(await subjects.count(EXPORTER, 2026, 'pi'), 1);
  const { rows } = await pool!.query('SELECT count(*)::int AS n FROM dataport_compliance_subjects');
  t.equal(rows[0].n, 1, 'no hash of the failed batch was kept');
  t.same((await batch(subjects, 'pi', ['w', 'x', 'y', 'z'])).fresh, [0, 1, 1, 1]);
});

t.test('PostgreSQL: batches larger than one statement are probed and counted whole', { skip: pgSkip }, async (t) => {
  const [pool] = await pools(t);
  const subjects = new PgSubjectCounts(pool!);
  t.equal((await batch(subjects, 'pi', range(0, 25_000))).added, 25_000);
  const second = await batch(subjects, 'pi', range(20_000, 45_000));
  t.equal(second.fresh.filter((f) => f === 1).length, 20_000, 'the 5,000 already counted are not fresh');
  t.equal(await subjects.count(EXPORTER, 2026, 'pi'), 45_000);
});

t.test('PostgreSQL: 4 replicas adding overlapping sets at once count each individual exactly once', { skip: pgSkip }, async (t) => {
  const ps = await pools(t, 4);
  const replicas = ps.map((p) => new PgSubjectCounts(p));
  // 32 callers, each 500 ids starting 250 after the previous one's: 8,250 distinct ids.
  await Promise.all(Array.from({ length: 32 }, (_, i) => batch(replicas[i % 4]!, 'pi', range(i * 250, i * 250 + 500))));
  t.equal(await replicas[0]!.count(EXPORTER, 2026, 'pi'), 31 * 250 + 500);
  const { rows } = await ps[0]!.query('SELECT count(*)::int AS n FROM dataport_compliance_subjects');
  t.equal(rows[0].n, 31 * 250 + 500, 'the counter agrees with the rows');
});

/** Admits the individuals of `ids` while the year's count stays within `limit`; returns how many it admitted. */
async function admitUpTo(subjects: SubjectCounts, ids: string[], limit: number): Promise<number> {
  const h = hashes(ids);
  return subjects.withYear(EXPORTER, 2026, async (book) => {
    const fresh = await book.probe('pi', h, ids.length);
    let total = book.count('pi');
    let upto = 0;
    for (let i = 0; i < ids.length; i++) {
      if (fresh[i]) {
        if (total >= limit) break;
        total++;
      }
      upto = i + 1;
      // Other callers run meanwhile if the year is not held.
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    return book.add('pi', h, upto);
  });
}

t.test('PostgreSQL: a threshold checked inside withYear is never overshot by 4 replicas admitting at once', { skip: pgSkip }, async (t) => {
  const replicas = (await pools(t, 4)).map((p) => new PgSubjectCounts(p));
  const limit = 1000;
  const admitted = await Promise.all(Array.from({ length: 16 }, (_, i) => admitUpTo(replicas[i % 4]!, range(i * 200, i * 200 + 400), limit)));
  t.equal(admitted.reduce((a, b) => a + b, 0), limit, 'the callers admitted exactly the limit between them');
  t.equal(await replicas[0]!.count(EXPORTER, 2026, 'pi'), limit);
});

t.test('files: a threshold checked inside withYear is never overshot by callers admitting at once', async (t) => {
  const subjects = new FileSubjectCounts(tempDir(t));
  const admitted = await Promise.all(Array.from({ length: 16 }, (_, i) => admitUpTo(subjects, range(i * 200, i * 200 + 400), 1000)));
  t.equal(admitted.reduce((a, b) => a + b, 0), 1000);
  t.equal(await subjects.count(EXPORTER, 2026, 'pi'), 1000);
});
