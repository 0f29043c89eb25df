// scanColumns: roles and steps proposed from what the detector finds in a sample, or from names.
import t from 'tap';
import { Float64, Int32, Int64, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { residentIdCheckChar, vinCheckDigit } from '../../../gateway/pipeline/detect/index.js';
import { scanColumns, type ColumnScan } from '../../../gateway/pipeline/scan.js';
import { batchOf, fixedVector } from './helpers.js';

const TODAY = new Date('2026-01-01T00:00:00Z');
const N = 50;

const residentId = (i: number) => {
  const first17 = `3301061985${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${String(i).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};
const vin = (i: number) => {
  const template = `LSGJA52U0GH${String(i).padStart(6, '0')}`;
  return template.slice(0, 8) + vinCheckDigit(template) + template.slice(9);
};
const mobile = (i: number) => `139${String(10_000_000 + i * 7919).slice(0, 8)}`;

function dataset(): RecordBatch {
  const rows = Array.from({ length: N }, (_, i) => i);
  return batchOf({
    PATIENT_ID: vectorFromArray(rows.map(residentId), new Utf8()),
    VIN: vectorFromArray(rows.map((i) => (i === 7 ? null : ` ${vin(i)} `)), new Utf8()),
    PHONE: vectorFromArray(rows.map(mobile), new Utf8()),
    NOTES: vectorFromArray(rows.map((i) => (i % 5 === 0 ? `患者主诉头痛，联系电话${mobile(i)}，复诊。` : '患者主诉头痛，建议复诊。')), new Utf8()),
    AGE: fixedVector(new Int32(), rows.map((i) => 20 + i)),
    SEX: vectorFromArray(rows.map((i) => (i % 2 ? 'F' : 'M')), new Utf8()),
    BRTHDTC: vectorFromArray(rows.map(() => '1985-03-01'), new Utf8()),
    AETERM: vectorFromArray(rows.map(() => 'HEADACHE'), new Utf8()),
    WEIGHT: fixedVector(new Float64(), rows.map((i) => 60 + i)),
    MOBILE_INT: fixedVector(new Int64(), rows.map((i) => BigInt(mobile(i)))),
  });
}

const byColumn = (scans: ColumnScan[]) => Object.fromEntries(scans.map((s) => [s.column, s]));

t.test('a resident ID column is a direct identifier, proposed for formatToken', async (t) => {
  const { PATIENT_ID } = byColumn(await scanColumns([dataset()], { today: TODAY }));
  t.same(
    { role: PATIENT_ID!.proposedRole, steps: PATIENT_ID!.proposedSteps, found: PATIENT_ID!.detected.cn_resident_id, share: PATIENT_ID!.share, values: PATIENT_ID!.valuesSampled },
    { role: 'direct-identifier', steps: [{ op: 'formatToken', kind: 'cn_resident_id' }], found: N, share: 1, values: N },
  );
  t.match(PATIENT_ID!.reason, /^identifier column: 100% of 50 non-null sampled values are each one cn_resident_id/);
});

t.test('a VIN column with padding and a null is a direct identifier, proposed for formatToken', async (t) => {
  const { VIN } = byColumn(await scanColumns([dataset()], { today: TODAY }));
  t.same({ role: VIN!.proposedRole, steps: VIN!.proposedSteps, values: VIN!.valuesSampled, found: VIN!.detected.vin }, { role: 'direct-identifier', steps: [{ op: 'formatToken', kind: 'vin' }], values: N - 1, found: N - 1 });
});

t.test('mobile numbers, as text or as integers, are direct identifiers proposed for pseudonymize', async (t) => {
  const { PHONE, MOBILE_INT } = byColumn(await scanColumns([dataset()], { today: TODAY }));
  for (const scan of [PHONE!, MOBILE_INT!]) {
    t.same({ role: scan.proposedRole, steps: scan.proposedSteps, found: scan.detected.cn_mobile }, { role: 'direct-identifier', steps: [{ op: 'pseudonymize' }], found: N }, scan.column);
  }
});

t.test('notes with mobile numbers inside are free text, proposed for scrubText', async (t) => {
  const { NOTES } = byColumn(await scanColumns([dataset()], { today: TODAY }));
  t.same({ role: NOTES!.proposedRole, steps: NOTES!.proposedSteps, embedded: NOTES!.embedded, share: NOTES!.share }, { role: 'other', steps: [{ op: 'scrubText', replace: 'token' }], embedded: 10, share: 0 });
  t.match(NOTES!.reason, /^free text: 20% of 50 non-null sampled values hold an identifier \(10 inside longer text\)/);
});

t.test('age, sex and birth date are quasi-identifiers by name, an adverse event term sensitive', async (t) => {
  const { AGE, SEX, BRTHDTC, AETERM } = byColumn(await scanColumns([dataset()], { today: TODAY }));
  t.same([AGE, SEX, BRTHDTC, AETERM].map((s) => [s!.proposedRole, s!.proposedSteps]), [
    ['quasi-identifier', undefined], ['quasi-identifier', undefined], ['quasi-identifier', undefined], ['sensitive', undefined],
  ]);
  t.equal(AGE!.reason, 'name: "AGE" matches the quasi-identifier hint "age"; 0 of 50 non-null sampled values hold an identifier');
});

t.test('a column the rules do not cover is other, and a float column is judged by name only', async (t) => {
  const { WEIGHT } = byColumn(await scanColumns([dataset()], { today: TODAY }));
  t.same({ role: WEIGHT!.proposedRole, values: WEIGHT!.valuesSampled }, { role: 'other', values: 0 });
  t.equal(WEIGHT!.reason, 'no rule fired: not a text or integer column, so only its name was read, and the name matches no hint');
});

t.test('name hints match words, not substrings', async (t) => {
  const batch = batchOf({
    PAGE: vectorFromArray(['1'], new Utf8()), date_of_birth: vectorFromArray(['x'], new Utf8()),
    PostCode: vectorFromArray(['x'], new Utf8()), SITEID: vectorFromArray(['x'], new Utf8()),
  });
  t.same((await scanColumns([batch])).map((s) => s.proposedRole), ['other', 'quasi-identifier', 'quasi-identifier', 'quasi-identifier']);
});

t.test('a column of mixed identifier types is a direct identifier, proposed for pseudonymize', async (t) => {
  const contacts = Array.from({ length: 10 }, (_, i) => (i % 2 ? mobile(i) : `user${i}@example.com`));
  const [scan] = await scanColumns([batchOf({ CONTACT: vectorFromArray(contacts, new Utf8()) })]);
  t.same({ role: scan!.proposedRole, steps: scan!.proposedSteps, share: scan!.share }, { role: 'direct-identifier', steps: [{ op: 'pseudonymize' }], share: 0.5 });
  t.match(scan!.reason, 'of several types');
});

t.test('the thresholds are options', async (t) => {
  const [strict] = await scanColumns([dataset()], { today: TODAY, freeTextShare: 0.5 }).then((s) => s.filter((c) => c.column === 'NOTES'));
  t.equal(strict!.proposedRole, 'other');
  t.equal(strict!.proposedSteps, undefined);
});

t.test('only sampleRows rows are read, across batches, and later batches are not pulled', async (t) => {
  let pulled = 0;
  async function* batches() {
    for (let b = 0; b < 10; b++) {
      pulled++;
      yield dataset();
    }
  }
  const scans = await scanColumns(batches(), { sampleRows: 75, today: TODAY });
  t.same({ rows: scans[0]!.rowsSampled, values: scans[0]!.valuesSampled, pulled }, { rows: 75, values: 75, pulled: 2 });
});

t.test('no batches give no columns; bad options are DP_ERR_INVALID_ARGUMENT', async (t) => {
  t.same(await scanColumns([]), []);
  await t.rejects(scanColumns([], { sampleRows: 0 }), { code: 'DP_ERR_INVALID_ARGUMENT' });
  await t.rejects(scanColumns([], { identifierShare: 1.5 }), { code: 'DP_ERR_INVALID_ARGUMENT' });
});
