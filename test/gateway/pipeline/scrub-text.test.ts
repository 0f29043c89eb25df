// The scrubText column step: identifiers found in free text are masked, labelled or tokenised,
// the text around them kept.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { Int32, Utf8, vectorFromArray } from 'apache-arrow';
import { columnKey } from '../../../crypto/pseudonym-keys.js';
import { tokenizeResidentId, tokenizeUscc, tokenizeVin } from '../../../gateway/pipeline/detect/fpe.js';
import { detectIdentifiers } from '../../../gateway/pipeline/detect/index.js';
import { thrown } from '../../helpers.js';
import { AGREEMENT, SECRET, fixedVector, run } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());

const NOTE = '患者张三，身份证11010519491231002X，电话138 1234 5678，邮箱 zhang.san@example.com，车牌京A·12345，'
  + 'VIN 1M8GDM9AXKP042788，单位代码914403001922038216，卡号4111 1111 1111 1111，护照E12345678。无其他。';
const FOUND = {
  cn_resident_id: '11010519491231002X', cn_mobile: '138 1234 5678', email: 'zhang.san@example.com', cn_plate: '京A·12345',
  vin: '1M8GDM9AXKP042788', cn_uscc: '914403001922038216', bank_card: '4111 1111 1111 1111', cn_passport: 'E12345678',
};
const KEY = columnKey(SECRET, AGREEMENT, 'x');
/** '[type:hex16]' computed independently: HMAC-SHA-256 under HMAC(column key, label), by node:crypto. */
const tag = (type: string, normalised: string) => {
  const key = createHmac('sha256', KEY).update('dataport/scrub-text/v1').digest();
  return `[${type}:${createHmac('sha256', key).update(`${type}:${normalised}`).digest('hex').slice(0, 16)}]`;
};

t.test('the test note holds one identifier of every type', async (t) => {
  t.same(detectIdentifiers(NOTE).map((s) => [s.type, NOTE.slice(s.start, s.end)]).sort(), Object.entries(FOUND).sort());
});

t.test('mask overwrites each identifier with as many * as it has characters', async (t) => {
  const { values } = run(strings([NOTE]), [{ op: 'scrubText', replace: 'mask' }]);
  t.equal(values[0], '患者张三，身份证******************，电话*************，邮箱 *********************，车牌********，'
    + 'VIN *****************，单位代码******************，卡号*******************，护照*********。无其他。');
  t.equal((values[0] as string).length, NOTE.length);
});

t.test('label writes the identifier type in brackets', async (t) => {
  const { values } = run(strings([NOTE]), [{ op: 'scrubText', replace: 'label' }]);
  t.equal(values[0], '患者张三，身份证[cn_resident_id]，电话[cn_mobile]，邮箱 [email]，车牌[cn_plate]，'
    + 'VIN [vin]，单位代码[cn_uscc]，卡号[bank_card]，护照[cn_passport]。无其他。');
});

t.test('token writes format-preserving tokens for ids, VINs and credit codes, keyed tags for the others', async (t) => {
  const { values } = run(strings([NOTE]), [{ op: 'scrubText', replace: 'token' }]);
  t.equal(values[0], `患者张三，身份证${tokenizeResidentId(KEY, FOUND.cn_resident_id)}，电话${tag('cn_mobile', '13812345678')}，`
    + `邮箱 ${tag('email', 'zhang.san@example.com')}，车牌${tag('cn_plate', '京A12345')}，VIN ${tokenizeVin(KEY, FOUND.vin)}，`
    + `单位代码${tokenizeUscc(KEY, FOUND.cn_uscc)}，卡号${tag('bank_card', '4111111111111111')}，护照${tag('cn_passport', 'E12345678')}。无其他。`);
});

t.test('no identifier survives token or mask: what the detector finds afterwards is only tokens, none an original', async (t) => {
  const originals = new Set(Object.values(FOUND));
  for (const replace of ['token', 'mask'] as const) {
    const out = run(strings([NOTE]), [{ op: 'scrubText', replace }]).values[0] as string;
    const spans = detectIdentifiers(out);
    t.same(spans.map((s) => s.type), replace === 'token' ? ['cn_resident_id', 'vin', 'cn_uscc'] : [], replace);
    for (const s of spans) t.notOk(originals.has(out.slice(s.start, s.end)), `${replace}: ${s.type} is a token`);
    for (const original of originals) t.notOk(out.includes(original), `${replace}: ${original} is gone`);
  }
});

t.test('two spellings of one mobile number get one token', async (t) => {
  const { values } = run(strings(['call 138-1234-5678', 'call +86 13812345678']), [{ op: 'scrubText', replace: 'token' }]);
  t.same(values, [`call ${tag('cn_mobile', '13812345678')}`, `call ${tag('cn_mobile', '13812345678')}`]);
});

t.test('types limits the replacement to those identifier types', async (t) => {
  const { values } = run(strings(['电话13812345678，护照E12345678']), [{ op: 'scrubText', replace: 'label', types: ['cn_mobile'] }]);
  t.same(values, ['电话[cn_mobile]，护照E12345678']);
});

t.test('nulls pass, text without identifiers is kept and not counted as changed', async (t) => {
  const { values, report } = run(strings([null, 'no identifiers here, 12345', '', '手机13812345678']), [{ op: 'scrubText', replace: 'label' }]);
  t.same(values, [null, 'no identifiers here, 12345', '', '手机[cn_mobile]']);
  t.same({ nullsIn: report.columns[0]!.nullsIn, valuesChanged: report.columns[0]!.valuesChanged }, { nullsIn: 1, valuesChanged: 1 });
});

t.test('a batch whose output outgrows the input buffer keeps every row', async (t) => {
  const rows = Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? `m 1381234${String(i).padStart(4, '0')}` : `row ${i}`));
  const { values } = run(strings(rows), [{ op: 'scrubText', replace: 'label' }]);
  t.same(values, rows.map((r, i) => (i % 2 === 0 ? 'm [cn_mobile]' : r)));
});

t.test('scrubText refuses a non-text column, an unknown mode and an unknown type', async (t) => {
  t.equal(thrown(() => run(fixedVector(new Int32(), [1]), [{ op: 'scrubText', replace: 'mask' }])).message, 'The request does not match its schema: scrubText on "x": needs a Utf8 column, got Int32');
  t.equal(thrown(() => run(strings(['a']), [{ op: 'scrubText', replace: 'erase' as 'mask' }])).message, 'The request does not match its schema: scrubText on "x": replace "erase" is not one of mask, token, label');
  t.match(thrown(() => run(strings(['a']), [{ op: 'scrubText', replace: 'mask', types: ['ssn' as 'email'] }])).message, 'scrubText on "x": type "ssn" is not one of cn_resident_id');
});
