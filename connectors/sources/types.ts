// What every source reader shares: its options, the Arrow type names a dataset schema may
// declare, and the mapping between those names and arrow-js types.
import {
  Bool, DataType, DateDay, DateUnit, Float64, Int32, Int64, Precision, TimestampMillisecond, TimeUnit, Utf8,
  type Schema,
} from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';

/** One column as a dataset schema declares it (extra properties, such as `role`, are ignored). */
export interface SourceField {
  name: string;
  /** Arrow type name: one of {@link SOURCE_TYPES}. */
  type: string;
}

export interface SourceOptions {
  /** Rows per emitted RecordBatch (the last batch may be shorter). Default 65,536. */
  batchRows?: number;
  /** Read exactly these columns with these types; without it the reader infers them. */
  schema?: readonly SourceField[];
}

export const DEFAULT_BATCH_ROWS = 65_536;
/** A batch this large is surely a mistake: 2^24 rows of one float column is already 128 MiB. */
const MAX_BATCH_ROWS = 1 << 24;

export const SOURCE_TYPES = ['utf8', 'int32', 'int64', 'float64', 'bool', 'date32', 'timestamp[ms]'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export function isSourceType(name: string): name is SourceType {
  return (SOURCE_TYPES as readonly string[]).includes(name);
}

/** The checked `batchRows` option. */
export function batchRowsOf(opts: SourceOptions): number {
  const n = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH_ROWS) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `batchRows must be an integer in 1..${MAX_BATCH_ROWS}, got ${n}`);
  }
  return n;
}

/** The checked type name of a declared field. */
export function sourceTypeOf(field: SourceField): SourceType {
  if (!isSourceType(field.type)) {
    throw new DataportError(
      'DP_ERR_INVALID_ARGUMENT',
      `column ${JSON.stringify(field.name)} declares type ${JSON.stringify(field.type)}; supported: ${SOURCE_TYPES.join(', ')}`,
    );
  }
  return field.type;
}

/** The arrow-js type for a type name. Timestamps carry no time zone: their values are UTC epoch ms. */
export function arrowTypeOf(type: SourceType): DataType {
  switch (type) {
    case 'utf8': return new Utf8();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'float64': return new Float64();
    case 'bool': return new Bool();
    case 'date32': return new DateDay();
    case 'timestamp[ms]': return new TimestampMillisecond();
  }
}

/** The type name of an arrow-js type, as a dataset schema would spell it (others: arrow-js's own name). */
export function typeNameOf(type: DataType): string {
  if (DataType.isUtf8(type)) return 'utf8';
  if (DataType.isInt(type) && type.isSigned && type.bitWidth === 32) return 'int32';
  if (DataType.isInt(type) && type.isSigned && type.bitWidth === 64) return 'int64';
  if (DataType.isFloat(type) && type.precision === Precision.DOUBLE) return 'float64';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isDate(type) && type.unit === DateUnit.DAY) return 'date32';
  if (DataType.isTimestamp(type) && type.unit === TimeUnit.MILLISECOND && !type.timezone) return 'timestamp[ms]';
  return String(type);
}

/** The fields of an Arrow schema, named as {@link SourceOptions.schema} names them. */
export function fieldsOf(schema: Schema): SourceField[] {
  return schema.fields.map((f) => ({ name: f.name, type: typeNameOf(f.type) }));
}

/** DP_ERR_VALIDATION about one place in a source file. */
export function sourceError(file: string, where: string, problem: string, details?: Record<string, unknown>): DataportError {
  return new DataportError('DP_ERR_VALIDATION', `${file} ${where}: ${problem}`, { file, ...details });
}
