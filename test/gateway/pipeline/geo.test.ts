import t from 'tap';
import { Float32, Float64, Utf8, vectorFromArray } from 'apache-arrow';
import { geohashEncode } from '../../../gateway/pipeline/transforms/index.js';
import { thrown } from '../../helpers.js';
import { fixedVector, run } from './helpers.js';

const doubles = (values: (number | null)[]) => fixedVector(new Float64(), values.map((v) => v ?? 0), values.map((v) => v !== null));
const geohash = (lat: number, lon: number, chars: number) => {
  const b = new Uint8Array(chars);
  geohashEncode(lat, lon, chars, b, 0);
  return new TextDecoder().decode(b);
};

t.test('geohash matches published values', async (t) => {
  // geohash.org/u4pruydqqvj (Wikipedia's example, Jutland), and ezs42 for (42.6, -5.6) from the same article.
  t.equal(geohash(57.64911, 10.40744, 11), 'u4pruydqqvj');
  t.equal(geohash(42.6, -5.6, 5), 'ezs42');
  t.equal(geohash(39.9042, 116.4074, 6), 'wx4g0b', "Beijing, Tian'anmen");
});

t.test('geohash on a latitude column reads the longitude column of the same row', async (t) => {
  const { values, vector } = run(doubles([57.64911, 42.6, null, 91]), [{ op: 'geohash', precision: 5, lonColumn: 'lon' }], {
    others: { lon: doubles([10.40744, -5.6, 1, 0]) },
  });
  t.same(values, ['u4pru', 'ezs42', null, null]);
  t.equal(String(vector.type), 'Utf8');
});

t.test('geohash is null where the longitude is null', async (t) => {
  const { values, report } = run(doubles([57.64911]), [{ op: 'geohash', precision: 11, lonColumn: 'lon' }], { others: { lon: doubles([null]) } });
  t.same(values, [null]);
  t.equal(report.columns[0]!.nullsProduced, 1);
});

t.test('geohash needs its lonColumn in the input', async (t) => {
  t.equal(thrown(() => run(doubles([1]), [{ op: 'geohash', precision: 5, lonColumn: 'lng' }])).message,
    'The request does not match its schema: column "lng" (the lonColumn of geohash on "x") is not in the input schema');
});

t.test('grid snaps coordinates to the centre of their cell', async (t) => {
  t.same(run(doubles([57.64911, 10.40744, -0.001, 0, null]), [{ op: 'grid', cellDegrees: 0.01 }]).values, [57.645, 10.405, -0.005, 0.005, null]);
  t.same(run(doubles([39.9042, 116.4074, -33.9]), [{ op: 'grid', cellDegrees: 0.5 }]).values, [39.75, 116.25, -33.75]);
});

t.test('grid puts a value on a cell boundary in the cell above it', async (t) => {
  t.same(run(doubles([0.3, 0.7]), [{ op: 'grid', cellDegrees: 0.1 }]).values, [0.35, 0.75]);
});

t.test('grid reads Float32 and returns Float64', async (t) => {
  const { values, vector } = run(fixedVector(new Float32(), [39.9042]), [{ op: 'grid', cellDegrees: 1 }]);
  t.same(values, [39.5]);
  t.equal(String(vector.type), 'Float64');
});

t.test('grid on text, or with a cell outside (0, 180], is refused', async (t) => {
  t.equal(thrown(() => run(vectorFromArray(['1'], new Utf8()), [{ op: 'grid', cellDegrees: 1 }])).message, 'The request does not match its schema: grid on "x": needs a numeric column, got Utf8');
  t.equal(thrown(() => run(doubles([1]), [{ op: 'grid', cellDegrees: 0 }])).message, 'The request does not match its schema: grid on "x": cellDegrees 0 is not in (0, 180]');
});
