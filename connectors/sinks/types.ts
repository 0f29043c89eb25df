// What every sink shares: the formats, the summary of a write, and the check that all batches
// of one output have the same columns (a file has one header).
import { util, type RecordBatch, type Schema } from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';

export type SinkFormat = 'csv' | 'ndjson' | 'dataset-json' | 'arrow';
export const SINK_FORMATS: readonly SinkFormat[] = ['csv', 'ndjson', 'dataset-json', 'arrow'];

export interface SinkResult {
  path: string;
  format: SinkFormat;
  rows: number;
  batches: number;
  /** Size of the file written. */
  bytes: number;
}

export function emptyResult(path: string, format: SinkFormat): SinkResult {
  return { path, format, rows: 0, batches: 0, bytes: 0 };
}

/** Throws unless `batch` has the columns of `first`: same names and types, in the same order. */
export function checkSameColumns(first: Schema, batch: RecordBatch): void {
  const a = first.fields;
  const b = batch.schema.fields;
  if (b === a) return;
  if (a.length !== b.length || a.some((f, j) => f.name !== b[j]!.name || !util.compareTypes(f.type, b[j]!.type))) {
    const spell = (s: Schema) => s.fields.map((f) => `${f.name}:${String(f.type)}`).join(', ');
    throw new DataportError('DP_ERR_VALIDATION', `a batch has the columns ${spell(batch.schema)}; the first batch had ${spell(first)}`);
  }
}
