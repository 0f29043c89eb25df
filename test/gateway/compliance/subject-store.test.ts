// The store of distinct individuals per exporter and year, and the record's artefact statuses.
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { artefactStatus, workingDaysBetween } from '../../../gateway/compliance/routes.js';
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

t.test('working days count Monday to Friday after the first date up to the second', async (t) => {
  t.equal(workingDaysBetween('2026-11-27', '2026-11-30'), 1, 'Friday to Monday');
  t.equal(workingDaysBetween('2026-11-27', '2026-11-27'), 0);
  t.equal(workingDaysBetween('2026-11-30', '2026-11-27'), -1);
  t.equal(workingDaysBetween('2026-01-01', '2026-12-31'), 260);
});

t.test('artefacts: valid, expiring within 60 working days, expired on the day after, filings without expiry', async (t) => {
  const today = '2026-11-27';
  t.same(artefactStatus({
    standardContract: { filingId: 'F-1', filedOn: '2026-01-15' },
    certification: { id: 'C-1', expires: '2027-02-19' }, // 60 working days ahead
    securityAssessment: { id: 'SA-1', expires: '2026-11-26' },
    pia: { date: '2026-11-01' },
  }, today), [
    { kind: 'standardContract', id: 'F-1', date: '2026-01-15', status: 'filed' },
    { kind: 'certification', id: 'C-1', date: '2027-02-19', status: 'expiring', workingDaysLeft: 60 },
    { kind: 'securityAssessment', id: 'SA-1', date: '2026-11-26', status: 'expired', workingDaysLeft: -1 },
    { kind: 'pia', date: '2026-11-01', status: 'filed' },
  ]);
  t.match(artefactStatus({ certification: { id: 'C-2', expires: '2027-02-22' } }, today), [{ status: 'valid', workingDaysLeft: 61 }]);
  t.match(artefactStatus({ certification: { id: 'C-3', expires: today } }, today), [{ status: 'expiring', workingDaysLeft: 0 }], 'valid through its expiry day');
});
