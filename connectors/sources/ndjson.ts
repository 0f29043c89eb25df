// NDJSON: one JSON object per line, streamed into RecordBatches. Nested values (objects,
// arrays) become their JSON text; an absent key is a missing value (null).
import type { RecordBatch } from 'apache-arrow';
import { BatchAssembler } from './batch.js';
import type { Cell } from './cells.js';
import { textLines, type Line } from './text.js';
import { batchRowsOf, sourceError, sourceTypeOf, type SourceOptions } from './types.js';

/**
 * The objects of an NDJSON file as RecordBatches of at most `batchRows` rows; blank lines are
 * skipped. With `schema`: those keys with those types (other keys are ignored; a key that no
 * object of the first batch has is a missing column). Without: the keys of the first batch, in
 * order of first appearance, typed by the rule of cells.ts; a new key after it is an error.
 */
export async function* readNdjson(path: string, opts: SourceOptions = {}): AsyncGenerator<RecordBatch> {
  const batchRows = batchRowsOf(opts);
  let rows = opts.schema ? new ObjectRows(path, opts.schema.map((f) => f.name), opts, batchRows) : undefined;
  /** Without a schema, the objects of the first batch wait until they have named the columns. */
  const first: { object: Record<string, unknown>; line: number }[] = [];
  for await (const line of textLines(path)) {
    if (line.text.trim() === '') continue;
    const object = parseObject(path, line);
    if (rows) {
      const batch = rows.append(object, line.line);
      if (batch) yield batch;
      continue;
    }
    first.push({ object, line: line.line });
    if (first.length === batchRows) {
      rows = new ObjectRows(path, keysOf(first), opts, batchRows);
      for (const f of first.splice(0)) {
        const batch = rows.append(f.object, f.line);
        if (batch) yield batch;
      }
    }
  }
  if (!rows) {
    rows = new ObjectRows(path, keysOf(first), opts, batchRows);
    for (const f of first.splice(0)) rows.append(f.object, f.line);
  }
  const last = rows.finish();
  if (last) yield last;
}

/** Objects into rows of fixed columns. */
class ObjectRows {
  private readonly file: string;
  private readonly names: string[];
  private readonly declared: boolean;
  private readonly known: ReadonlySet<string>;
  private readonly assembler: BatchAssembler;
  private readonly row: Cell[];
  /** Which columns some object of the first batch has (a declared one that none has is missing). */
  private readonly present: Uint8Array;

  constructor(file: string, names: string[], opts: SourceOptions, batchRows: number) {
    this.file = file;
    this.names = names;
    this.declared = opts.schema !== undefined;
    this.known = new Set(names);
    const specs = opts.schema
      ? opts.schema.map((f) => ({ name: f.name, type: sourceTypeOf(f) }))
      : names.map((name) => ({ name, type: 'infer' as const }));
    this.assembler = new BatchAssembler(file, specs, batchRows, false);
    this.row = new Array<Cell>(names.length);
    this.present = new Uint8Array(names.length);
  }

  append(object: Record<string, unknown>, line: number): RecordBatch | undefined {
    const at = this.assembler.rows + 1;
    const inFirst = at <= this.assembler.batchRows;
    for (let j = 0; j < this.names.length; j++) {
      const key = this.names[j]!;
      const v = object[key];
      if (inFirst && v !== undefined) this.present[j] = 1;
      this.row[j] = v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : (v as Cell);
    }
    if (!this.declared) {
      for (const key in object) {
        if (!this.known.has(key)) {
          const problem = `key ${JSON.stringify(key)} is not among the columns of the first ${this.assembler.batchRows} rows; `
            + 'declare a schema to read this source';
          throw sourceError(this.file, `row ${at} (line ${line})`, problem, { row: at, line, column: key });
        }
      }
    }
    if (at === this.assembler.batchRows) this.checkPresent(at);
    return this.assembler.append(this.row, line);
  }

  finish(): RecordBatch | undefined {
    const rows = this.assembler.rows;
    if (rows > 0 && rows < this.assembler.batchRows) this.checkPresent(rows);
    return this.assembler.finish();
  }

  private checkPresent(rows: number): void {
    const j = this.present.indexOf(0);
    if (this.declared && j !== -1) {
      throw sourceError(this.file, `rows 1..${rows}`, `column ${JSON.stringify(this.names[j])} of the schema is missing`, { column: this.names[j] });
    }
  }
}

function parseObject(path: string, { text, line }: Line): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw sourceError(path, `line ${line}`, `not JSON (${(e as Error).message})`, { line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw sourceError(path, `line ${line}`, 'not a JSON object', { line });
  }
  return value as Record<string, unknown>;
}

function keysOf(objects: readonly { object: Record<string, unknown> }[]): string[] {
  const keys = new Set<string>();
  for (const { object } of objects) for (const key in object) keys.add(key);
  return [...keys];
}
