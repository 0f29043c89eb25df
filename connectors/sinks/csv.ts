// RecordBatches out as CSV (RFC 4180): a header row, then one record per row. A field is put in
// double quotes when it holds the delimiter, a quote (doubled, 2.7), CR or LF (2.6), and also when
// a reader would take its text for a missing value (empty, `NA`, the null token): quoted, the
// connectors/sources reader keeps it as text.
import type { RecordBatch, Schema } from 'apache-arrow';
import { cellKindOf, columnText, type CellKind } from './cells.js';
import { checkSameColumns, emptyResult, type SinkResult } from './types.js';
import { writeAtomically } from './file.js';
import { DataportError } from '../../crypto/errors.js';

export interface CsvSinkOptions {
  /** One character; default ','. */
  delimiter?: string;
  /** What a null is written as, unquoted; default '' (an empty field). */
  nullToken?: string;
  /** Record separator; default CRLF, as RFC 4180 2.1 has it. */
  newline?: '\r\n' | '\n';
}

/** Unquoted text that the CSV source reads as a missing value (its default `nullValues`). */
const READ_AS_NULL = ['', 'NA'];

/** Writes `batches` to `path` as CSV, batch by batch; the file appears only when all is written. */
export async function writeCsv(batches: AsyncIterable<RecordBatch>, path: string, opts: CsvSinkOptions = {}): Promise<SinkResult> {
  const delimiter = checkDelimiter(opts.delimiter ?? ',');
  const nullToken = opts.nullToken ?? '';
  if (/["\r\n]/.test(nullToken) || nullToken.includes(delimiter)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `the CSV null token ${JSON.stringify(nullToken)} holds a quote, line break or the delimiter`);
  }
  const newline = opts.newline ?? '\r\n';
  const field = fieldQuoter(delimiter, new Set([...READ_AS_NULL, nullToken]));
  return writeAtomically(path, async (file) => {
    const result = emptyResult(path, 'csv');
    let schema: Schema | undefined;
    let kinds: CellKind[] = [];
    for await (const batch of batches) {
      if (!schema) {
        schema = batch.schema;
        kinds = schema.fields.map(cellKindOf);
        await file.text(schema.fields.map((f) => field(f.name)).join(delimiter) + newline);
      } else {
        checkSameColumns(schema, batch);
      }
      const columns = batch.data.children.map((data, j) => {
        const { cells } = columnText(data, kinds[j]!);
        // Quoting is decided per cell once, here, column by column.
        const out = new Array<string>(cells.length);
        for (let i = 0; i < cells.length; i++) {
          const c = cells[i]!;
          out[i] = c === null ? nullToken : field(c);
        }
        return out;
      });
      const n = batch.numRows;
      const width = columns.length;
      for (let i = 0; i < n; i++) {
        let record = width > 0 ? columns[0]![i]! : '';
        for (let j = 1; j < width; j++) record += delimiter + columns[j]![i]!;
        if (file.append(record + newline)) await file.flush();
      }
      result.rows += n;
      result.batches++;
    }
    await file.flush();
    result.bytes = file.bytes;
    return result;
  });
}

/** The field as written: quoted when RFC 4180 needs it or a reader would take it for a null. */
function fieldQuoter(delimiter: string, nullSpellings: ReadonlySet<string>): (s: string) => string {
  const special = new RegExp(`["\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`);
  return (s) => (special.test(s) || nullSpellings.has(s) ? `"${s.replaceAll('"', '""')}"` : s);
}

function checkDelimiter(delimiter: string): string {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `the CSV delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  return delimiter;
}
