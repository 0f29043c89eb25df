import t from 'tap';
import { Bool, DateDay, Float64, Int32, List, Field, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { thrown } from '../../helpers.js';
import { fixedVector, run } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());

t.test('mask keeps the last characters and masks the rest', async (t) => {
  t.same(run(strings(['abcdef', '13812345678', 'ab', '', null]), [{ op: 'mask', keepLast: 2 }]).values, ['****ef', '*********78', 'ab', '', null]);
});

t.test('mask counts characters, not bytes', async (t) => {
  t.same(run(strings(['张三丰', '京A·12345']), [{ op: 'mask', keepLast: 1, char: '＊' }]).values, ['＊＊丰', '＊＊＊＊＊＊＊5']);
});

t.test('mask with keepLast 0 masks everything; the report counts masked values', async (t) => {
  const { values, report } = run(strings(['abc', 'x', null]), [{ op: 'mask', keepLast: 0, char: '#' }]);
  t.same(values, ['###', '#', null]);
  t.same({ valuesChanged: report.columns[0]!.valuesChanged, nullsIn: report.columns[0]!.nullsIn }, { valuesChanged: 2, nullsIn: 1 });
});

t.test('mask refuses a multi-character char and non-text columns', async (t) => {
  t.equal(thrown(() => run(strings(['a']), [{ op: 'mask', keepLast: 1, char: '**' }])).message, 'The request does not match its schema: mask on "x": char "**" is not one character');
  t.equal(thrown(() => run(fixedVector(new Int32(), [1]), [{ op: 'mask', keepLast: 1 }])).message, 'The request does not match its schema: mask on "x": needs a Utf8 column, got Int32');
});

t.test('redact replaces every non-null value, of any type, and keeps nulls', async (t) => {
  t.same(run(strings(['Zhang San, 110101199003077777', null, '']), [{ op: 'redact' }]).values, ['[REDACTED]', null, '[REDACTED]']);
  const numbers = run(fixedVector(new Float64(), [1.5, 2], [true, false]), [{ op: 'redact', replacement: '—' }]);
  t.same(numbers.values, ['—', null]);
  t.equal(String(numbers.vector.type), 'Utf8');
});

t.test('suppress makes every value null and keeps the type', async (t) => {
  const text = run(strings(['a', null, 'c']), [{ op: 'suppress' }]);
  t.same(text.values, [null, null, null]);
  t.equal(String(text.vector.type), 'Utf8');
  t.equal((text.vector.data[0] as Data).values.length, 0, 'no bytes travel');
  t.same({ nullsProduced: text.report.columns[0]!.nullsProduced, valuesChanged: text.report.columns[0]!.valuesChanged }, { nullsProduced: 2, valuesChanged: 2 });
  const ints = run(fixedVector(new Int32(), [7, 8]), [{ op: 'suppress' }]);
  t.same(ints.values, [null, null]);
  t.same([...(ints.vector.data[0] as Data).values], [0, 0]);
  const flags = run(vectorFromArray([true, false, true], new Bool()), [{ op: 'suppress' }]);
  t.same(flags.values, [null, null, null]);
  t.equal(flags.vector.length, 3);
  const dates = run(fixedVector(new DateDay(), [16000]), [{ op: 'suppress' }]);
  t.same(dates.values, [null]);
  t.equal(String(dates.vector.type), String(new DateDay()));
});

t.test('suppress turns a nested column into a Null column', async (t) => {
  const lists = vectorFromArray([[1, 2], [3]], new List(new Field('item', new Int32(), true)));
  const { values, vector } = run(lists, [{ op: 'suppress' }]);
  t.same(values, [null, null]);
  t.equal(String(vector.type), 'Null');
});
