import t from 'tap';
import { createHmac } from 'node:crypto';
import { Float64, Int32, Utf8, vectorFromArray } from 'apache-arrow';
import { columnKey } from '../../../crypto/pseudonym-keys.js';
import { createPipeline } from '../../../gateway/pipeline/apply.js';
import { thrown } from '../../helpers.js';
import { AGREEMENT, SECRET, batchOf, fixedVector, run } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());
/** The token as RFC 2104 HMAC-SHA-256 by node:crypto, independently of the pipeline. */
const expected = (value: string, { column = 'x', agreement = AGREEMENT, length = 32 } = {}) =>
  createHmac('sha256', columnKey(SECRET, agreement, column)).update(value, 'utf8').digest('hex').slice(0, length);

t.test('a token is the first 32 hex characters of HMAC-SHA-256 under the column key', async (t) => {
  const { values } = run(strings(['01-701-1015', 'WVWZZZ1JZXW000001']), [{ op: 'pseudonymize' }]);
  t.same(values, [expected('01-701-1015'), expected('WVWZZZ1JZXW000001')]);
});

t.test('the node:crypto backend gives the same tokens as the cached-key backend', async (t) => {
  const input = strings(['a', 'b', 'a']);
  t.same(run(input, [{ op: 'pseudonymize' }], { hmacBackend: 'node' }).values, run(input, [{ op: 'pseudonymize' }], { hmacBackend: 'cached' }).values);
});

t.test('length keeps that many hex characters', async (t) => {
  t.same(run(strings(['abc']), [{ op: 'pseudonymize', length: 8 }]).values, [expected('abc', { length: 8 })]);
  t.same(run(strings(['abc']), [{ op: 'pseudonymize', length: 64 }]).values, [expected('abc', { length: 64 })]);
});

t.test('the same value gets the same token, different values different tokens', async (t) => {
  const { values } = run(strings(['v1', 'v2', 'v1', 'v3', 'v1']), [{ op: 'pseudonymize' }]);
  t.equal(values[0], values[2]);
  t.equal(values[0], values[4]);
  t.equal(new Set(values).size, 3);
});

t.test('tokens are deterministic across pipelines of one agreement', async (t) => {
  t.same(run(strings(['v1']), [{ op: 'pseudonymize' }]).values, run(strings(['v1']), [{ op: 'pseudonymize' }]).values);
});

t.test('another agreement gives other tokens', async (t) => {
  const [a] = run(strings(['v1']), [{ op: 'pseudonymize' }]).values;
  const [b] = run(strings(['v1']), [{ op: 'pseudonymize' }], { agreementId: 'urn:uuid:agreement-2' }).values;
  t.not(a, b);
  t.equal(b, expected('v1', { agreement: 'urn:uuid:agreement-2' }));
});

t.test('another column gives other tokens for the same value', async (t) => {
  const plan = {
    version: 1 as const, agreementId: AGREEMENT, datasetId: 'd',
    columns: [{ name: 'VIN', action: 'transform' as const, steps: [{ op: 'pseudonymize' as const }] }, { name: 'PLATE', action: 'transform' as const, steps: [{ op: 'pseudonymize' as const }] }],
  };
  const out = createPipeline(plan, SECRET).apply(batchOf({ VIN: strings(['same']), PLATE: strings(['same']) }));
  t.equal(out.getChild('VIN')!.get(0), expected('same', { column: 'VIN' }));
  t.equal(out.getChild('PLATE')!.get(0), expected('same', { column: 'PLATE' }));
  t.not(out.getChild('VIN')!.get(0), out.getChild('PLATE')!.get(0));
});

t.test('nulls stay null and get no bytes', async (t) => {
  const { values, vector } = run(strings([null, 'a', null]), [{ op: 'pseudonymize' }]);
  t.same(values, [null, expected('a'), null]);
  t.same([...vector.data[0]!.valueOffsets], [0, 0, 32, 32]);
});

t.test('multi-byte UTF-8 values are hashed as their UTF-8 bytes', async (t) => {
  t.same(run(strings(['张三', 'Müller']), [{ op: 'pseudonymize' }]).values, [expected('张三'), expected('Müller')]);
});

