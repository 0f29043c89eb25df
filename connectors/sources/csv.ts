// CSV (RFC 4180) streamed into RecordBatches: a header row, fields optionally in double quotes,
// `""` for a quote inside them, line breaks inside quoted fields, CRLF or LF record ends.
import type { RecordBatch } from 'apache-arrow';
import { BatchAssembler, type ColumnSpec } from './batch.js';
import type { Cell } from './cells.js';
import { textChunks } from './text.js';
import { batchRowsOf, sourceError, sourceTypeOf, type SourceOptions } from './types.js';
import { DataportError } from '../../crypto/errors.js';

export interface CsvOptions extends SourceOptions {
  /** One character; default ','. */
  delimiter?: string;
  /**
   * Unquoted field values that mean "missing" (null), besides the empty field. Default ['NA'],
   * as R writes the CDISC pilot files; a quoted "NA" stays the text NA.
   */
  nullValues?: readonly string[];
}

export interface CsvRecord {
  /** Fields; null for an unquoted null value (never in the header record). */
  fields: Cell[];
  /** The line the record starts on, 1-based. */
  line: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const enum State { FieldStart, Unquoted, Quoted, QuoteInQuoted }

/** An incremental RFC 4180 tokenizer: push text in chunks of any size, take whole records. */
export class CsvTokenizer {
  private readonly file: string;
  private readonly delimiter: number;
  private readonly nullValues: ReadonlySet<string>;
  private state = State.FieldStart;
  private field = '';
  private quoted = false;
  private fields: Cell[] = [];
  private line = 1;
  private recordLine = 1;
  private header = true;
  /** A CR ended the last chunk: an LF starting the next one belongs to it. */
  private pendingCR = false;
  private records: CsvRecord[] = [];

  constructor(file: string, delimiter = ',', nullValues: Iterable<string> = ['NA']) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      const got = JSON.stringify(delimiter);
      throw new DataportError('DP_ERR_INVALID_ARGUMENT', `the CSV delimiter must be one character other than a quote or line break, got ${got}`);
    }
    this.file = file;
    this.delimiter = delimiter.charCodeAt(0);
    this.nullValues = new Set(nullValues);
  }

  push(chunk: string): void {
    const n = chunk.length;
    let i = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (n > 0 && chunk.charCodeAt(0) === LF) i = 1;
    }
    while (i < n) {
      if (this.state === State.FieldStart && chunk.charCodeAt(i) === QUOTE) {
        this.state = State.Quoted;
        this.quoted = true;
        i++;
      } else if (this.state === State.FieldStart || this.state === State.Unquoted) {
        let j = i;
        let c = 0;
        while (j < n && (c = chunk.charCodeAt(j)) !== this.delimiter && c !== LF && c !== CR) j++;
        this.field += chunk.slice(i, j);
        if (j === n) {
          this.state = State.Unquoted;
          return;
        }
        i = this.endField(chunk, j, c);
      } else if (this.state === State.Quoted) {
        const q = chunk.indexOf('"', i);
        const end = q === -1 ? n : q;
        for (let k = chunk.indexOf('\n', i); k !== -1 && k < end; k = chunk.indexOf('\n', k + 1)) this.line++;
        this.field += chunk.slice(i, end);
        if (q === -1) return;
        this.state = State.QuoteInQuoted;
        i = q + 1;
      } else {
        const c = chunk.charCodeAt(i);
        if (c === QUOTE) {
          // RFC 4180 2.7: a doubled quote inside a quoted field is one quote.
          this.field += '"';
          this.state = State.Quoted;
          i++;
        } else if (c === this.delimiter || c === LF || c === CR) {
          i = this.endField(chunk, i, c);
        } else {
          throw sourceError(this.file, `line ${this.line}`, `unexpected ${JSON.stringify(chunk[i])} after the closing quote of a field`, { line: this.line });
        }
      }
    }
  }

  /** Ends the input: the last record needs no line break, but an open quote is an error. */
  end(): void {
    if (this.state === State.Quoted) {
      throw sourceError(this.file, `line ${this.recordLine}`, 'a quoted field is never closed', { line: this.recordLine });
    }
    if (this.state !== State.FieldStart || this.fields.length > 0) this.endRecord(false);
  }

  /** The records completed so far (each is returned once). */
  take(): CsvRecord[] {
    const out = this.records;
    this.records = [];
    return out;
  }

  /** Ends the field at `chunk[j]` (a delimiter or line break); returns where to go on. */
  private endField(chunk: string, j: number, c: number): number {
    if (c === this.delimiter) {
      this.pushField();
      this.state = State.FieldStart;
      return j + 1;
    }
    this.endRecord(true);
    if (c === CR) {
      if (j + 1 < chunk.length) return chunk.charCodeAt(j + 1) === LF ? j + 2 : j + 1;
      this.pendingCR = true;
    }
    return j + 1;
  }

  private pushField(): void {
    const v = this.field;
    this.fields.push(!this.quoted && !this.header && this.nullValues.has(v) ? null : v);
    this.field = '';
    this.quoted = false;
  }

  private endRecord(lineBreak: boolean): void {
    const blank = this.fields.length === 0 && this.field === '' && !this.quoted;
    if (!blank) {
      this.pushField();
      this.records.push({ fields: this.fields, line: this.recordLine });
      this.fields = [];
      this.header = false;
    }
    this.state = State.FieldStart;
    if (lineBreak) this.line++;
    this.recordLine = this.line;
  }
}

