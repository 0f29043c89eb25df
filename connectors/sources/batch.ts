// Rows in, RecordBatches of at most `batchRows` rows out. Cells are kept per column until the
// batch is full, then each column is converted in one loop into its Arrow buffers (typed values,
// validity bitmap, UTF-8 offsets and bytes). Untyped columns get their type from the first batch.
import {
  Data, Field, makeData, RecordBatch, Schema, Struct,
  type Bool, type DateDay, type Float64, type Int32, type Int64, type TimestampMillisecond, type Utf8,
} from 'apache-arrow';
import {
  inferType, isMissing, parseBool, parseDate32, parseFloat64, parseInt32, parseInt64, parseTimestampMs, type Cell,
} from './cells.js';
import { arrowTypeOf, sourceError, type SourceType } from './types.js';
import { quoteUntrusted } from '../../crypto/errors.js';

export interface ColumnSpec {
  name: string;
  /** A declared type; 'infer' for the rule in cells.ts; 'integer' for int32, or int64 if the first batch needs it. */
  type: SourceType | 'infer' | 'integer';
  metadata?: Map<string, string>;
}

export class BatchAssembler {
  readonly batchRows: number;
  private readonly file: string;
  private readonly specs: readonly ColumnSpec[];
  private readonly fromText: boolean;
  private readonly cells: Cell[][];
  /** Source line of each buffered row (0 where the format has no lines). */
  private readonly lines: Float64Array;
  private length = 0;
  private emitted = 0;
  private schema: Schema | undefined;
  private types: SourceType[] = [];

  /** `fromText`: cells are CSV text, so inference may read numbers in them. */
  constructor(file: string, specs: readonly ColumnSpec[], batchRows: number, fromText: boolean) {
    this.file = file;
    this.specs = specs;
    this.batchRows = batchRows;
    this.fromText = fromText;
    this.cells = specs.map(() => new Array<Cell>(batchRows));
    this.lines = new Float64Array(batchRows);
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.emitted + this.length;
  }

  /** Appends one row (cells in column order); returns the batch it completes, if it does. */
  append(row: ArrayLike<Cell>, line = 0): RecordBatch | undefined {
    const i = this.length;
    for (let j = 0; j < this.cells.length; j++) this.cells[j]![i] = row[j];
    this.lines[i] = line;
    this.length = i + 1;
    return this.length === this.batchRows ? this.flush() : undefined;
  }

  /**
   * The last, shorter batch; or, when the source had no rows at all, one empty batch so that
   * the schema still reaches the consumer.
   */
  finish(): RecordBatch | undefined {
    return this.length > 0 || this.emitted === 0 ? this.flush() : undefined;
  }

  private flush(): RecordBatch {
    const n = this.length;
    if (!this.schema) {
      this.types = this.specs.map((spec, j) => resolveType(spec, this.cells[j]!, n, this.fromText));
      this.schema = new Schema(this.specs.map((spec, j) => new Field(spec.name, arrowTypeOf(this.types[j]!), true, spec.metadata)));
    }
    const children = this.specs.map((_, j) => this.column(j, n));
    this.emitted += n;
    this.length = 0;
    const data = makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }

