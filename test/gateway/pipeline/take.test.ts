import t from 'tap';
import {
  Binary, Bool, DateDay, DateMillisecond, Decimal, Dictionary, Field, FixedSizeBinary, FixedSizeList, Float32, Float64, Int16, Int32, Int64, Int8,
  LargeUtf8, List, RecordBatch, RecordBatchStreamWriter, Schema, Struct, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint32, Uint64, Uint8, Utf8,
  makeData, tableFromIPC, vectorFromArray, type DataType, type Vector,
} from 'apache-arrow';
import { takeRows } from '../../../gateway/pipeline/take.js';
import { thrown } from '../../helpers.js';
import { batchOf, fixedVector } from './helpers.js';

/** A value as a plain JS value (struct rows and lists included), for comparisons. */
const plain = (v: unknown): unknown => (v !== null && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v);
const values = (v: Vector): unknown[] => [...v].map(plain);
/** What a take should give: the input's values at `indices`, column by column. */
const expected = (batch: RecordBatch, indices: number[]) =>
  Object.fromEntries(batch.schema.fields.map((f) => [f.name, indices.map((i) => plain(batch.getChild(f.name)!.get(i)))]));
const actual = (batch: RecordBatch) => Object.fromEntries(batch.schema.fields.map((f) => [f.name, values(batch.getChild(f.name)!)]));

const of = <T extends DataType>(type: T, list: unknown[]) => vectorFromArray(list as never[], type) as Vector<T>;

/** Six rows of every column type the sources produce, with nulls in most of them. */
function sourceTypes(): RecordBatch {
  return batchOf({
    utf8: of(new Utf8(), ['北京', null, '', 'a', 'bb', 'ccc']),
    int8: of(new Int8(), [-128, 1, null, 3, 4, 127]),
    int16: of(new Int16(), [-1, null, 2, 3, 4, 5]),
    int32: of(new Int32(), [1, 2, 3, null, 5, -6]),
    int64: of(new Int64(), [-(2n ** 62n), 2n ** 53n + 1n, null, 3n, 4n, 5n]),
    uint8: of(new Uint8(), [0, 255, 2, 3, null, 5]),
    uint32: of(new Uint32(), [4294967295, 1, 2, 3, 4, null]),
    uint64: of(new Uint64(), [2n ** 64n - 1n, 1n, 2n, 3n, 4n, 5n]),
    float32: of(new Float32(), [1.5, null, -2.25, 3, 4, 5]),
    float64: of(new Float64(), [39.9042, 116.4074, null, -0, Infinity, 1e-300]),
    bool: of(new Bool(), [true, false, null, true, false, true]),
    dateDay: of(new DateDay(), [new Date(0), new Date(86_400_000 * 365), null, new Date(86_400_000), new Date(0), new Date(0)]),
    dateMs: of(new DateMillisecond(), [new Date(1_224_999_574_000), null, new Date(1), new Date(2), new Date(3), new Date(4)]),
    tsSecond: of(new TimestampSecond(), [1_224_999_574_000, 0, null, 1000, 2000, 3000]),
    tsMs: of(new TimestampMillisecond(), [1_224_999_574_123, 1, 2, 3, null, 5]),
    tsNs: of(new TimestampNanosecond(), [1_224_999_574_123, 1, 2, null, 4, 5]),
    dict: of(new Dictionary(new Utf8(), new Int32()), ['001', '002', '001', null, '003', '002']),
  });
}

t.test('takeRows gives the selected rows of every source column type, in the order asked, repeats included', async (t) => {
  const batch = sourceTypes();
  const indices = [5, 0, 2, 2, 3];
  const out = takeRows(batch, Int32Array.from(indices));
  t.equal(out.numRows, 5);
  t.same(actual(out), expected(batch, indices));
  t.same(values(out.getChild('int64')!), [5n, -(2n ** 62n), null, null, 3n], 'int64 beyond 2^53 copied exactly');
  t.same(values(out.getChild('utf8')!), ['ccc', '北京', '', '', 'a']);
});

const describe = (schema: Schema) => ({
  fields: schema.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata]]),
  metadata: [...schema.metadata],
});

t.test('takeRows keeps the schema: names, types, nullability and metadata', async (t) => {
  const source = sourceTypes();
  const fields = source.schema.fields.map((f, i) => (i === 0 ? new Field(f.name, f.type, f.nullable, new Map([['dataport:role', 'quasi']])) : f));
  const batch = new RecordBatch(new Schema(fields, new Map([['source', 'test']])), source.data);
  const out = takeRows(batch, Uint32Array.from([1, 4]));
  t.same(describe(out.schema), describe(batch.schema));
  t.same(describe(out.schema).metadata, [['source', 'test']]);
});

t.test('takeRows of no rows is an empty batch of the same schema', async (t) => {
  const batch = sourceTypes();
  const out = takeRows(batch, new Int32Array(0));
  t.equal(out.numRows, 0);
  t.same(describe(out.schema), describe(batch.schema));
  t.same(actual(out), expected(batch, []));
});

t.test('takeRows reads a sliced batch (bit offsets not on a byte boundary) from its own row 0', async (t) => {
  const whole = sourceTypes();
  const sliced = whole.slice(3, 6);
  const out = takeRows(sliced, Int32Array.from([2, 0, 1]));
  t.same(actual(out), expected(whole, [5, 3, 4]));
});

