import t from 'tap';
import { createHmac } from 'node:crypto';
import { DateDay, Int32, TimestampMicrosecond, TimestampMillisecond, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { dateShiftKey } from '../../../crypto/pseudonym-keys.js';
import { isDataportError } from '../../../crypto/errors.js';
import { createPipeline } from '../../../gateway/pipeline/apply.js';
import { thrown } from '../../helpers.js';
import { AGREEMENT, SECRET, batchOf, fixedVector, run } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());
const DAY_MS = 86_400_000;
const days = (iso: string) => Math.round(Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : `${iso}Z`) / DAY_MS);
/** The offset by the documented rule, computed here with node:crypto. */
function offsetOf(subject: string, maxDays: number): number {
  const t = createHmac('sha256', dateShiftKey(SECRET, AGREEMENT)).update(subject).digest();
  return Number(t.readUIntBE(0, 6) % (2 * maxDays + 1)) - maxDays;
}
const shift = (subjects: (string | null)[], dates: (string | null)[], maxDays = 30) =>
  run(strings(dates), [{ op: 'dateShift', maxDays }], { subjectColumn: 'USUBJID', others: { USUBJID: strings(subjects) } });

t.test('the offset is HMAC-SHA-256(dateShiftKey, subject) mod (2 maxDays + 1) - maxDays', async (t) => {
  const { values } = shift(['01-701-1015'], ['2014-01-02']);
  t.equal(days(values[0] as string) - days('2014-01-02'), offsetOf('01-701-1015', 30));
});

t.test('every date of one subject moves by the same number of days; times and formats stay', async (t) => {
  const input = ['2014-01-02', '2014-07-02T11:45', '1950-12-26T08:00:00.250+08:00', '2013-12-26'];
  const { values } = shift(['S1', 'S1', 'S1', 'S1'], input);
  const out = values as string[];
  const moved = input.map((d, i) => days(out[i]!.slice(0, 10)) - days(d.slice(0, 10)));
  t.equal(new Set(moved).size, 1, `all moved by ${moved[0]}`);
  t.equal(moved[0], offsetOf('S1', 30));
  t.same(out.map((d) => d.slice(10)), input.map((d) => d.slice(10)), 'time of day, fraction and zone untouched');
});

t.test('different subjects generally get different offsets', async (t) => {
  const subjects = Array.from({ length: 50 }, (_, i) => `01-701-${1000 + i}`);
  const { values } = shift(subjects, subjects.map(() => '2014-01-02'));
  t.ok(new Set(values).size >= 20, `${new Set(values).size} distinct shifted dates for 50 subjects`);
});