/** The records of a CSV file, streamed. */
export async function* csvRecords(path: string, opts: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  const tokenizer = new CsvTokenizer(path, opts.delimiter ?? ',', opts.nullValues ?? ['NA']);
  for await (const chunk of textChunks(path)) {
    tokenizer.push(chunk);
    yield* tokenizer.take();
  }
  tokenizer.end();
  yield* tokenizer.take();
}

/**
 * The rows of a CSV file with a header row, as RecordBatches of at most `batchRows` rows.
 * With `schema`: exactly those columns (by header name), with those types. Without: every
 * column, typed by the inference rule of cells.ts from the first batch.
 */
export async function* readCsv(path: string, opts: CsvOptions = {}): AsyncGenerator<RecordBatch> {
  const batchRows = batchRowsOf(opts);
  let assembler: BatchAssembler | undefined;
  let pick: number[] = [];
  let width = 0;
  let row: Cell[] = [];
  for await (const record of csvRecords(path, opts)) {
    if (!assembler) {
      const columns = csvColumns(path, record, opts);
      assembler = new BatchAssembler(path, columns.specs, batchRows, true);
      pick = columns.pick;
      width = record.fields.length;
      row = new Array<Cell>(pick.length);
      continue;
    }
    const { fields, line } = record;
    if (fields.length !== width) {
      const at = assembler.rows + 1;
      throw sourceError(path, `row ${at} (line ${line})`, `${fields.length} fields, the header has ${width}`, { row: at, line });
    }
    for (let j = 0; j < pick.length; j++) row[j] = fields[pick[j]!];
    const batch = assembler.append(row, line);
    if (batch) yield batch;
  }
  if (!assembler) throw sourceError(path, 'line 1', 'no header row');
  const last = assembler.finish();
  if (last) yield last;
}

/** The columns to read, and where each is in a record, from the header record. */
function csvColumns(path: string, header: CsvRecord, opts: CsvOptions): { specs: ColumnSpec[]; pick: number[] } {
  const names = header.fields.map(String);
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (index.has(name)) {
      throw sourceError(path, `line ${header.line}`, `the header names column ${JSON.stringify(name)} twice`, { line: header.line, column: name });
    }
    index.set(name, i);
  });
  if (!opts.schema) return { specs: names.map((name) => ({ name, type: 'infer' })), pick: names.map((_, i) => i) };
  const pick = opts.schema.map((f) => {
    const i = index.get(f.name);
    if (i === undefined) {
      throw sourceError(path, `header (line ${header.line})`, `column ${JSON.stringify(f.name)} of the schema is missing`, { line: header.line, column: f.name });
    }
    return i;
  });
  return { specs: opts.schema.map((f) => ({ name: f.name, type: sourceTypeOf(f) })), pick };
}
