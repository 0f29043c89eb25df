import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasetJson } from '../../../connectors/sources/dataset-json.js';
import { JsonMemberSplitter, type MemberEvent } from '../../../connectors/sources/json-members.js';
import { tempDir } from '../../helpers.js';
import { collect, columns, fixtures, values } from './helpers.js';

const tinyJson = join(fixtures, 'dm-tiny.json');
const tinyNdjson = join(fixtures, 'dm-tiny.ndjson');
const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

t.test('Dataset-JSON dataTypes map to Arrow types; partial ISO dates stay text', async (t) => {
  const [batch] = await collect(readDatasetJson(tinyJson));
  t.same(columns(batch!), ['USUBJID:utf8', 'AGE:int32', 'WEIGHT:float64', 'RANDDT:date32', 'BRTHDTC:utf8', 'SAFFL:bool', 'NOTE:utf8']);
});

t.test('Dataset-JSON values: nulls and empty strings are null, strings with brackets survive', async (t) => {
  const batches = await collect(readDatasetJson(tinyJson));
  t.same(values(batches, 'USUBJID'), ['S-001', 'S-002', 'S-003']);
  t.same(values(batches, 'AGE'), [63, 71, null]);
  t.same(values(batches, 'WEIGHT'), [54.4, null, 80.25]);
  t.same(values(batches, 'RANDDT'), [day(2014, 1, 2), day(2013, 8, 5), null]);
  t.same(values(batches, 'BRTHDTC'), ['1950-12-26', '1942', null]);
  t.same(values(batches, 'SAFFL'), [true, false, null]);
  t.same(values(batches, 'NOTE'), ['ok, [fine]', null, 'say "]" and {']);
});

t.test('Dataset-JSON column metadata travels as Arrow field metadata', async (t) => {
  const [batch] = await collect(readDatasetJson(tinyJson));
  const age = batch!.schema.fields[1]!;
  t.equal(age.metadata.get('dataset-json:itemOID'), 'IT.DM.AGE');
  t.equal(age.metadata.get('dataset-json:label'), 'Age');
  t.equal(age.metadata.get('dataset-json:dataType'), 'integer');
});

t.test('the NDJSON form reads to the same columns and values as the JSON form', async (t) => {
  const a = await collect(readDatasetJson(tinyJson));
  const b = await collect(readDatasetJson(tinyNdjson));
  t.same(columns(b[0]!), columns(a[0]!));
  for (const f of a[0]!.schema.fields) t.same(values(b, f.name), values(a, f.name), f.name);
});

t.test('the member splitter gives what JSON.parse gives, whatever the chunk boundaries', async (t) => {
  const text = readFileSync(tinyJson, 'utf8');
  const splitter = new JsonMemberSplitter('dm-tiny.json', 'rows');
  const events: MemberEvent[] = [];
  for (const ch of text) {
    splitter.push(ch);
    events.push(...splitter.take());
  }
  splitter.end();
  events.push(...splitter.take());
  const whole = JSON.parse(text) as Record<string, unknown>;
  const members = Object.fromEntries(events.flatMap((e) => (e.kind === 'member' ? [[e.key, e.value]] : [])));
  const { rows, ...metadata } = whole;
  t.same(members, metadata);
  t.same(events.filter((e) => e.kind === 'element').map((e) => e.value), rows);
});

t.test('a schema selects Dataset-JSON columns by name and declares their types', async (t) => {
  const batches = await collect(readDatasetJson(tinyJson, { schema: [{ name: 'AGE', type: 'int64' }, { name: 'USUBJID', type: 'utf8' }] }));
  t.same(columns(batches[0]!), ['AGE:int64', 'USUBJID:utf8']);
  t.same(values(batches, 'AGE'), [63n, 71n, null]);
});

t.test('a schema column missing from the Dataset-JSON columns is DP_ERR_VALIDATION', async (t) => {
  await t.rejects(collect(readDatasetJson(tinyNdjson, { schema: [{ name: 'SEX', type: 'utf8' }] })), {
    code: 'DP_ERR_VALIDATION',
    message: /dm-tiny\.ndjson metadata: column "SEX" of the schema is missing/,
  });
});

t.test('a Dataset-JSON value that is not the declared type names row, line and column', async (t) => {
  await t.rejects(collect(readDatasetJson(tinyNdjson, { schema: [{ name: 'BRTHDTC', type: 'date32' }] })), {
    code: 'DP_ERR_VALIDATION',
    message: /row 2 \(line 3\), column "BRTHDTC": "1942" is not a valid date32/,
  });
});

t.test('a row of the wrong width, or a "records" count that does not match, is DP_ERR_VALIDATION', async (t) => {
  const dir = tempDir(t);
  const meta = { records: 2, columns: [{ name: 'A', dataType: 'integer' }, { name: 'B', dataType: 'string' }] };
  const narrow = join(dir, 'narrow.json');
  writeFileSync(narrow, JSON.stringify({ ...meta, rows: [[1, 'x'], [2]] }));
  await t.rejects(collect(readDatasetJson(narrow)), { code: 'DP_ERR_VALIDATION', message: /row 2: 1 values, the metadata declares 2 columns/ });
  const short = join(dir, 'short.json');
  writeFileSync(short, JSON.stringify({ ...meta, rows: [[1, 'x']] }));
  await t.rejects(collect(readDatasetJson(short)), { code: 'DP_ERR_VALIDATION', message: /"records" is 2, the file has 1 rows/ });
});

t.test('rows before columns: read whole when small, refused when over maxWholeFileBytes', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'rows-first.json');
  writeFileSync(path, JSON.stringify({ rows: [[1], [2], [3]], columns: [{ name: 'A', dataType: 'integer' }] }));
  t.same(values(await collect(readDatasetJson(path)), 'A'), [1, 2, 3]);
  await t.rejects(collect(readDatasetJson(path, { maxWholeFileBytes: 10 })), {
    code: 'DP_ERR_PAYLOAD_TOO_LARGE',
    message: /"rows" before its "columns".*over the 10-byte limit/,
  });
});

t.test('an unknown dataType is DP_ERR_VALIDATION naming the column', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'odd.json');
  writeFileSync(path, JSON.stringify({ columns: [{ name: 'A', dataType: 'blob' }], rows: [] }));
  await t.rejects(collect(readDatasetJson(path)), { code: 'DP_ERR_VALIDATION', message: /column "A" has the unknown Dataset-JSON dataType "blob"/ });
});

t.test('Dataset-JSON rows are cut into batches of batchRows', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'many.json');
  const rows = Array.from({ length: 2500 }, (_, i) => [i, `s${i}`]);
  writeFileSync(path, JSON.stringify({ records: 2500, columns: [{ name: 'I', dataType: 'integer' }, { name: 'S', dataType: 'string' }], rows }));
  const batches = await collect(readDatasetJson(path, { batchRows: 1000 }));
  t.same(batches.map((b) => b.numRows), [1000, 1000, 500]);
  t.equal(values(batches, 'S')[2499], 's2499');
});
