import t from 'tap';
import { Float64, Int32, Int64, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { thrown } from '../../helpers.js';
import { fixedVector, run } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());
const ages = (values: (number | null)[]) => fixedVector(new Int32(), values.map((v) => v ?? 0), values.map((v) => v !== null));

/** An age hierarchy in ARX's CSV format (one row per value, ';'-separated): 5, 10 and 20-year bands, then '*'. */
function ageHierarchyCsv(): string {
  const band = (age: number, width: number) => `${age - (age % width)}-${age - (age % width) + width - 1}`;
  return Array.from({ length: 100 }, (_, age) => `${age};${band(age, 5)};${band(age, 10)};${band(age, 20)};*`).join('\n');
}
const parseArx = (csv: string) => csv.split('\n').map((line) => line.split(';'));
const AGE = parseArx(ageHierarchyCsv());

// CDISC SDTM RACE (controlled terminology C74457) generalised as a US-census-style ARX hierarchy.
const RACE = parseArx([
  'WHITE;WHITE;*',
  'BLACK OR AFRICAN AMERICAN;BLACK OR AFRICAN AMERICAN;*',
  'ASIAN;ASIAN;*',
  'AMERICAN INDIAN OR ALASKA NATIVE;OTHER;*',
  'NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER;OTHER;*',
  'MULTIPLE;OTHER;*',
].join('\n'));

t.test('the ARX age hierarchy generalises numbers by their decimal text', async (t) => {
  t.equal(AGE[63]!.join(';'), '63;60-64;60-69;60-79;*');
  const input = ages([63, 64, 17, null, 150]);
  t.same(run(input, [{ op: 'hierarchy', levels: AGE, level: 1 }]).values, ['60-64', '60-64', '15-19', null, '*']);
  t.same(run(input, [{ op: 'hierarchy', levels: AGE, level: 2 }]).values, ['60-69', '60-69', '10-19', null, '*']);
  t.same(run(input, [{ op: 'hierarchy', levels: AGE, level: 4 }]).values, ['*', '*', '*', null, '*']);
});

t.test('level 0 keeps listed values and still turns unlisted ones into *', async (t) => {
  const { values, report } = run(strings(['WHITE', 'OTHER RACE', 'ASIAN']), [{ op: 'hierarchy', levels: RACE, level: 0 }]);
  t.same(values, ['WHITE', '*', 'ASIAN']);
  t.equal(report.columns[0]!.valuesChanged, 1);
});

t.test('a text hierarchy merges small groups', async (t) => {
  const { values, vector, report } = run(strings(['WHITE', 'MULTIPLE', 'AMERICAN INDIAN OR ALASKA NATIVE', null]), [{ op: 'hierarchy', levels: RACE, level: 1 }]);
  t.same(values, ['WHITE', 'OTHER', 'OTHER', null]);
  t.equal(String(vector.type), 'Utf8');
  t.equal(report.columns[0]!.valuesChanged, 2);
});

t.test('a hierarchy row too short for the level is refused', async (t) => {
  t.equal(thrown(() => run(strings(['a']), [{ op: 'hierarchy', levels: [['a', 'b']], level: 2 }])).message,
    'The request does not match its schema: hierarchy on "x": row 0 ("a") has 2 entries, level 2 needs 3');
});

t.test('a value listed twice with different generalisations is refused', async (t) => {
  t.equal(thrown(() => run(strings(['a']), [{ op: 'hierarchy', levels: [['a', 'b'], ['a', 'c']], level: 1 }])).message,
    'The request does not match its schema: hierarchy on "x": value "a" is listed twice with different generalisations');
});

t.test('interval turns numbers into [lo, hi) labels', async (t) => {
  const { values, vector } = run(ages([63, 60, 59, null, -1]), [{ op: 'interval', width: 10 }]);
  t.same(values, ['[60, 70)', '[60, 70)', '[50, 60)', null, '[-10, 0)']);
  t.equal(String(vector.type), 'Utf8');
});

t.test('interval anchors at min', async (t) => {
  t.same(run(ages([18, 17, 22, 23]), [{ op: 'interval', width: 5, min: 18 }]).values, ['[18, 23)', '[13, 18)', '[18, 23)', '[23, 28)']);
});

t.test('interval labels of fractional widths are exact decimals, boundaries included', async (t) => {
  const input = fixedVector(new Float64(), [0.3, 0.25, 0.7, Number.NaN]);
  const { values, report } = run(input, [{ op: 'interval', width: 0.1 }]);
  t.same(values, ['[0.3, 0.4)', '[0.2, 0.3)', '[0.7, 0.8)', null]);
  t.equal(report.columns[0]!.nullsProduced, 1, 'NaN has no interval');
});

t.test('interval on text is refused', async (t) => {
  t.equal(thrown(() => run(strings(['1']), [{ op: 'interval', width: 10 }])).message,
    'The request does not match its schema: interval on "x": needs a numeric column, got Utf8');
});

t.test('topBottomCode clamps integers and keeps the type', async (t) => {
  const { values, vector, report } = run(ages([5, 50, 95, null]), [{ op: 'topBottomCode', min: 10, max: 90 }]);
  t.same(values, [10, 50, 90, null]);
  t.equal(String(vector.type), 'Int32');
  t.equal(report.columns[0]!.valuesChanged, 2);
});

t.test('topBottomCode with one bound leaves the other side alone', async (t) => {
  t.same(run(fixedVector(new Float64(), [-1e9, 1.5, 104.2]), [{ op: 'topBottomCode', max: 89.5 }]).values, [-1e9, 1.5, 89.5]);
});

t.test('topBottomCode on Int64 rounds the bounds inwards', async (t) => {
  const { vector } = run(fixedVector(new Int64(), [1n, 5n, 100n]), [{ op: 'topBottomCode', min: 2.5, max: 90.9 }]);
  t.same([...((vector.data[0] as Data).values as BigInt64Array)], [3n, 5n, 90n]);
});

t.test('topBottomCode with min above max, or no bound, is refused', async (t) => {
  t.equal(thrown(() => run(ages([1]), [{ op: 'topBottomCode', min: 9, max: 1 }])).message, 'The request does not match its schema: topBottomCode on "x": min 9 is above max 1');
  t.equal(thrown(() => run(ages([1]), [{ op: 'topBottomCode' }])).message, 'The request does not match its schema: topBottomCode on "x": neither min nor max is given');
});
