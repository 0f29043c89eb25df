// CDISC Dataset-JSON 1.1: metadata (`columns`: itemOID, name, label, dataType, targetDataType
// ...) and `rows`, each row an array in column order. Two serialisations: one JSON object
// (`.json`), whose `rows` array is streamed element by element, and NDJSON (`.ndjson`): the
// metadata object on the first line, then one row array per line.
import { stat } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import { BatchAssembler, type ColumnSpec } from './batch.js';
import type { Cell } from './cells.js';
import { JsonMemberSplitter } from './json-members.js';
import { textChunks, textLines, fileError } from './text.js';
import { batchRowsOf, sourceError, sourceTypeOf, type SourceOptions } from './types.js';
import { DataportError } from '../../crypto/errors.js';

export interface DatasetJsonOptions extends SourceOptions {
  /**
   * A `.json` file whose `rows` come before its `columns` cannot be streamed; it is parsed whole
   * when it is at most this many bytes (default 64 MiB) and refused when larger.
   */
  maxWholeFileBytes?: number;
}

export interface DatasetJsonColumn {
  itemOID?: string;
  name: string;
  label?: string;
  dataType: string;
  targetDataType?: string;
}

const DEFAULT_MAX_WHOLE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The Arrow column for a Dataset-JSON column (without a schema):
 * string, URI -> utf8; integer -> int32 (int64 if the first batch needs it); float, double,
 * decimal -> float64 (decimal values are strings in the file, read as numbers); boolean -> bool;
 * date -> date32 and datetime -> timestamp[ms] when targetDataType is "integer" (a numeric SAS
 * date: complete by construction); otherwise date, datetime and time stay utf8, because their
 * ISO 8601 text may be partial (SDTM --DTC values such as "1928" or "2013-05").
 */
export function datasetJsonColumnSpec(column: DatasetJsonColumn): ColumnSpec {
  const metadata = new Map<string, string>([['dataset-json:dataType', column.dataType]]);
  if (column.itemOID) metadata.set('dataset-json:itemOID', column.itemOID);
  if (column.label) metadata.set('dataset-json:label', column.label);
  const numeric = column.targetDataType === 'integer';
  switch (column.dataType) {
    case 'string':
    case 'URI':
    case 'time':
      return { name: column.name, type: 'utf8', metadata };
    case 'integer':
      return { name: column.name, type: 'integer', metadata };
    case 'float':
    case 'double':
    case 'decimal':
      return { name: column.name, type: 'float64', metadata };
    case 'boolean':
      return { name: column.name, type: 'bool', metadata };
    case 'date':
      return { name: column.name, type: numeric ? 'date32' : 'utf8', metadata };
    case 'datetime':
      return { name: column.name, type: numeric ? 'timestamp[ms]' : 'utf8', metadata };
    default:
      throw new DataportError('DP_ERR_VALIDATION', `column ${JSON.stringify(column.name)} has the unknown Dataset-JSON dataType ${JSON.stringify(column.dataType)}`);
  }
}

/** The rows of a Dataset-JSON file (`.ndjson` by its extension, else `.json`) as RecordBatches. */
export function readDatasetJson(path: string, opts: DatasetJsonOptions = {}): AsyncGenerator<RecordBatch> {
  return path.endsWith('.ndjson') ? readDatasetNdjson(path, opts) : readDatasetJsonObject(path, opts);
}

/** The plan for one file: which row positions to read into which columns. */
class RowReader {
  readonly assembler: BatchAssembler;
  private readonly file: string;
  private readonly pick: number[];
  private readonly width: number;
  private readonly declaredRecords: number | undefined;
  private readonly row: Cell[];

  constructor(file: string, metadata: Record<string, unknown>, opts: DatasetJsonOptions) {
    this.file = file;
    const columns = metadata.columns;
    if (!Array.isArray(columns) || !columns.every(isColumn)) {
      throw sourceError(file, 'metadata', '"columns" is not an array of {name, dataType} objects');
    }
    const specs = columns.map((c) => {
      try {
        return datasetJsonColumnSpec(c);
      } catch (e) {
        throw e instanceof DataportError ? sourceError(file, 'metadata', e.detail, { column: c.name }) : e;
      }
    });
    const index = new Map(columns.map((c, i) => [c.name, i]));
    if (opts.schema) {
      this.pick = opts.schema.map((f) => {
        const i = index.get(f.name);
        if (i === undefined) throw sourceError(file, 'metadata', `column ${JSON.stringify(f.name)} of the schema is missing`, { column: f.name });
        return i;
      });
      const declared = opts.schema.map((f, j) => ({ ...specs[this.pick[j]!]!, type: sourceTypeOf(f) }));
      this.assembler = new BatchAssembler(file, declared, batchRowsOf(opts), false);
    } else {
      this.pick = columns.map((_, i) => i);
      this.assembler = new BatchAssembler(file, specs, batchRowsOf(opts), false);
    }
    this.width = columns.length;
    this.row = new Array<Cell>(this.pick.length);
    this.declaredRecords = typeof metadata.records === 'number' ? metadata.records : undefined;
  }