t.test('offsets stay within [-maxDays, +maxDays] and reach both ends', async (t) => {
  const subjects = Array.from({ length: 400 }, (_, i) => `S${i}`);
  const { values } = shift(subjects, subjects.map(() => '2020-03-01'), 3);
  const moved = new Set((values as string[]).map((d) => days(d) - days('2020-03-01')));
  t.same([...moved].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
});

t.test('a subject keeps its offset across batches; repeats are cache hits', async (t) => {
  const { pipeline, values: first } = shift(['S1', 'S2', 'S1'], ['2014-01-02', '2014-01-02', '2014-01-02']);
  t.equal(first[0], first[2]);
  t.same({ hmacs: pipeline.report().columns[0]!.hmacs, cacheHits: pipeline.report().columns[0]!.cacheHits }, { hmacs: 2, cacheHits: 1 });
});

t.test('two date columns of one subject move together, at one HMAC per subject', async (t) => {
  const plan = {
    version: 1 as const, agreementId: AGREEMENT, datasetId: 'dm', subjectColumn: 'USUBJID',
    columns: [
      { name: 'BRTHDTC', action: 'transform' as const, steps: [{ op: 'dateShift' as const, maxDays: 30 }] },
      { name: 'RFSTDTC', action: 'transform' as const, steps: [{ op: 'dateShift' as const, maxDays: 30 }] },
    ],
  };
  const pipeline = createPipeline(plan, SECRET);
  const out = pipeline.apply(batchOf({
    USUBJID: strings(['S1', 'S2', 'S1']), BRTHDTC: strings(['1950-12-26', '1948-07-22', '1950-12-26']), RFSTDTC: strings(['2014-01-02', '2012-08-05', '2014-03-01']),
  }));
  const birth = [...out.getChild('BRTHDTC')!] as string[];
  const start = [...out.getChild('RFSTDTC')!] as string[];
  t.same(start.map((d, i) => days(d) - days(birth[i]!)), [days('2014-01-02') - days('1950-12-26'), days('2012-08-05') - days('1948-07-22'), days('2014-03-01') - days('1950-12-26')]);
  t.same(pipeline.report().columns.map((c) => c.hmacs), [2, 0], 'the second column reuses the offsets of the batch');
});

t.test('a null date stays null; a null subject or an unparseable date becomes null', async (t) => {
  const { values, report } = shift(['S1', null, 'S1', 'S1'], [null, '2014-01-02', 'not a date', '2014-02-30']);
  t.same(values, [null, null, null, null]);
  t.same({ nullsIn: report.columns[0]!.nullsIn, nullsProduced: report.columns[0]!.nullsProduced, valuesChanged: report.columns[0]!.valuesChanged },
    { nullsIn: 1, nullsProduced: 3, valuesChanged: 3 });
});

t.test('reduced-precision dates shift their midpoint and keep their precision', async (t) => {
  const offset = offsetOf('S1', 30);
  const { values } = shift(['S1', 'S1'], ['2014-05', '1950']);
  const mid = new Date(Date.UTC(2014, 4, 15) + offset * DAY_MS);
  t.equal(values[0], `${mid.getUTCFullYear()}-${String(mid.getUTCMonth() + 1).padStart(2, '0')}`);
  t.equal(values[1], String(new Date(Date.UTC(1950, 6, 2) + offset * DAY_MS).getUTCFullYear()));
});

t.test('a DateDay column moves by the offset in days', async (t) => {
  const offset = offsetOf('S1', 30);
  const { vector } = run(fixedVector(new DateDay(), [16072, 0]), [{ op: 'dateShift', maxDays: 30 }], { subjectColumn: 's', others: { s: strings(['S1', 'S1']) } });
  t.same([...(vector.data[0] as Data).values], [16072 + offset, offset]);
  t.equal(String(vector.type), String(new DateDay()));
});

t.test('a Timestamp column moves by the offset in its own unit', async (t) => {
  const offset = offsetOf('S1', 30);
  const ms = run(fixedVector(new TimestampMillisecond(), [1388657400000n]), [{ op: 'dateShift', maxDays: 30 }], { subjectColumn: 's', others: { s: strings(['S1']) } });
  t.same([...(ms.vector.data[0] as Data).values], [1388657400000n + BigInt(offset * DAY_MS)]);
  const us = run(fixedVector(new TimestampMicrosecond(), [1388657400000123n]), [{ op: 'dateShift', maxDays: 30 }], { subjectColumn: 's', others: { s: strings(['S1']) } });
  t.same([...(us.vector.data[0] as Data).values], [1388657400000123n + BigInt(offset) * 86_400_000_000n]);
});

t.test('an integer subject column is read as its decimal text', async (t) => {
  const a = run(strings(['2014-01-02']), [{ op: 'dateShift', maxDays: 30 }], { subjectColumn: 's', others: { s: fixedVector(new Int32(), [1015]) } });
  t.equal(days(a.values[0] as string) - days('2014-01-02'), offsetOf('1015', 30));
});

t.test('dateShift without a subjectColumn in the plan is refused', async (t) => {
  t.equal(thrown(() => run(strings(['2014-01-02']), [{ op: 'dateShift', maxDays: 30 }])).message,
    'The request does not match its schema: dateShift on "x": the plan names no subjectColumn');
});

t.test('a subject column missing from the input is a schema mismatch', async (t) => {
  try {
    run(strings(['2014-01-02']), [{ op: 'dateShift', maxDays: 30 }], { subjectColumn: 'USUBJID' });
    t.fail('no error');
  } catch (e) {
    t.ok(isDataportError(e));
    t.same({ code: (e as { code: string }).code, details: (e as { details: unknown }).details }, { code: 'DP_ERR_VALIDATION', details: { reason: 'DP_ERR_SCHEMA_MISMATCH', column: 'USUBJID' } });
  }
});

t.test('maxDays outside 1..3650 is refused', async (t) => {
  t.equal(thrown(() => shift(['S1'], ['2014-01-02'], 0)).message, 'The request does not match its schema: dateShift on "x": maxDays 0 is not an integer in 1..3650');
});
