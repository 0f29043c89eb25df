import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvTokenizer, readCsv } from '../../../connectors/sources/csv.js';
import { tempDir } from '../../helpers.js';
import { collect, columns, fixtures, values } from './helpers.js';

const quotes = join(fixtures, 'quotes.csv');

t.test('quoted fields keep delimiters, doubled quotes and line breaks', async (t) => {
  const batches = await collect(readCsv(quotes));
  t.same(values(batches, 'name'), ['Smith, John', 'plain', 'NA']);
  t.same(values(batches, 'note'), ['said "hi"', 'two\nlines', null]);
});

t.test('an unquoted NA and an empty field are null; a quoted "NA" is the text NA', async (t) => {
  const batches = await collect(readCsv(quotes));
  t.same(values(batches, 'score'), [3.5, null, -1]);
  t.equal(values(batches, 'name')[2], 'NA');
  t.equal(values(batches, 'note')[2], null);
});

t.test('nullValues replaces the unquoted NA convention', async (t) => {
  const batches = await collect(readCsv(quotes, { nullValues: [] }));
  t.same(columns(batches[0]!), ['id:int32', 'name:utf8', 'note:utf8', 'score:utf8']);
  t.same(values(batches, 'score'), ['3.5', 'NA', '-1']);
});

t.test('CRLF record ends read like LF ones, and CRLF inside quotes is kept', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'crlf.csv');
  writeFileSync(path, 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n');
  const batches = await collect(readCsv(path));
  t.same(values(batches, 'a'), [1, 2]);
  t.same(values(batches, 'b'), ['x\r\ny', 'z']);
});

t.test('a ; delimiter reads the trackintel position fixes', async (t) => {
  const batches = await collect(readCsv(join(fixtures, 'positionfixes.csv'), { delimiter: ';' }));
  t.same(columns(batches[0]!), ['user_id:int32', 'tracked_at:utf8', 'latitude:float64', 'longitude:float64', 'elevation:int32', 'accuracy:int32']);
  t.same(values(batches, 'latitude'), [39.9801, 39.9803, 39.981]);
});

t.test('the tokenizer gives the same records whatever the chunk boundaries', async (t) => {
  const text = readFileSync(quotes, 'utf8').replaceAll('\n', '\r\n');
  const whole = new CsvTokenizer('whole');
  whole.push(text);
  whole.end();
  const bytewise = new CsvTokenizer('bytewise');
  const records = [];
  for (const ch of text) {
    bytewise.push(ch);
    records.push(...bytewise.take());
  }
  bytewise.end();
  records.push(...bytewise.take());
  const expected = whole.take();
  t.equal(expected.length, 4);
  t.same(records, expected);
  t.same(expected.map((r) => r.line), [1, 2, 3, 5]);
});

t.test('inference: int32, int64 past int32, float64, and utf8 for leading zeros or text', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'infer.csv');
  writeFileSync(path, 'small,big,real,zip,mixed,empty\n1,3000000000,1.5,01234,7,\n-2,4,1e3,02000,x,\n');
  const batches = await collect(readCsv(path));
  t.same(columns(batches[0]!), ['small:int32', 'big:int64', 'real:float64', 'zip:utf8', 'mixed:utf8', 'empty:utf8']);
  t.same(values(batches, 'big'), [3000000000n, 4n]);
  t.same(values(batches, 'real'), [1.5, 1000]);
  t.same(values(batches, 'zip'), ['01234', '02000']);
  t.same(values(batches, 'empty'), [null, null]);
});

t.test('a declared schema reads those columns, in its order, with its types', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'typed.csv');
  writeFileSync(path, 'id,born,seen,ok,n,extra\n1,1950-12-26,2014-07-02T11:45,true,9007199254740993,x\n2,,2014-07-02T11:45:30.5+08:00,0,NA,y\n');
  const schema = [
    { name: 'seen', type: 'timestamp[ms]' }, { name: 'born', type: 'date32' }, { name: 'ok', type: 'bool' },
    { name: 'n', type: 'int64' }, { name: 'id', type: 'utf8' },
  ];
  const batches = await collect(readCsv(path, { schema }));
  t.same(columns(batches[0]!), ['seen:timestamp[ms]', 'born:date32', 'ok:bool', 'n:int64', 'id:utf8']);
  t.same(values(batches, 'seen'), [Date.UTC(2014, 6, 2, 11, 45), Date.UTC(2014, 6, 2, 3, 45, 30, 500)]);
  t.same(values(batches, 'born'), [Date.UTC(1950, 11, 26), null]);
  t.same(values(batches, 'ok'), [true, false]);
  t.same(values(batches, 'n'), [9007199254740993n, null]);
  t.same(values(batches, 'id'), ['1', '2']);
});

t.test('a schema column missing from the header is DP_ERR_VALIDATION naming file and column', async (t) => {
  await t.rejects(collect(readCsv(quotes, { schema: [{ name: 'id', type: 'int32' }, { name: 'AGE', type: 'int32' }] })), {
    code: 'DP_ERR_VALIDATION',
    message: /quotes\.csv header \(line 1\): column "AGE" of the schema is missing/,
  });
});

