// The sinks write what the sources read back: every format round-trips nulls, quotes,
// delimiters, line breaks, unicode, dates and timestamps; a failed write leaves no file.
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bool, DateDay, Field, Float64, Int32, Int64, RecordBatch, Schema, TimestampMillisecond, Utf8, makeData, Struct, vectorFromArray,
  type DataType, type Vector,
} from 'apache-arrow';
import { readSource, type SourceField, type SourceFormat } from '../../connectors/sources/index.js';
import { writeArrow, writeCsv, writeDatasetJson, writeNdjson, writeSink, type SinkFormat, type WriteSinkOptions } from '../../connectors/sinks/index.js';
import { tempDir } from '../helpers.js';

const ms = (iso: string) => Date.parse(iso);

/** Eight rows with every type the readers produce, nulls in each column, and awkward text. */
const COLUMNS: Record<string, { type: DataType; name: string; values: unknown[] }> = {
  name: {
    type: new Utf8(), name: 'utf8',
    values: ['Smith, John', 'said "hi"', 'two\nlines\r\nthree', 'NA', '', null, '中文 é 😀', 'a;b\tc|d'],
  },
  count: { type: new Int32(), name: 'int32', values: [1, -2, null, 2147483647, -2147483648, 0, 5, 6] },
  big: { type: new Int64(), name: 'int64', values: [2n ** 62n, -1n, null, 0n, 1n, 2n, 3n, -(2n ** 62n)] },
  score: { type: new Float64(), name: 'float64', values: [1.5, 3, -0.25, 1e-7, null, 123456.789, 0, -1e21] },
  flag: { type: new Bool(), name: 'bool', values: [true, false, null, true, false, true, false, true] },
  day: {
    type: new DateDay(), name: 'date32',
    values: [ms('2024-02-29'), ms('1969-12-31'), null, ms('0001-01-01'), ms('9999-12-31'), ms('1970-01-01'), ms('2000-01-01'), ms('2024-05-17')],
  },
  at: {
    type: new TimestampMillisecond(), name: 'timestamp[ms]',
    values: [ms('2024-05-17T10:42:07.123Z'), ms('2024-05-17T10:42:00Z'), null, -1, 0, ms('1900-01-01T00:00:00.5Z'), ms('2038-01-19T03:14:08Z'), ms('2024-12-31T23:59:59.999Z')],
  },
};

const SCHEMA: SourceField[] = Object.entries(COLUMNS).map(([name, c]) => ({ name, type: c.name }));

function vectorOf(type: DataType, values: unknown[]): Vector {
  // vectorFromArray takes dates as Date objects.
  return vectorFromArray(type instanceof DateDay ? values.map((v) => (v === null ? null : new Date(v as number))) : values, type as never);
}

function sample(metadata?: Record<string, Map<string, string>>): RecordBatch {
  const vectors = Object.entries(COLUMNS).map(([name, c]) => [name, vectorOf(c.type, c.values)] as const);
  const fields = vectors.map(([name, v]) => new Field(name, v.type, true, metadata?.[name]));
  const schema = new Schema(fields, new Map([['dataport:agreementId', 'urn:uuid:a-1']]));
  const children = vectors.map(([, v]) => v.data[0]!);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: 8, nullCount: 0, children }));
}

async function* batchesOf(...batches: RecordBatch[]): AsyncGenerator<RecordBatch> {
  yield* batches;
}

async function readBack(path: string, format: SourceFormat, opts: Parameters<typeof readSource>[2] = {}): Promise<{ rows: number; columns: Record<string, unknown[]>; types: Record<string, string> }> {
  const columns: Record<string, unknown[]> = {};
  const types: Record<string, string> = {};
  let rows = 0;
  for await (const batch of readSource(path, format, opts)) {
    rows += batch.numRows;
    for (const f of batch.schema.fields) {
      types[f.name] = String(f.type);
      (columns[f.name] ??= []).push(...[...batch.getChild(f.name)!]);
    }
  }
  return { rows, columns, types };
}

