import t from 'tap';
import { Float64, Int32, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { Laplace } from '../../../gateway/pipeline/transforms/laplace.js';
import { thrown } from '../../helpers.js';
import { SECRET, fixedVector, run } from './helpers.js';

const ctx = { column: 'x', agreementId: 'a', secret: SECRET, inputIndex: new Map(), inputTypes: [], subjectColumn: undefined, cacheCapacity: 10, shared: new Map() };

t.test('Laplace noise of 100k draws has mean 0 and mean absolute deviation `scale`', async (t) => {
  const scale = 2.5;
  const n = 100_000;
  const draws = new Laplace({ op: 'laplace', scale }, ctx, new Float64()).sample(new Float64Array(n));
  let sum = 0;
  let abs = 0;
  for (const x of draws) { sum += x; abs += Math.abs(x); }
  // Laplace(0, b): sd = b * sqrt(2), E|X| = b, sd(|X|) = b; so 5 standard errors are 5 * b * sqrt(2 / n) and 5 * b / sqrt(n).
  t.ok(Math.abs(sum / n) < 5 * scale * Math.sqrt(2 / n), `mean ${sum / n}`);
  t.ok(Math.abs(abs / n - scale) < 5 * scale / Math.sqrt(n), `mean |x| ${abs / n}`);
  t.equal(draws.filter((x) => !Number.isFinite(x)).length, 0, 'every draw is finite');
});

t.test('laplace adds noise to each non-null value and returns Float64', async (t) => {
  const input = fixedVector(new Int32(), Array.from({ length: 1000 }, () => 100), Array.from({ length: 1000 }, (_, i) => i !== 3));
  const { values, vector, report } = run(input, [{ op: 'laplace', scale: 1 }]);
  t.equal(String(vector.type), 'Float64');
  t.equal(values[3], null);
  const noisy = (values.filter((v) => v !== null) as number[]);
  t.equal(noisy.length, 999);
  t.ok(noisy.filter((v) => v !== 100).length === 999, 'every value moved');
  t.ok(Math.abs(noisy.reduce((a, b) => a + b, 0) / 999 - 100) < 0.5, 'centred on the value');
  t.equal(report.columns[0]!.valuesChanged, 999);
  t.equal(((vector.data[0] as Data).values as Float64Array)[3], 0, 'the null slot carries nothing');
});

t.test('two runs draw different noise', async (t) => {
  const input = fixedVector(new Float64(), [0, 0, 0]);
  t.not(JSON.stringify(run(input, [{ op: 'laplace', scale: 1 }]).values), JSON.stringify(run(input, [{ op: 'laplace', scale: 1 }]).values));
});

t.test('laplace refuses a non-positive scale and text', async (t) => {
  t.equal(thrown(() => run(fixedVector(new Float64(), [0]), [{ op: 'laplace', scale: 0 }])).message, 'The request does not match its schema: laplace on "x": scale 0 is not a positive number');
  t.equal(thrown(() => run(vectorFromArray(['1'], new Utf8()), [{ op: 'laplace', scale: 1 }])).message, 'The request does not match its schema: laplace on "x": needs a numeric column, got Utf8');
});