t.test('an integer is pseudonymised as its decimal text', async (t) => {
  const { values, vector } = run(fixedVector(new Int32(), [1015, -3]), [{ op: 'pseudonymize' }]);
  t.same(values, [expected('1015'), expected('-3')]);
  t.equal(String(vector.type), 'Utf8');
});

t.test('repeats within a batch and across batches are cache hits, not HMACs', async (t) => {
  const plan = { version: 1 as const, agreementId: AGREEMENT, datasetId: 'd', columns: [{ name: 'x', action: 'transform' as const, steps: [{ op: 'pseudonymize' as const }] }] };
  const pipeline = createPipeline(plan, SECRET);
  pipeline.apply(batchOf({ x: strings(['a', 'b', 'a', 'a', null]) }));
  let col = pipeline.report().columns[0]!;
  t.same({ hmacs: col.hmacs, cacheHits: col.cacheHits, valuesChanged: col.valuesChanged }, { hmacs: 2, cacheHits: 2, valuesChanged: 4 });
  pipeline.apply(batchOf({ x: strings(['a', 'c', 'b']) }));
  col = pipeline.report().columns[0]!;
  t.same({ hmacs: col.hmacs, cacheHits: col.cacheHits }, { hmacs: 3, cacheHits: 4 });
});

t.test('a full transfer cache evicts but tokens stay correct', async (t) => {
  const values = Array.from({ length: 40 }, (_, i) => `v${i % 20}`);
  const { values: tokens, report } = run(strings(values), [{ op: 'pseudonymize' }], { cacheCapacity: 4 });
  t.same(tokens, values.map((v) => expected(v)));
  t.equal(report.columns[0]!.hmacs, 20, 'the per-batch map still catches the second round');
});

t.test('a column of unique values skips the caches after a window without hits; tokens are unchanged', async (t) => {
  const values = Array.from({ length: 40_000 }, (_, i) => `event-${i}`);
  const { values: tokens, report } = run(strings(values), [{ op: 'pseudonymize' }]);
  t.same({ hmacs: report.columns[0]!.hmacs, cacheHits: report.columns[0]!.cacheHits }, { hmacs: 40_000, cacheHits: 0 });
  t.same([tokens[0], tokens[20_000], tokens[39_999]], [expected('event-0'), expected('event-20000'), expected('event-39999')]);
});

t.test('a sliced input (non-zero offset) reads the right rows', async (t) => {
  const plan = { version: 1 as const, agreementId: AGREEMENT, datasetId: 'd', columns: [{ name: 'x', action: 'transform' as const, steps: [{ op: 'pseudonymize' as const }] }] };
  const batch = batchOf({ x: strings(['a', null, 'b', 'c', null, 'd', 'e', 'f', 'g', 'h']) }).slice(3, 9);
  const out = createPipeline(plan, SECRET).apply(batch);
  t.same([...out.getChild('x')!], ['c', null, 'd', 'e', 'f', 'g'].map((v) => (v === null ? null : expected(v))));
});

t.test('a length outside 8..64 is refused', async (t) => {
  t.same(thrown(() => run(strings(['a']), [{ op: 'pseudonymize', length: 4 }])), {
    code: 'DP_ERR_VALIDATION', message: 'The request does not match its schema: pseudonymize on "x": length 4 is not an integer in 8..64',
  });
});

t.test('a float column is refused', async (t) => {
  t.equal(thrown(() => run(fixedVector(new Float64(), [1.5]), [{ op: 'pseudonymize' }])).message,
    'The request does not match its schema: pseudonymize on "x": needs a Utf8 or integer column, got Float64');
});

t.test('a run of equal values (a VIN on every row of a trip) takes the previous token, the same as hashing it', async (t) => {
  const vin = 'LSVAU2180N2183294';
  const rows = [vin, vin, vin, 'LSVAU2180N2183295', 'LSVAU2180N2183295', vin, null, vin, 'LSVAU2180N218329'];
  const { values } = run(strings(rows), [{ op: 'pseudonymize' }]);
  t.same(values, rows.map((v) => (v === null ? null : expected(v))), 'every token is the HMAC of its own value');
});
