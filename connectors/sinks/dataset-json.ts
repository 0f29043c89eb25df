// RecordBatches out as CDISC Dataset-JSON 1.1, streamed: the metadata, then `rows` one array per
// line as the batches come. The row count (`records`, which comes before the rows so that a
// reader can stream the file) is known only at the end: it is written as a fixed-width run of
// spaces and digits (JSON allows whitespace before a value) and filled in in place.
// `.ndjson` gets the NDJSON serialisation instead: the metadata object on the first line, then
// one row array per line.
import { basename, extname } from 'node:path';
import type { Field, RecordBatch, Schema } from 'apache-arrow';
import { cellKindOf, columnText, jsonCells, type CellKind } from './cells.js';
import { writeAtomically, type AtomicFile } from './file.js';
import { checkSameColumns, emptyResult, type SinkResult } from './types.js';
import type { DatasetJsonColumn } from '../sources/index.js';

export const DATASET_JSON_VERSION = '1.1.0';

export interface DatasetJsonSinkOptions {
  /** The dataset's `name`; default: the file's base name without its extension, in upper case. */
  name?: string;
  /** The dataset's `label`; default: its name. */
  label?: string;
  /** Default: `IG.` + name. */
  itemGroupOID?: string;
  /** More top-level members, written as given (studyOID, originator, sourceSystem, fileOID...); not those the writer makes. */
  metadata?: Record<string, unknown>;
  /**
   * Column metadata by column name (itemOID, label, dataType), over what the output field's own
   * metadata says (a column read from Dataset-JSON carries `dataset-json:*` keys). A dataType is
   * taken only if it fits the column's Arrow type; otherwise, and by default, it follows the type.
   */
  columns?: Record<string, Partial<DatasetJsonColumn>>;
}

/** Top-level members the writer makes itself; `metadata` cannot override them. */
const WRITTEN_HERE = new Set(['datasetJSONCreationDateTime', 'datasetJSONVersion', 'itemGroupOID', 'records', 'name', 'label', 'columns', 'rows']);

/** `records` is written as this many characters: enough for any safe integer. */
const RECORDS_WIDTH = String(Number.MAX_SAFE_INTEGER).length;

/** Dataset-JSON dataTypes a column of each kind may declare (first: the default). */
const DATA_TYPES: Record<CellKind, readonly string[]> = {
  string: ['string', 'URI', 'date', 'datetime', 'time'],
  integer: ['integer'],
  float: ['double', 'float', 'decimal'],
  boolean: ['boolean'],
  date: ['date'],
  timestamp: ['datetime'],
  json: ['string'],
};

/** Writes `batches` to `path` as Dataset-JSON (`.ndjson`: its NDJSON form); the file appears only when all is written. */
export async function writeDatasetJson(batches: AsyncIterable<RecordBatch>, path: string, opts: DatasetJsonSinkOptions = {}): Promise<SinkResult> {
  const ndjson = path.endsWith('.ndjson');
  const name = opts.name ?? basename(path, extname(path)).toUpperCase();
  return writeAtomically(path, async (file) => {
    const result = emptyResult(path, 'dataset-json');
    let schema: Schema | undefined;
    let kinds: CellKind[] = [];
    let decimals: boolean[] = [];
    let recordsAt = -1;
    let first = true;
    for await (const batch of batches) {
      if (!schema) {
        schema = batch.schema;
        kinds = schema.fields.map(cellKindOf);
        const columns = schema.fields.map((f, j) => columnOf(f, kinds[j]!, name, opts.columns?.[f.name]));
        decimals = columns.map((c) => c.dataType === 'decimal');
        recordsAt = await writeHeader(file, { name, columns, opts, ndjson });
      } else {
        checkSameColumns(schema, batch);
      }
      const columns = batch.data.children.map((data, j) => jsonCells(columnText(data, kinds[j]!), decimals[j]));
      const n = batch.numRows;
      const width = columns.length;
      for (let i = 0; i < n; i++) {
        let row = ndjson ? '[' : first ? '\n[' : ',\n[';
        first = false;
        for (let j = 0; j < width; j++) row += (j === 0 ? '' : ',') + columns[j]![i]!;
        if (file.append(ndjson ? `${row}]\n` : `${row}]`)) await file.flush();
      }
      result.rows += n;
      result.batches++;
    }
    if (!schema) {
      // No batch at all: a dataset without columns or rows is still a valid file.
      recordsAt = await writeHeader(file, { name, columns: [], opts, ndjson });
    }
    if (!ndjson) await file.text('\n]}\n');
    await file.flush();
    await file.patch(recordsAt, Buffer.from(String(result.rows).padStart(RECORDS_WIDTH), 'utf8'));
    result.bytes = file.bytes;
    return result;
  });
}

/** The metadata up to the rows; returns the byte position of the `records` value to fill in. */
async function writeHeader(
  file: AtomicFile,
  { name, columns, opts, ndjson }: { name: string; columns: DatasetJsonColumn[]; opts: DatasetJsonSinkOptions; ndjson: boolean },
): Promise<number> {
  const extra = Object.entries(opts.metadata ?? {}).filter(([key]) => !WRITTEN_HERE.has(key));
  const head = {
    datasetJSONCreationDateTime: new Date().toISOString().slice(0, 19),
    datasetJSONVersion: DATASET_JSON_VERSION,
    ...Object.fromEntries(extra),
    itemGroupOID: opts.itemGroupOID ?? `IG.${name}`,
  };
  const tail = { name, label: opts.label ?? name, columns };
  const before = `${JSON.stringify(head).slice(0, -1)},"records":`;
  const after = `,${JSON.stringify(tail).slice(1, -1)}${ndjson ? '}\n' : ',"rows":['}`;
  await file.flush();
  const at = file.bytes + Buffer.byteLength(before, 'utf8');
  await file.text(before + '0'.padStart(RECORDS_WIDTH) + after);
  return at;
}

/** The Dataset-JSON column of an output field: the hint's, then the field's metadata, then its type's. */
function columnOf(field: Field, kind: CellKind, dataset: string, hint: Partial<DatasetJsonColumn> = {}): DatasetJsonColumn {
  const meta = field.metadata;
  const allowed = DATA_TYPES[kind];
  const declared = [hint.dataType, meta.get('dataset-json:dataType')].find((t) => t !== undefined && allowed.includes(t));
  const column: DatasetJsonColumn = {
    itemOID: hint.itemOID ?? meta.get('dataset-json:itemOID') ?? `IT.${dataset}.${field.name}`,
    name: field.name,
    label: hint.label ?? meta.get('dataset-json:label') ?? field.name,
    dataType: declared ?? allowed[0]!,
  };
  // A typed date or time is numeric in SAS: the reader reads it back as date32 / timestamp[ms].
  if (kind === 'date' || kind === 'timestamp') column.targetDataType = 'integer';
  return column;
}
