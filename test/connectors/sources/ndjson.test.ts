import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNdjson } from '../../../connectors/sources/ndjson.js';
import { tempDir } from '../../helpers.js';
import { collect, columns, fixtures, values } from './helpers.js';

const events = join(fixtures, 'events.ndjson');

t.test('keys become columns in order of first appearance, typed from the JSON values', async (t) => {
  const batches = await collect(readNdjson(events));
  t.same(columns(batches[0]!), ['id:int32', 'user:utf8', 'speed:float64', 'ok:bool', 'tags:utf8', 'meta:utf8']);
  t.same(values(batches, 'id'), [1, 2, 3]);
  t.same(values(batches, 'speed'), [12.5, 3, null]);
  t.same(values(batches, 'ok'), [true, false, true]);
});

t.test('nested values become their JSON text; null and an absent key are null', async (t) => {
  const batches = await collect(readNdjson(events));
  t.same(values(batches, 'tags'), ['["a","b"]', '[]', null]);
  t.same(values(batches, 'meta'), ['{"k":1}', null, null]);
});

t.test('a schema reads those keys with those types and ignores the others', async (t) => {
  const schema = [{ name: 'user', type: 'utf8' }, { name: 'id', type: 'int64' }, { name: 'speed', type: 'utf8' }];
  const batches = await collect(readNdjson(events, { schema }));
  t.same(columns(batches[0]!), ['user:utf8', 'id:int64', 'speed:utf8']);
  t.same(values(batches, 'id'), [1n, 2n, 3n]);
  t.same(values(batches, 'speed'), ['12.5', '3', null]);
});

t.test('a schema key that no object has is DP_ERR_VALIDATION naming the column', async (t) => {
  await t.rejects(collect(readNdjson(events, { schema: [{ name: 'id', type: 'int32' }, { name: 'vin', type: 'utf8' }] })), {
    code: 'DP_ERR_VALIDATION',
    message: /events\.ndjson rows 1\.\.3: column "vin" of the schema is missing/,
  });
});

t.test('a value that is not the declared type names row, line and column', async (t) => {
  await t.rejects(collect(readNdjson(events, { schema: [{ name: 'user', type: 'int32' }] })), {
    code: 'DP_ERR_VALIDATION',
    message: /row 1 \(line 1\), column "user": "u-001" is not a valid int32/,
  });
});

t.test('a line that is not a JSON object is DP_ERR_VALIDATION naming the line', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'bad.ndjson');
  writeFileSync(path, '{"a":1}\n[1,2]\n');
  await t.rejects(collect(readNdjson(path)), { code: 'DP_ERR_VALIDATION', message: /bad\.ndjson line 2: not a JSON object/ });
  writeFileSync(path, '{"a":1}\n{"a":\n');
  await t.rejects(collect(readNdjson(path)), { code: 'DP_ERR_VALIDATION', message: /line 2: not JSON/ });
});

t.test('without a schema, a key first seen after the first batch is refused', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'late.ndjson');
  writeFileSync(path, '{"a":1}\n{"a":2}\n{"a":3,"b":4}\n');
  await t.rejects(collect(readNdjson(path, { batchRows: 2 })), { code: 'DP_ERR_VALIDATION', message: /row 3 \(line 3\): key "b" is not among the columns of the first 2 rows/ });
});

t.test('rows are cut into batches of batchRows, CRLF lines included', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'many.ndjson');
  writeFileSync(path, Array.from({ length: 2500 }, (_, i) => JSON.stringify({ i, s: `r${i}` })).join('\r\n'));
  const batches = await collect(readNdjson(path, { batchRows: 1000 }));
  t.same(batches.map((b) => b.numRows), [1000, 1000, 500]);
  t.equal(values(batches, 's')[2499], 'r2499');
});