t.test('takeRows copies only the selected strings: nothing of the other rows is left in the buffers', async (t) => {
  const batch = batchOf({ s: of(new Utf8(), ['home-address-1', 'kept', null, 'secret-workplace', 'also kept']) });
  const out = takeRows(batch, Int32Array.from([1, 2, 4]));
  const data = out.data.children[0]!;
  t.equal(new TextDecoder().decode(data.values as Uint8Array), 'keptalso kept');
  t.same([...(data.valueOffsets as Int32Array)], [0, 4, 4, 13]);
  t.equal(data.nullCount, 1);
});

t.test('takeRows zeroes the value slots of null rows', async (t) => {
  const batch = batchOf({ x: fixedVector(new Float64(), [1, 777, 3], [true, false, true]) });
  const out = takeRows(batch, Int32Array.from([1, 2]));
  t.same([...(out.data.children[0]!.values as Float64Array)], [0, 3]);
  t.same(values(out.getChild('x')!), [null, 3]);
});

t.test('takeRows keeps NaN payloads of floats bit for bit', async (t) => {
  const raw = new Float64Array(2);
  new Uint32Array(raw.buffer).set([0x00000001, 0x7ff00000, 0xdeadbeef, 0x7ff8dead]); // a signalling NaN, a quiet NaN with a payload
  const batch = batchOf({ x: fixedVector(new Float64(), raw) });
  const out = takeRows(batch, Int32Array.from([1, 0]));
  t.same([...new Uint32Array((out.data.children[0]!.values as Float64Array).slice().buffer)], [0xdeadbeef, 0x7ff8dead, 0x00000001, 0x7ff00000]);
});

t.test('takeRows gives a dictionary column a dictionary of only the values its selected rows use', async (t) => {
  const batch = sourceTypes();
  t.same([...batch.data.children[16]!.dictionary!], ['001', '002', '003']);
  const out = takeRows(batch, Int32Array.from([4, 3, 0, 4]));
  const data = out.data.children[16]!;
  t.same(values(out.getChild('dict')!), ['003', null, '001', '003']);
  t.same([...data.dictionary!], ['003', '001'], '"002" was only in rows not taken');
  t.same([...(data.values as Int32Array)], [0, 0, 1, 0]);
});

t.test('takeRows handles nested and wide types: struct, list, fixed-size list, large utf8, binary, decimal, fixed-size binary', async (t) => {
  const point = new Struct([new Field('lat', new Float64(), true), new Field('tag', new Utf8(), true)]);
  const list = new List(new Field('item', new Int32(), true));
  const pairs = new FixedSizeList(2, new Field('item', new Float64(), true));
  const decimal = new Decimal(2, 12, 128);
  const decimals = new Uint32Array(12);
  decimals.set([12345, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 7, 1, 0, 0]);
  const batch = batchOf({
    point: of(point, [{ lat: 1, tag: 'a' }, null, { lat: 3, tag: null }]),
    list: of(list, [[1, 2], [], null]),
    pairs: of(pairs, [[1, 2], [3, 4], null]),
    large: of(new LargeUtf8(), ['x', null, 'zzz']),
    bytes: of(new Binary(), [Uint8Array.of(1), Uint8Array.of(2, 3), null]),
    fixed: of(new FixedSizeBinary(2), [Uint8Array.of(1, 2), Uint8Array.of(3, 4), Uint8Array.of(5, 6)]),
  });
  const withDecimal = new RecordBatch({ ...Object.fromEntries(batch.schema.fields.map((f, i) => [f.name, batch.data.children[i]!])), dec: makeData({ type: decimal, length: 3, data: decimals }) });
  const indices = [2, 0, 1, 0];
  const out = takeRows(withDecimal, Int32Array.from(indices));
  t.same(actual(out), expected(withDecimal, indices));
  t.same(values(out.getChild('list')!), [null, [1, 2], [], [1, 2]]);
  t.same(values(out.getChild('pairs')!), [null, [1, 2], [3, 4], [1, 2]]);
  t.same([...(out.data.children[6]!.values as Uint32Array)], [7, 1, 0, 0, 12345, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 12345, 0, 0, 0]);
});

t.test('taken batches round-trip through an Arrow IPC stream, each with its own dictionary', async (t) => {
  const batch = sourceTypes();
  const first = takeRows(batch.slice(1), Int32Array.from([4, 0, 1]));
  const second = takeRows(batch, Int32Array.from([0, 2]));
  const back = tableFromIPC(await RecordBatchStreamWriter.writeAll([first, second]).toUint8Array());
  t.equal(back.numRows, 5);
  for (const f of batch.schema.fields) t.same(values(back.getChild(f.name)!), [...values(first.getChild(f.name)!), ...values(second.getChild(f.name)!)], f.name);
  t.same(values(back.getChild('dict')!), ['002', '002', '001', '001', '001']);
});

t.test('takeRows refuses an index outside the batch', async (t) => {
  const batch = sourceTypes();
  t.same(thrown(() => takeRows(batch, Int32Array.from([0, 6]))), {
    code: 'DP_ERR_INVALID_ARGUMENT', message: "Invalid argument: takeRows: index 6 at position 1 is outside the batch's 6 rows",
  });
  t.equal(thrown(() => takeRows(batch, Int32Array.from([-1]))).code, 'DP_ERR_INVALID_ARGUMENT');
});
