// The formatToken column step: one identifier kind per column, tokens from detect/fpe.ts under
// the agreement's column key, invalid values made null.
import t from 'tap';
import { Int32, Utf8, vectorFromArray } from 'apache-arrow';
import { columnKey } from '../../../crypto/pseudonym-keys.js';
import { tokenizeResidentId, tokenizeUscc, tokenizeVin } from '../../../gateway/pipeline/detect/fpe.js';
import { detectIdentifiers } from '../../../gateway/pipeline/detect/index.js';
import { thrown } from '../../helpers.js';
import { AGREEMENT, SECRET, fixedVector, run } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());
const KEY = columnKey(SECRET, AGREEMENT, 'x');
const ID = '11010519491231002X';
const VIN = '1M8GDM9AXKP042788';
const USCC = '914403001922038216';

t.test('each value becomes the format-preserving token under the column key', async (t) => {
  t.same(run(strings([ID]), [{ op: 'formatToken', kind: 'cn_resident_id' }]).values, [tokenizeResidentId(KEY, ID)]);
  t.same(run(strings([VIN]), [{ op: 'formatToken', kind: 'vin' }]).values, [tokenizeVin(KEY, VIN)]);
  t.same(run(strings([USCC]), [{ op: 'formatToken', kind: 'cn_uscc' }]).values, [tokenizeUscc(KEY, USCC)]);
});

t.test('tokens differ from the values and the detector reads them as the same kind', async (t) => {
  const { values } = run(strings([ID, '110105200002290013']), [{ op: 'formatToken', kind: 'cn_resident_id' }]);
  for (const [i, token] of (values as string[]).entries()) {
    t.not(token, [ID, '110105200002290013'][i]);
    t.same(detectIdentifiers(token), [{ type: 'cn_resident_id', start: 0, end: 18 }]);
  }
});

t.test('a repeated value gets one token, computed once', async (t) => {
  const { values, report } = run(strings([VIN, VIN, VIN]), [{ op: 'formatToken', kind: 'vin' }]);
  t.equal(new Set(values).size, 1);
  t.same({ cacheHits: report.columns[0]!.cacheHits, hmacs: report.columns[0]!.hmacs }, { cacheHits: 2, hmacs: 10 });
});

t.test('another agreement or column gives other tokens', async (t) => {
  const [a] = run(strings([VIN]), [{ op: 'formatToken', kind: 'vin' }]).values;
  const [b] = run(strings([VIN]), [{ op: 'formatToken', kind: 'vin' }], { agreementId: 'urn:uuid:agreement-2' }).values;
  t.not(a, b);
  t.equal(b, tokenizeVin(columnKey(SECRET, 'urn:uuid:agreement-2', 'x'), VIN));
});

t.test('a value that is not a valid identifier of the kind becomes null and counts as changed', async (t) => {
  const { values, report } = run(strings(['110105194912310021', 'not an id', '', VIN, `${ID}0`, '１１０１０５１９４９１２３１００２Ｘ', ID]), [{ op: 'formatToken', kind: 'cn_resident_id' }]);
  t.same(values, [null, null, null, null, null, null, tokenizeResidentId(KEY, ID)]);
  t.same({ valuesChanged: report.columns[0]!.valuesChanged, nullsProduced: report.columns[0]!.nullsProduced }, { valuesChanged: 7, nullsProduced: 6 });
});

t.test('surrounding whitespace is ignored', async (t) => {
  t.same(run(strings([` ${VIN}\t`]), [{ op: 'formatToken', kind: 'vin' }]).values, [tokenizeVin(KEY, VIN)]);
});

t.test('nulls stay null and are not counted as changed', async (t) => {
  const { values, report } = run(strings([null, USCC, null]), [{ op: 'formatToken', kind: 'cn_uscc' }]);
  t.same(values, [null, tokenizeUscc(KEY, USCC), null]);
  t.same({ nullsIn: report.columns[0]!.nullsIn, valuesChanged: report.columns[0]!.valuesChanged, nullsProduced: report.columns[0]!.nullsProduced }, { nullsIn: 2, valuesChanged: 1, nullsProduced: 0 });
});

t.test('the input column is not modified', async (t) => {
  const input = strings([ID, 'bad']);
  run(input, [{ op: 'formatToken', kind: 'cn_resident_id' }]);
  t.same([...input], [ID, 'bad']);
});

t.test('formatToken refuses a non-text column and an unknown kind', async (t) => {
  t.equal(thrown(() => run(fixedVector(new Int32(), [1]), [{ op: 'formatToken', kind: 'vin' }])).message, 'The request does not match its schema: formatToken on "x": needs a Utf8 column, got Int32');
  t.equal(thrown(() => run(strings(['a']), [{ op: 'formatToken', kind: 'email' as 'vin' }])).message, 'The request does not match its schema: formatToken on "x": kind "email" is not one of cn_resident_id, vin, cn_uscc');
});