  append(value: unknown, line?: number): RecordBatch | undefined {
    const at = this.assembler.rows + 1;
    const where = `row ${at}${line ? ` (line ${line})` : ''}`;
    if (!Array.isArray(value)) throw sourceError(this.file, where, 'a row is not an array', { row: at, line });
    if (value.length !== this.width) {
      throw sourceError(this.file, where, `${value.length} values, the metadata declares ${this.width} columns`, { row: at, line });
    }
    for (let j = 0; j < this.pick.length; j++) {
      const v: unknown = value[this.pick[j]!];
      this.row[j] = v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : (v as Cell);
    }
    return this.assembler.append(this.row, line);
  }

  /** The last batch, after checking the row count against the metadata's `records`. */
  finish(): RecordBatch | undefined {
    const rows = this.assembler.rows;
    if (this.declaredRecords !== undefined && this.declaredRecords !== rows) {
      throw sourceError(this.file, 'metadata', `"records" is ${this.declaredRecords}, the file has ${rows} rows`, { rows });
    }
    return this.assembler.finish();
  }
}

async function* readDatasetJsonObject(path: string, opts: DatasetJsonOptions): AsyncGenerator<RecordBatch> {
  const splitter = new JsonMemberSplitter(path, 'rows');
  const metadata: Record<string, unknown> = {};
  let reader: RowReader | undefined;
  for await (const chunk of textChunks(path)) {
    splitter.push(chunk);
    for (const event of splitter.take()) {
      if (event.kind === 'member') {
        metadata[event.key] = event.value;
        if (event.key === 'rows' && event.value !== null) throw sourceError(path, 'member "rows"', 'not an array');
        continue;
      }
      if (!reader) {
        // Rows before columns: nothing has been emitted yet, so read the file again, whole.
        if (!('columns' in metadata)) return yield* readWholeFile(path, opts);
        reader = new RowReader(path, metadata, opts);
      }
      const batch = reader.append(event.value);
      if (batch) yield batch;
    }
  }
  splitter.end();
  for (const event of splitter.take()) if (event.kind === 'member') metadata[event.key] = event.value;
  reader ??= new RowReader(path, metadata, opts);
  const last = reader.finish();
  if (last) yield last;
}

async function* readWholeFile(path: string, opts: DatasetJsonOptions): AsyncGenerator<RecordBatch> {
  const limit = opts.maxWholeFileBytes ?? DEFAULT_MAX_WHOLE_FILE_BYTES;
  const size = (await stat(path).catch((e: unknown) => { throw fileError(e, path); })).size;
  if (size > limit) {
    throw new DataportError(
      'DP_ERR_PAYLOAD_TOO_LARGE',
      `${path} has its "rows" before its "columns", so it cannot be streamed, and at ${size} bytes it is over `
        + `the ${limit}-byte limit for reading it whole (maxWholeFileBytes)`,
    );
  }
  let text = '';
  for await (const chunk of textChunks(path)) text += chunk;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (e) {
    throw sourceError(path, 'as a whole', `not JSON (${(e as Error).message})`);
  }
  const metadata = document as Record<string, unknown>;
  const reader = new RowReader(path, metadata, opts);
  const rows = Array.isArray(metadata.rows) ? metadata.rows : [];
  for (const row of rows) {
    const batch = reader.append(row);
    if (batch) yield batch;
  }
  const last = reader.finish();
  if (last) yield last;
}

async function* readDatasetNdjson(path: string, opts: DatasetJsonOptions): AsyncGenerator<RecordBatch> {
  let reader: RowReader | undefined;
  for await (const { text, line } of textLines(path)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw sourceError(path, `line ${line}`, `not JSON (${(e as Error).message})`, { line });
    }
    if (!reader) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw sourceError(path, `line ${line}`, 'the first line is not the metadata object', { line });
      }
      reader = new RowReader(path, value as Record<string, unknown>, opts);
      continue;
    }
    const batch = reader.append(value, line);
    if (batch) yield batch;
  }
  if (!reader) throw sourceError(path, 'line 1', 'no metadata line');
  const last = reader.finish();
  if (last) yield last;
}

function isColumn(c: unknown): c is DatasetJsonColumn {
  return typeof c === 'object' && c !== null && typeof (c as DatasetJsonColumn).name === 'string' && typeof (c as DatasetJsonColumn).dataType === 'string';
}