/** What the readers give back: from text formats, an empty string is a null (the sources' null rule). */
function expected(name: string, times = 1, arrow = false): unknown[] {
  const values = COLUMNS[name]!.values.map((v) => (v === '' && !arrow ? null : v));
  return Array.from({ length: times }, () => values).flat();
}

/** Every column as the readers give it back, for `times` copies of the sample. */
function expectedColumns(times = 1, arrow = false): Record<string, unknown[]> {
  return Object.fromEntries(Object.keys(COLUMNS).map((name) => [name, expected(name, times, arrow)]));
}

t.test('CSV: RFC 4180 quoting, nulls as empty fields, and every type read back the same', async (t) => {
  const path = join(tempDir(t), 'out.csv');
  const result = await writeCsv(batchesOf(sample(), sample()), path);
  t.match(result, { format: 'csv', rows: 16, batches: 2 });
  t.same((await readBack(path, 'csv', { schema: SCHEMA })).columns, expectedColumns(2));
  const lines = readFileSync(path, 'utf8').split('\r\n');
  t.equal(lines[0], 'name,count,big,score,flag,day,at');
  t.equal(lines[1], '"Smith, John",1,4611686018427387904,1.5,true,2024-02-29,2024-05-17T10:42:07.123Z');
  t.equal(lines[2], '"said ""hi""",-2,-1,3.0,false,1969-12-31,2024-05-17T10:42:00Z');
  t.equal(lines[3], '"two\nlines');
  t.equal(lines[4], 'three",,,-0.25,,,', 'a line break inside quotes; nulls are empty fields');
  t.equal(lines[5], '"NA",2147483647,0,1e-7,true,0001-01-01,1969-12-31T23:59:59.999Z', 'the text NA is quoted, so it is not read as a null');
  t.equal(result.bytes, Buffer.byteLength(readFileSync(path)));
});

t.test('CSV without a schema: inference gives the types back, floats stay floats', async (t) => {
  const path = join(tempDir(t), 'out.csv');
  await writeCsv(batchesOf(sample()), path);
  const back = await readBack(path, 'csv');
  t.same(back.types, { name: 'Utf8', count: 'Int32', big: 'Int64', score: 'Float64', flag: 'Utf8', day: 'Utf8', at: 'Utf8' });
  t.same(back.columns.score, expected('score'), '3 is written 3.0, so the column is not read as integers');
});

for (const [label, delimiter] of [['semicolon', ';'], ['tab', '\t'], ['pipe', '|']] as const) {
  t.test(`CSV with a ${label} delimiter quotes the fields that hold it and reads back the same`, async (t) => {
    const path = join(tempDir(t), 'out.csv');
    await writeCsv(batchesOf(sample()), path, { delimiter, newline: '\n' });
    t.same((await readBack(path, 'csv', { schema: SCHEMA, delimiter })).columns, expectedColumns());
    const text = readFileSync(path, 'utf8');
    t.equal(text.split('\n')[0], ['name', 'count', 'big', 'score', 'flag', 'day', 'at'].join(delimiter));
    t.match(text, '"a;b\tc|d"');
    t.notMatch(text.replace('lines\r\nthree', ''), '\r\n', 'LF record ends when asked (CRLF only inside the quoted value)');
  });
}

t.test('CSV null token: nulls written as it, and text equal to it quoted', async (t) => {
  const path = join(tempDir(t), 'out.csv');
  const batch = new RecordBatch({ v: vectorFromArray(['NULL', null, 'x'], new Utf8()).data[0]! });
  await writeCsv(batchesOf(batch), path, { nullToken: 'NULL', newline: '\n' });
  t.equal(readFileSync(path, 'utf8'), 'v\n"NULL"\nNULL\nx\n');
  t.same((await readBack(path, 'csv', { nullValues: ['NULL'] })).columns.v, ['NULL', null, 'x']);
  await t.rejects(writeCsv(batchesOf(batch), path, { delimiter: '"' }), { code: 'DP_ERR_INVALID_ARGUMENT' });
});

