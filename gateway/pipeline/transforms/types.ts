// The pipeline plan (derived from an agreement's `anonymize` duty in policies/pipeline/) and the
// contract every column transform implements. The plan's JSON Schema lives with its derivation;
// these types mirror it one for one.
import type { Data, DataType, RecordBatch } from 'apache-arrow';
import type { HmacBackend } from './keyed-hash.js';

export interface PipelinePlan {
  version: 1;
  agreementId: string;
  datasetId: string;
  /** The column that names the data subject; dateShift moves all dates of one subject together. */
  subjectColumn?: string;
  /** In output order. A column of the input that is not listed never leaves (fail closed). */
  columns: ColumnPlan[];
}

export type ColumnPlan =
  | { name: string; action: 'keep' }
  | { name: string; action: 'drop'; reason: string }
  | { name: string; action: 'transform'; steps: Step[] };

export type DateUnit = 'year' | 'month' | 'day' | 'hour' | 'minute';

export type Step =
  | PseudonymizeStep
  | DateShiftStep
  | TruncateDateStep
  | BucketTimeStep
  | HierarchyStep
  | IntervalStep
  | TopBottomCodeStep
  | GridStep
  | GeohashStep
  | MaskStep
  | RedactStep
  | SuppressStep
  | LaplaceStep;

/** Keyed token: the first `length` hex characters (8..64, default 32) of HMAC-SHA-256. */
export interface PseudonymizeStep { op: 'pseudonymize'; length?: number }
/** Every date of one subject moves by the same secret offset in [-maxDays, +maxDays] days. */
export interface DateShiftStep { op: 'dateShift'; maxDays: number }
export interface TruncateDateStep { op: 'truncateDate'; unit: DateUnit }
/** Floor to a multiple of `seconds` since the epoch. */
export interface BucketTimeStep { op: 'bucketTime'; seconds: number }
/** ARX hierarchy rows `[value, level1, level2, ...]`; level 0 keeps the value; unknown values become '*'. */
export interface HierarchyStep { op: 'hierarchy'; levels: string[][]; level: number }
/** Numbers to "[lo, hi)" labels, lo = min + k * width. */
export interface IntervalStep { op: 'interval'; width: number; min?: number }
/** Clamp numbers to [min, max]. */
export interface TopBottomCodeStep { op: 'topBottomCode'; min?: number; max?: number }
/** Snap a coordinate to the centre of its cell. */
export interface GridStep { op: 'grid'; cellDegrees: number }
/** On a latitude column: the geohash of (this, lonColumn). */
export interface GeohashStep { op: 'geohash'; precision: number; lonColumn: string }
/** 'abcdef' with keepLast 2 becomes '****ef' (per character, not per byte). */
export interface MaskStep { op: 'mask'; keepLast: number; char?: string }
export interface RedactStep { op: 'redact'; replacement?: string }
export interface SuppressStep { op: 'suppress' }
/** Add Laplace(0, scale) noise from a cryptographic random source. */
export interface LaplaceStep { op: 'laplace'; scale: number }

export type StepOp = Step['op'];

/** What a step needs to know when it is compiled against the input schema, once per transfer. */
export interface StepContext {
  /** The output column the step belongs to (it names the pseudonym key). */
  column: string;
  agreementId: string;
  secret: Uint8Array;
  /** Index of each input column by name. */
  inputIndex: ReadonlyMap<string, number>;
  /** Input field types, by index. */
  inputTypes: readonly DataType[];
  subjectColumn: string | undefined;
  /** Entries each per-transfer cache (tokens, subject offsets) may hold. */
  cacheCapacity: number;
  /** HMAC implementation of the keyed steps (keyed-hash.ts picks the default). */
  hmacBackend?: HmacBackend;
  /** State the steps of one pipeline share (dateShift's subject offsets), by a name each step picks. */
  shared: Map<string, unknown>;
}

/** Running figures of one step over the whole transfer. */
export interface StepCounters {
  cacheHits: number;
  /** HMAC-SHA-256 evaluations (cache misses of pseudonymize and dateShift). */
  hmacs: number;
}

/**
 * One compiled step. `apply` reads `input` (a column of `outputType`'s predecessor), may read other
 * columns of the original `batch`, sets `changed[i] = 1` for each row whose value it alters (made
 * null included), and returns a new column; it never mutates its input.
 */
export interface StepKernel {
  readonly op: StepOp;
  readonly outputType: DataType;
  readonly counters: StepCounters;
  apply(input: Data, batch: RecordBatch, changed: Uint8Array): Data;
}

export const newCounters = (): StepCounters => ({ cacheHits: 0, hmacs: 0 });
