import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordBatchReader, Table, Utf8, tableFromArrays, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { inferSchema, readSource, toArrowStream } from '../../../connectors/sources/index.js';
import { collect, columns, fixtures, values } from './helpers.js';
import { join } from 'node:path';

/** `count` batches of `rows` rows each (id, a 40-byte string), recording how many were pulled. */
function countingSource(count: number, rows: number) {
  const state = { pulled: 0, closed: false };
  async function* batches(): AsyncGenerator<RecordBatch> {
    try {
      for (let b = 0; b < count; b++) {
        state.pulled++;
        yield new Table({
          id: vectorFromArray(Int32Array.from({ length: rows }, (_, i) => b * rows + i)),
          text: vectorFromArray(Array.from({ length: rows }, (_, i) => `row ${b * rows + i}`.padEnd(40, '.')), new Utf8()),
        }).batches[0]!;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, batches: batches() };
}

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

t.test('toArrowStream writes an Arrow IPC stream that reads back to the same batches', async (t) => {
  const { batches } = countingSource(3, 100);
  const bytes = await bytesOf(toArrowStream(batches));
  const back = await collect(await RecordBatchReader.from(bytes));
  t.same(back.map((b) => b.numRows), [100, 100, 100]);
  t.same(columns(back[0]!), ['id:int32', 'text:utf8']);
  t.same(values(back, 'id'), Array.from({ length: 300 }, (_, i) => i));
  t.equal(values(back, 'text')[299], 'row 299'.padEnd(40, '.'));
});

t.test('toArrowStream pulls a batch only when the consumer reads', async (t) => {
  // Each batch is ~45 KB, over the Readable's 16 KiB high-water mark.
  const { state, batches } = countingSource(1000, 1000);
  const stream = toArrowStream(batches);
  await sleep(20);
  t.equal(state.pulled, 0, 'nothing is pulled before anyone reads');
  await new Promise((resolve) => stream.once('readable', resolve));
  stream.read();
  await sleep(50);
  t.ok(state.pulled <= 3, `${state.pulled} of 1000 batches pulled after one read`);
  stream.destroy();
  await sleep(10);
  t.equal(state.closed, true, 'destroying the stream closes the source');
});

t.test('an error in the source destroys the stream with that error', async (t) => {
  async function* failing(): AsyncGenerator<RecordBatch> {
    yield tableFromArrays({ a: Int32Array.of(1) }).batches[0]!;
    throw new Error('disk gone');
  }
  await t.rejects(bytesOf(toArrowStream(failing())), { message: 'disk gone' });
});

t.test('batches whose schemas differ are refused, not cut short', async (t) => {
  async function* mixed(): AsyncGenerator<RecordBatch> {
    yield tableFromArrays({ a: Int32Array.of(1) }).batches[0]!;
    yield tableFromArrays({ a: ['x'] }).batches[0]!;
  }
  await t.rejects(bytesOf(toArrowStream(mixed())), { code: 'DP_ERR_VALIDATION', message: /schema different from the first batch/ });
});

t.test('readSource dispatches by format, and refuses an unknown one', async (t) => {
  const csv = await collect(readSource(join(fixtures, 'quotes.csv'), 'csv'));
  t.equal(csv[0]!.numRows, 3);
  const plt = await collect(readSource(join(fixtures, 'geolife'), 'gps-trace', { batchRows: 2 }));
  t.same(plt.map((b) => b.numRows), [2, 2, 2]);
  t.throws(() => readSource('x', 'xml' as 'csv'), { code: 'DP_ERR_INVALID_ARGUMENT', message: /unknown source format "xml"/ });
});

t.test('inferSchema names the columns and types a source would be read with', async (t) => {
  t.same(await inferSchema(join(fixtures, 'events.ndjson'), 'ndjson'), [
    { name: 'id', type: 'int32' }, { name: 'user', type: 'utf8' }, { name: 'speed', type: 'float64' },
    { name: 'ok', type: 'bool' }, { name: 'tags', type: 'utf8' }, { name: 'meta', type: 'utf8' },
  ]);
});

t.test('a source read through toArrowStream arrives whole: CSV to Arrow stream and back', async (t) => {
  const bytes = await bytesOf(toArrowStream(readSource(join(fixtures, 'dm-tiny.json'), 'dataset-json')));
  const back = await collect(await RecordBatchReader.from(bytes));
  t.same(values(back, 'NOTE'), ['ok, [fine]', null, 'say "]" and {']);
  t.equal(back[0]!.schema.fields[3]!.metadata.get('dataset-json:label'), 'Randomisation Date');
});