t.test('NDJSON: one object per row, nulls written, values read back with a schema', async (t) => {
  const path = join(tempDir(t), 'out.ndjson');
  const result = await writeNdjson(batchesOf(sample(), sample()), path);
  t.match(result, { format: 'ndjson', rows: 16, batches: 2 });
  t.same((await readBack(path, 'ndjson', { schema: SCHEMA })).columns, expectedColumns(2));
  const first = readFileSync(path, 'utf8').split('\n')[0]!;
  t.same(JSON.parse(first), {
    name: 'Smith, John', count: 1, big: 4611686018427387904, score: 1.5, flag: true, day: '2024-02-29', at: '2024-05-17T10:42:07.123Z',
  });
  t.match(readFileSync(path, 'utf8').split('\n')[2], /"count":null/);
});

t.test('Dataset-JSON: a valid 1.1 document whose dataTypes give the reader the same Arrow types', async (t) => {
  const path = join(tempDir(t), 'dm.json');
  const label = new Map([['dataset-json:label', 'Subject name'], ['dataset-json:itemOID', 'IT.DM.NAME'], ['dataset-json:dataType', 'string']]);
  const result = await writeDatasetJson(batchesOf(sample({ name: label }), sample({ name: label })), path, {
    label: 'Demographics', metadata: { studyOID: 'cdisc.com/CDISCPILOT01' }, columns: { score: { label: 'Score', dataType: 'float' } },
  });
  t.match(result, { format: 'dataset-json', rows: 16 });
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { rows: unknown[][]; columns: Record<string, unknown>[] };
  t.match(doc, { datasetJSONVersion: '1.1.0', itemGroupOID: 'IG.DM', records: 16, name: 'DM', label: 'Demographics', studyOID: 'cdisc.com/CDISCPILOT01' });
  t.match(doc.datasetJSONCreationDateTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  t.equal(doc.rows.length, 16);
  t.same(doc.columns, [
    { itemOID: 'IT.DM.NAME', name: 'name', label: 'Subject name', dataType: 'string' },
    { itemOID: 'IT.DM.count', name: 'count', label: 'count', dataType: 'integer' },
    { itemOID: 'IT.DM.big', name: 'big', label: 'big', dataType: 'integer' },
    { itemOID: 'IT.DM.score', name: 'score', label: 'Score', dataType: 'float' },
    { itemOID: 'IT.DM.flag', name: 'flag', label: 'flag', dataType: 'boolean' },
    { itemOID: 'IT.DM.day', name: 'day', label: 'day', dataType: 'date', targetDataType: 'integer' },
    { itemOID: 'IT.DM.at', name: 'at', label: 'at', dataType: 'datetime', targetDataType: 'integer' },
  ]);
  t.same(doc.rows[0], ['Smith, John', 1, 4611686018427387904, 1.5, true, '2024-02-29', '2024-05-17T10:42:07.123Z']);
  const back = await readBack(path, 'dataset-json');
  t.same(back.columns, expectedColumns(2));
  t.same(back.types, { name: 'Utf8', count: 'Int32', big: 'Int64', score: 'Float64', flag: 'Bool', day: 'Date32<DAY>', at: 'Timestamp<MILLISECOND>' });
});

t.test('Dataset-JSON: a decimal column is written as strings, and read back as numbers', async (t) => {
  const path = join(tempDir(t), 'x.json');
  await writeDatasetJson(batchesOf(sample()), path, { columns: { score: { dataType: 'decimal' } } });
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { rows: unknown[][] };
  t.same(doc.rows.map((r) => r[3]), ['1.5', '3.0', '-0.25', '1e-7', null, '123456.789', '0.0', '-1e+21']);
  t.same((await readBack(path, 'dataset-json')).columns.score, expected('score'));
});

t.test('Dataset-JSON: a dataType that does not fit the column is not taken', async (t) => {
  const path = join(tempDir(t), 'x.json');
  await writeDatasetJson(batchesOf(sample()), path, { columns: { count: { dataType: 'date' }, name: { dataType: 'datetime' } } });
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { columns: { dataType: string }[] };
  t.same(doc.columns.slice(0, 2).map((c) => c.dataType), ['datetime', 'integer'], 'text may be a partial ISO datetime; an int32 is not a date');
});

t.test('Dataset-JSON NDJSON form (.ndjson): the metadata line, then one row array per line', async (t) => {
  const path = join(tempDir(t), 'dm.ndjson');
  await writeDatasetJson(batchesOf(sample(), sample()), path);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  t.equal(lines.length, 17);
  t.match(JSON.parse(lines[0]!), { records: 16, name: 'DM' });
  t.same((await readBack(path, 'dataset-json')).columns, expectedColumns(2));
});

t.test('Dataset-JSON with no rows is still a document the reader takes', async (t) => {
  const path = join(tempDir(t), 'empty.json');
  await writeDatasetJson(batchesOf(sample().slice(0, 0)), path);
  t.match(JSON.parse(readFileSync(path, 'utf8')), { records: 0, rows: [] });
  t.equal((await readBack(path, 'dataset-json')).rows, 0);
});

for (const [ext, magic] of [['arrow', true], ['arrows', false]] as const) {
  t.test(`Arrow IPC ${magic ? 'file' : 'stream'} (.${ext}): batches, types, values and schema metadata kept`, async (t) => {
    const path = join(tempDir(t), `out.${ext}`);
    const result = await writeArrow(batchesOf(sample(), sample()), path);
    t.match(result, { format: 'arrow', rows: 16, batches: 2 });
    t.equal(readFileSync(path).subarray(0, 6).toString('latin1') === 'ARROW1', magic, 'the file format starts with its magic');
    const batches = [];
    for await (const b of readSource(path, 'arrow')) batches.push(b);
    t.same(batches.map((b) => b.numRows), [8, 8]);
    t.equal(batches[0]!.schema.metadata.get('dataport:agreementId'), 'urn:uuid:a-1');
    t.same((await readBack(path, 'arrow')).columns, expectedColumns(2, true), 'an empty string stays one in Arrow');
  });
}

t.test('sliced batches (a non-zero offset in every column) are written from their own rows', async (t) => {
  const dir = tempDir(t);
  for (const format of ['csv', 'ndjson', 'dataset-json', 'arrow'] as SinkFormat[]) {
    const path = join(dir, `slice.${format}`);
    await writeSink(batchesOf(sample().slice(3, 8)), path, format);
    const back = await readBack(path, format, format === 'csv' || format === 'ndjson' ? { schema: SCHEMA } : {});
    t.equal(back.rows, 5, format);
    for (const name of Object.keys(COLUMNS)) t.same(back.columns[name], expected(name, 1, format === 'arrow').slice(3, 8), `${format} ${name}`);
  }
});

t.test('a failed write leaves no file, and an existing file as it was', async (t) => {
  const dir = tempDir(t);
  async function* failing(): AsyncGenerator<RecordBatch> {
    yield sample();
    throw new Error('the source broke');
  }
  for (const format of ['csv', 'ndjson', 'dataset-json', 'arrow'] as SinkFormat[]) {
    await t.rejects(writeSink(failing(), join(dir, `new.${format}`), format), /the source broke/, format);
  }
  t.same(readdirSync(dir), [], 'neither outputs nor temporary files');
  const existing = join(dir, 'existing.csv');
  writeFileSync(existing, 'old\n');
  await t.rejects(writeSink(failing(), existing, 'csv'));
  t.equal(readFileSync(existing, 'utf8'), 'old\n');
  t.same(readdirSync(dir), ['existing.csv']);
});

t.test('batches whose columns change are refused', async (t) => {
  const dir = tempDir(t);
  const other = new RecordBatch({ x: vectorFromArray([1], new Int32()).data[0]! });
  const opts: WriteSinkOptions = {};
  for (const format of ['csv', 'ndjson', 'dataset-json', 'arrow'] as SinkFormat[]) {
    await t.rejects(writeSink(batchesOf(sample(), other), join(dir, `x.${format}`), format, opts), { code: 'DP_ERR_VALIDATION' }, format);
  }
  t.same(readdirSync(dir), []);
});

t.test('a missing output directory is DP_ERR_NOT_FOUND', async (t) => {
  await t.rejects(writeCsv(batchesOf(sample()), join(tempDir(t), 'nope', 'out.csv')), { code: 'DP_ERR_NOT_FOUND', message: /output directory/ });
});
