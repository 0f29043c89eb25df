import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Field, Int32, RecordBatchFileWriter, RecordBatchStreamWriter, Schema, Table, tableToIPC, Utf8, vectorFromArray, type RecordBatch,
} from 'apache-arrow';
import { readArrow } from '../../../connectors/sources/arrow.js';
import { tempDir } from '../../helpers.js';
import { collect, columns, values } from './helpers.js';

/** Two batches, 1,500 and 1,000 rows: id 0..2499, city, speed (a float, null every 10th row). */
function sampleBatches(): RecordBatch[] {
  const part = (from: number, n: number) => new Table({
    id: vectorFromArray(Int32Array.from({ length: n }, (_, i) => from + i)),
    city: vectorFromArray(Array.from({ length: n }, (_, i) => ((from + i) % 2 ? 'Beijing' : 'Shanghai')), new Utf8()),
    speed: vectorFromArray(Float64Array.from({ length: n }, (_, i) => (from + i) / 4)),
  }).batches[0]!;
  return [part(0, 1500), part(1500, 1000)];
}

function writeArrow(dir: string, name: string, format: 'file' | 'stream'): string {
  const path = join(dir, name);
  const writer = format === 'file' ? RecordBatchFileWriter.writeAll(sampleBatches()) : RecordBatchStreamWriter.writeAll(sampleBatches());
  writeFileSync(path, writer.toUint8Array(true));
  return path;
}

t.test('an Arrow IPC file passes through batch by batch with its schema and values', async (t) => {
  const path = writeArrow(tempDir(t), 'sample.arrow', 'file');
  const batches = await collect(readArrow(path));
  t.same(batches.map((b) => b.numRows), [1500, 1000]);
  t.same(columns(batches[0]!), ['id:int32', 'city:utf8', 'speed:float64']);
  t.same(values(batches, 'id').slice(1498, 1502), [1498, 1499, 1500, 1501]);
  t.equal(values(batches, 'speed')[2499], 2499 / 4);
});

t.test('an Arrow IPC stream reads the same as the file', async (t) => {
  const path = writeArrow(tempDir(t), 'sample.arrows', 'stream');
  const batches = await collect(readArrow(path));
  t.same(batches.map((b) => b.numRows), [1500, 1000]);
  t.same(values(batches, 'city').slice(0, 2), ['Shanghai', 'Beijing']);
});

t.test('batches longer than batchRows are sliced; shorter ones pass as they are', async (t) => {
  const path = writeArrow(tempDir(t), 'sample.arrow', 'file');
  const batches = await collect(readArrow(path, { batchRows: 600 }));
  t.same(batches.map((b) => b.numRows), [600, 600, 300, 600, 400]);
  t.same(values(batches, 'id'), Array.from({ length: 2500 }, (_, i) => i));
});

t.test('a schema selects Arrow columns in its order', async (t) => {
  const path = writeArrow(tempDir(t), 'sample.arrow', 'file');
  const batches = await collect(readArrow(path, { schema: [{ name: 'speed', type: 'float64' }, { name: 'id', type: 'int32' }] }));
  t.same(columns(batches[0]!), ['speed:float64', 'id:int32']);
  t.equal(batches[1]!.getChild('id')!.get(0), 1500);
});

t.test('a schema type that differs from the file is DP_ERR_VALIDATION naming the column', async (t) => {
  const path = writeArrow(tempDir(t), 'sample.arrow', 'file');
  await t.rejects(collect(readArrow(path, { schema: [{ name: 'id', type: 'int64' }] })), {
    code: 'DP_ERR_VALIDATION',
    message: /sample\.arrow schema: column "id" is int32 in the file, the schema declares int64/,
  });
  await t.rejects(collect(readArrow(path, { schema: [{ name: 'vin', type: 'utf8' }] })), { code: 'DP_ERR_VALIDATION', message: /column "vin" of the schema is missing/ });
});

t.test('an Arrow file with no batches yields one empty batch with its schema', async (t) => {
  const path = join(tempDir(t), 'empty.arrow');
  writeFileSync(path, tableToIPC(new Table(new Schema([new Field('a', new Int32(), true), new Field('s', new Utf8(), true)])), 'file'));
  const batches = await collect(readArrow(path, { schema: [{ name: 's', type: 'utf8' }] }));
  t.same(batches.map((b) => b.numRows), [0]);
  t.same(columns(batches[0]!), ['s:utf8']);
});
