// The store of distinct individuals per exporter and year.
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { HASH_BYTES, SubjectStore, subjectHasher } from '../../../gateway/compliance/subject-store.js';
import { tempDir } from '../../helpers.js';

const secret = new Uint8Array(32).fill(9);

function hashes(exporter: string, ids: string[]): Uint8Array {
  const hash = subjectHasher(secret, exporter);
  const out = new Uint8Array(ids.length * HASH_BYTES);
  ids.forEach((id, i) => hash(id, out, i * HASH_BYTES));
  return out;
}

t.test('the keyed hash depends on the exporter: the same person under two exporters is two unrelated hashes', async (t) => {
  const a = hashes('did:key:zA', ['S-1']);
  const b = hashes('did:key:zB', ['S-1']);
  t.equal(a.length, 16);
  t.notSame(a, b);
  t.same(hashes('did:key:zA', ['S-1']), a, 'deterministic');
});

t.test('probe marks the individuals not yet counted (the first of equal ones in a batch); add counts only up to the cut', async (t) => {
  const store = new SubjectStore(tempDir(t));
  const h = hashes('x', ['a', 'b', 'a', 'c']);
  t.same([...store.probe('x', 2026, 'pi', h, 4)], [1, 1, 0, 1]);
  t.equal(store.add('x', 2026, 'pi', h, 2), 2, 'a and b');
  t.same([...store.probe('x', 2026, 'pi', h, 4)], [0, 0, 0, 1]);
  t.equal(store.count('x', 2026, 'pi'), 2);
  t.equal(store.count('x', 2026, 'sensitive'), 0, 'kinds are counted apart');
  t.equal(store.count('x', 2027, 'pi'), 0, 'years are counted apart');
});

t.test('flushed hashes survive a reopen; a torn last record is cut and not counted', async (t) => {
  const dir = tempDir(t);
  const store = new SubjectStore(dir);
  const ids = Array.from({ length: 5000 }, (_, i) => `S-${i}`);
  store.add('x', 2026, 'pi', hashes('x', ids), ids.length);
  await store.flush();
  const [file] = readdirSync(dir);
  t.equal(statSync(join(dir, file!)).size, 5000 * 16);
  appendFileSync(join(dir, file!), new Uint8Array(7)); // a write cut by a crash
  const again = new SubjectStore(dir);
  t.equal(again.count('x', 2026, 'pi'), 5000);
  t.equal(statSync(join(dir, file!)).size, 5000 * 16, 'the torn bytes are gone');
  t.same([...again.probe('x', 2026, 'pi', hashes('x', ['S-4999', 'S-5000']), 2)], [0, 1]);
});