t.test('a value that is not the declared type is DP_ERR_VALIDATION naming file, row, line and column', async (t) => {
  await t.rejects(collect(readCsv(quotes, { schema: [{ name: 'name', type: 'int32' }] })), {
    code: 'DP_ERR_VALIDATION',
    message: /quotes\.csv row 1 \(line 2\), column "name": "Smith, John" is not a valid int32/,
    details: { row: 1, line: 2, column: 'name', type: 'int32' },
  });
});

t.test('an unknown type name in the schema is DP_ERR_INVALID_ARGUMENT', async (t) => {
  await t.rejects(collect(readCsv(quotes, { schema: [{ name: 'id', type: 'integer' }] })), { code: 'DP_ERR_INVALID_ARGUMENT', message: /"integer"/ });
});

t.test('a later batch that breaks an inferred type is DP_ERR_VALIDATION saying to declare a schema', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'drift.csv');
  writeFileSync(path, 'n\n1\n2\n3\nthree\n');
  await t.rejects(collect(readCsv(path, { batchRows: 2 })), {
    code: 'DP_ERR_VALIDATION',
    message: /row 4 \(line 5\), column "n": "three" is not a valid int32 \(the type was inferred from the first 2 rows/,
  });
});

t.test('a record with the wrong number of fields names its row and line', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'ragged.csv');
  writeFileSync(path, 'a,b\n1,2\n"x\ny",3,4\n');
  await t.rejects(collect(readCsv(path)), { code: 'DP_ERR_VALIDATION', message: /row 2 \(line 3\): 3 fields, the header has 2/ });
});

t.test('an unclosed quote is DP_ERR_VALIDATION naming the line it opens on', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'open.csv');
  writeFileSync(path, 'a,b\n1,2\n3,"never\nclosed\n');
  await t.rejects(collect(readCsv(path)), { code: 'DP_ERR_VALIDATION', message: /line 3: a quoted field is never closed/ });
});

t.test('text after a closing quote is DP_ERR_VALIDATION', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stray.csv');
  writeFileSync(path, 'a\n"x"y\n');
  await t.rejects(collect(readCsv(path)), { code: 'DP_ERR_VALIDATION', message: /line 2: unexpected "y" after the closing quote/ });
});

t.test('a header naming a column twice is refused', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'dup.csv');
  writeFileSync(path, 'a,b,a\n1,2,3\n');
  await t.rejects(collect(readCsv(path)), { code: 'DP_ERR_VALIDATION', message: /names column "a" twice/ });
});

t.test('a header-only file yields one empty batch that carries the columns', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'empty.csv');
  writeFileSync(path, 'a,b\n');
  const batches = await collect(readCsv(path));
  t.equal(batches.length, 1);
  t.equal(batches[0]!.numRows, 0);
  t.same(columns(batches[0]!), ['a:utf8', 'b:utf8']);
});

t.test('a missing file is DP_ERR_NOT_FOUND', async (t) => {
  await t.rejects(collect(readCsv(join(fixtures, 'nope.csv'))), { code: 'DP_ERR_NOT_FOUND', message: /nope\.csv/ });
});

t.test('10,000 rows with batchRows 1,000 come as 10 batches of 1,000', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'ten-thousand.csv');
  const lines = ['i,label'];
  for (let i = 0; i < 10_000; i++) lines.push(`${i},"row ${i}"`);
  writeFileSync(path, lines.join('\n'));
  const batches = await collect(readCsv(path, { batchRows: 1000 }));
  t.equal(batches.length, 10);
  t.same(batches.map((b) => b.numRows), Array(10).fill(1000));
  t.equal(values(batches, 'i')[9_999], 9_999);
  t.equal(values(batches, 'label')[5_000], 'row 5000');
});

t.test('batchRows must be a positive integer', async (t) => {
  await t.rejects(collect(readCsv(quotes, { batchRows: 0 })), { code: 'DP_ERR_INVALID_ARGUMENT', message: /batchRows/ });
});

t.test('a 200,000-row CSV streams in batches of at most batchRows', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'large.csv');
  const rows = 200_000;
  const parts = ['id,lat,lon,note\n'];
  for (let i = 0; i < rows; i++) parts.push(`${i},${39 + (i % 1000) / 1000},${116 + (i % 997) / 1000},"a ""note"", number ${i}"\n`);
  writeFileSync(path, parts.join(''));
  const batchRows = 8192;
  let total = 0;
  let batches = 0;
  let largest = 0;
  let lastId = -1;
  for await (const batch of readCsv(path, { batchRows })) {
    batches++;
    total += batch.numRows;
    largest = Math.max(largest, batch.numRows);
    lastId = batch.getChild('id')!.get(batch.numRows - 1) as number;
  }
  t.equal(total, rows);
  t.equal(batches, Math.ceil(rows / batchRows));
  t.ok(largest <= batchRows, `largest batch ${largest} <= ${batchRows}`);
  t.equal(lastId, rows - 1);
});

