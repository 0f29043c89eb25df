// Arrow IPC, file or stream format: the batches pass through, sliced (zero-copy) so that none
// is longer than `batchRows`, and projected onto `schema` when one is given.
import { open } from 'node:fs/promises';
import { makeData, RecordBatch, RecordBatchReader, Struct, type DataType, type Schema } from 'apache-arrow';
import { fileError } from './text.js';
import { batchRowsOf, sourceError, sourceTypeOf, typeNameOf, type SourceOptions } from './types.js';

/**
 * The batches of an Arrow IPC file or stream. With `schema`, exactly those columns, whose types
 * in the file must be the declared ones (Arrow data is typed already: nothing is converted).
 * Batches longer than `batchRows` are split; shorter ones are passed on as they are.
 */
export async function* readArrow(path: string, opts: SourceOptions = {}): AsyncGenerator<RecordBatch> {
  const batchRows = batchRowsOf(opts);
  const handle = await open(path, 'r').catch((e: unknown) => { throw fileError(e, path); });
  try {
    // On a file handle the reader reads the footer, then one batch at a time by its offset.
    const reader = await (await RecordBatchReader.from(handle)).open();
    // Taken now: the reader forgets its schema once it has read to the end.
    const schema = reader.schema;
    let picks: number[] | undefined;
    let batches = 0;
    for await (const batch of reader) {
      picks ??= projection(path, batch.schema, opts);
      const selected = picks ? batch.selectAt(picks) : batch;
      for (let at = 0; at < selected.numRows; at += batchRows) {
        yield at === 0 && selected.numRows <= batchRows ? selected : selected.slice(at, at + batchRows);
        batches++;
      }
    }
    if (batches === 0) {
      // No rows: one empty batch still carries the schema.
      const empty = emptyBatch(schema);
      const all = projection(path, schema, opts);
      yield all ? empty.selectAt(all) : empty;
    }
  } finally {
    await handle.close();
  }
}

function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => makeData({ type: f.type as DataType, length: 0, nullCount: 0 }));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}

/** The column positions to select, in schema order, after checking their types; undefined for all. */
function projection(path: string, schema: Schema, opts: SourceOptions): number[] | undefined {
  if (!opts.schema) return undefined;
  return opts.schema.map((f) => {
    const i = schema.fields.findIndex((x) => x.name === f.name);
    const field = schema.fields[i];
    if (!field) throw sourceError(path, 'schema', `column ${JSON.stringify(f.name)} of the schema is missing`, { column: f.name });
    const actual = typeNameOf(field.type);
    if (actual !== sourceTypeOf(f)) {
      throw sourceError(path, 'schema', `column ${JSON.stringify(f.name)} is ${actual} in the file, the schema declares ${f.type}`, { column: f.name, type: f.type });
    }
    return i;
  });
}
