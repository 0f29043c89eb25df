// RecordBatches out as NDJSON: one JSON object per row, one line each, keys in column order; a
// null is written as null, so every line names every column.
import type { RecordBatch, Schema } from 'apache-arrow';
import { cellKindOf, columnText, jsonCells, type CellKind } from './cells.js';
import { writeAtomically } from './file.js';
import { checkSameColumns, emptyResult, type SinkResult } from './types.js';

/** Writes `batches` to `path` as NDJSON, batch by batch; the file appears only when all is written. */
export async function writeNdjson(batches: AsyncIterable<RecordBatch>, path: string): Promise<SinkResult> {
  return writeAtomically(path, async (file) => {
    const result = emptyResult(path, 'ndjson');
    let schema: Schema | undefined;
    let kinds: CellKind[] = [];
    let keys: string[] = [];
    for await (const batch of batches) {
      if (!schema) {
        schema = batch.schema;
        kinds = schema.fields.map(cellKindOf);
        keys = schema.fields.map((f, j) => `${j === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
      } else {
        checkSameColumns(schema, batch);
      }
      const columns = batch.data.children.map((data, j) => jsonCells(columnText(data, kinds[j]!)));
      const n = batch.numRows;
      for (let i = 0; i < n; i++) {
        let line = keys.length === 0 ? '{' : '';
        for (let j = 0; j < keys.length; j++) line += keys[j]! + columns[j]![i]!;
        if (file.append(line + '}\n')) await file.flush();
      }
      result.rows += n;
      result.batches++;
    }
    await file.flush();
    result.bytes = file.bytes;
    return result;
  });
}
