// Data sinks: RecordBatches written to a local file as CSV, NDJSON, CDISC Dataset-JSON or Arrow
// IPC, batch by batch with backpressure, into a temporary file that is renamed into place only
// when everything is written (a failed write leaves no partial output). The inverse of
// connectors/sources: what a sink writes, the matching reader reads back.
import type { RecordBatch } from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';
import { writeArrow, type ArrowSinkOptions } from './arrow.js';
import { writeCsv, type CsvSinkOptions } from './csv.js';
import { writeDatasetJson, type DatasetJsonSinkOptions } from './dataset-json.js';
import { writeNdjson } from './ndjson.js';
import { SINK_FORMATS, type SinkFormat, type SinkResult } from './types.js';

/** The options of every writer; each reads the ones that concern it. */
export interface WriteSinkOptions extends CsvSinkOptions, DatasetJsonSinkOptions, ArrowSinkOptions {}

/** Writes `batches` to the file at `path` in `format`. */
export async function writeSink(batches: AsyncIterable<RecordBatch>, path: string, format: SinkFormat, opts: WriteSinkOptions = {}): Promise<SinkResult> {
  switch (format) {
    case 'csv': return writeCsv(batches, path, opts);
    case 'ndjson': return writeNdjson(batches, path);
    case 'dataset-json': return writeDatasetJson(batches, path, opts);
    case 'arrow': return writeArrow(batches, path, opts);
    default:
      throw new DataportError('DP_ERR_INVALID_ARGUMENT', `unknown sink format ${JSON.stringify(format)}; one of ${SINK_FORMATS.join(', ')}`);
  }
}

export { writeArrow, arrowIpcFormatOf, type ArrowIpcFormat, type ArrowSinkOptions } from './arrow.js';
export { writeCsv, type CsvSinkOptions } from './csv.js';
export { writeDatasetJson, DATASET_JSON_VERSION, type DatasetJsonSinkOptions } from './dataset-json.js';
export { writeNdjson } from './ndjson.js';
export { writeAtomically } from './file.js';
export { SINK_FORMATS, type SinkFormat, type SinkResult } from './types.js';