  private column(j: number, n: number): Data {
    const cells = this.cells[j]!;
    const type = this.types[j]!;
    const arrowType = this.schema!.fields[j]!.type;
    const validity = new Uint8Array((n + 7) >> 3);
    let nulls = 0;
    const valid = (i: number): boolean => {
      if (isMissing(cells[i])) {
        nulls++;
        return false;
      }
      validity[i >> 3]! |= 1 << (i & 7);
      return true;
    };
    const bitmap = (): Uint8Array | undefined => (nulls === 0 ? undefined : validity);
    const fail = (i: number): never => this.invalid(j, i, type);

    switch (type) {
      case 'utf8': {
        // Two passes: the strings' UTF-8 lengths size the buffer, then each is encoded into place.
        const offsets = new Int32Array(n + 1);
        let bytes = 0;
        for (let i = 0; i < n; i++) {
          if (valid(i)) {
            const s = String(cells[i]);
            cells[i] = s;
            bytes += Buffer.byteLength(s, 'utf8');
          }
          offsets[i + 1] = bytes;
        }
        const data = new Uint8Array(bytes);
        for (let i = 0; i < n; i++) {
          if (offsets[i + 1]! > offsets[i]!) encoder.encodeInto(cells[i] as string, data.subarray(offsets[i]!));
        }
        return makeData({ type: arrowType as Utf8, length: n, nullCount: nulls, nullBitmap: bitmap(), valueOffsets: offsets, data });
      }
      case 'int32':
      case 'date32': {
        const parse = type === 'int32' ? parseInt32 : parseDate32;
        const values = new Int32Array(n);
        for (let i = 0; i < n; i++) if (valid(i)) values[i] = parse(cells[i]!) ?? fail(i);
        const props = { length: n, nullCount: nulls, nullBitmap: bitmap(), data: values };
        return type === 'int32' ? makeData({ type: arrowType as Int32, ...props }) : makeData({ type: arrowType as DateDay, ...props });
      }
      case 'int64':
      case 'timestamp[ms]': {
        const values = new BigInt64Array(n);
        for (let i = 0; i < n; i++) {
          if (!valid(i)) continue;
          if (type === 'int64') values[i] = parseInt64(cells[i]!) ?? fail(i);
          else values[i] = BigInt(parseTimestampMs(cells[i]!) ?? fail(i));
        }
        const props = { length: n, nullCount: nulls, nullBitmap: bitmap(), data: values };
        return type === 'int64'
          ? makeData({ type: arrowType as Int64, ...props })
          : makeData({ type: arrowType as TimestampMillisecond, ...props });
      }
      case 'float64': {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) if (valid(i)) values[i] = parseFloat64(cells[i]!) ?? fail(i);
        return makeData({ type: arrowType as Float64, length: n, nullCount: nulls, nullBitmap: bitmap(), data: values });
      }
      case 'bool': {
        const values = new Uint8Array((n + 7) >> 3);
        for (let i = 0; i < n; i++) {
          if (valid(i) && (parseBool(cells[i]!) ?? fail(i))) values[i >> 3]! |= 1 << (i & 7);
        }
        return makeData({ type: arrowType as Bool, length: n, nullCount: nulls, nullBitmap: bitmap(), data: values });
      }
    }
  }

  private invalid(j: number, i: number, type: SourceType): never {
    const row = this.emitted + i + 1;
    const line = this.lines[i]!;
    const column = this.specs[j]!.name;
    const value = String(this.cells[j]![i]);
    const inferred = this.specs[j]!.type === 'infer' && this.emitted > 0
      ? ` (the type was inferred from the first ${this.batchRows} rows; declare a schema to read this source)`
      : '';
    throw sourceError(
      this.file,
      `row ${row}${line > 0 ? ` (line ${line})` : ''}, column ${JSON.stringify(column)}`,
      `${quoteUntrusted(value)} is not a valid ${type}${inferred}`,
      { row, ...(line > 0 ? { line } : {}), column, type },
    );
  }
}

const encoder = new TextEncoder();

function resolveType(spec: ColumnSpec, cells: readonly Cell[], n: number, fromText: boolean): SourceType {
  if (spec.type === 'infer') return inferType(cells, n, fromText);
  if (spec.type === 'integer') {
    // Widen only for values that are integers: anything else fails as not an int32, with its row.
    for (let i = 0; i < n; i++) {
      const c = cells[i];
      if (!isMissing(c) && typeof c !== 'boolean' && parseInt32(c) === undefined && parseInt64(c) !== undefined) return 'int64';
    }
    return 'int32';
  }
  return spec.type;
}
