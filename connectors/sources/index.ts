// Data sources of a provider's connector: local files read as Arrow RecordBatches of bounded
// size, whatever the file's size, and served on as an Arrow IPC stream.
import type { RecordBatch } from 'apache-arrow';
import { readArrow } from './arrow.js';
import { readCsv } from './csv.js';
import { readDatasetJson, type DatasetJsonOptions } from './dataset-json.js';
import { readGpsTrace, type GpsTraceOptions } from './gps-trace.js';
import { readNdjson } from './ndjson.js';
import { fieldsOf, type SourceField } from './types.js';
import { DataportError } from '../../crypto/errors.js';

export type SourceFormat = 'csv' | 'ndjson' | 'dataset-json' | 'arrow' | 'gps-trace';
export const SOURCE_FORMATS: readonly SourceFormat[] = ['csv', 'ndjson', 'dataset-json', 'arrow', 'gps-trace'];

/** The options of every reader; each reads the ones that concern it. */
export interface ReadSourceOptions extends GpsTraceOptions, DatasetJsonOptions {}

/** The file (or, for gps-trace, directory) at `path` as RecordBatches of at most `batchRows` rows. */
export function readSource(path: string, format: SourceFormat, opts: ReadSourceOptions = {}): AsyncGenerator<RecordBatch> {
  switch (format) {
    case 'csv': return readCsv(path, opts);
    case 'ndjson': return readNdjson(path, opts);
    case 'dataset-json': return readDatasetJson(path, opts);
    case 'arrow': return readArrow(path, opts);
    case 'gps-trace': return readGpsTrace(path, opts);
    default:
      throw new DataportError('DP_ERR_INVALID_ARGUMENT', `unknown source format ${JSON.stringify(format)}; one of ${SOURCE_FORMATS.join(', ')}`);
  }
}

/** The columns a source would be read with: declared, or inferred from its first batch. */
export async function inferSchema(path: string, format: SourceFormat, opts: ReadSourceOptions = {}): Promise<SourceField[]> {
  const batches = readSource(path, format, opts);
  try {
    const first = await batches.next();
    return first.done ? [] : fieldsOf(first.value.schema);
  } finally {
    await batches.return(undefined);
  }
}

export { toArrowStream } from './ipc-stream.js';
export { readArrow } from './arrow.js';
export { readCsv, csvRecords, type CsvOptions, type CsvRecord } from './csv.js';
export { readDatasetJson, datasetJsonColumnSpec, type DatasetJsonOptions, type DatasetJsonColumn } from './dataset-json.js';
export {
  readGpsTrace, readPlt, readGeoLifeDirectory, readComma2k19Gnss,
  PLT_SCHEMA, COMMA2K19_GNSS_SCHEMA, TRACKINTEL_POSITIONFIXES_SCHEMA, type GpsTraceOptions,
} from './gps-trace.js';
export { readNdjson } from './ndjson.js';
export {
  DEFAULT_BATCH_ROWS, SOURCE_TYPES, arrowTypeOf, typeNameOf, fieldsOf,
  type SourceField, type SourceOptions, type SourceType,
} from './types.js';
