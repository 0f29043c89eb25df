// The contract every column transform implements, over the pipeline plan (derived from an
// agreement's `anonymize` duty in policies/pipeline/).
import type { Data, DataType, RecordBatch } from 'apache-arrow';
import type { HmacBackend } from './keyed-hash.js';

// The plan types are policies/pipeline's (one definition, with its JSON Schema); the per-step
// names below are views of its Step union.
import type { ColumnPlan, PipelinePlan, Step, StepOp } from '../../../policies/pipeline/plan.js';

export type { ColumnPlan, PipelinePlan, Step, StepOp };

type StepOf<K extends StepOp> = Extract<Step, { op: K }>;
/** Keyed token: the first `length` hex characters (8..64, default 32) of HMAC-SHA-256. */
export type PseudonymizeStep = StepOf<'pseudonymize'>;
/** Every date of one subject moves by the same secret offset in [-maxDays, +maxDays] days. */
export type DateShiftStep = StepOf<'dateShift'>;
export type TruncateDateStep = StepOf<'truncateDate'>;
export type DateUnit = TruncateDateStep['unit'];
/** Floor to a multiple of `seconds` since the epoch. */
export type BucketTimeStep = StepOf<'bucketTime'>;
/** ARX hierarchy rows `[value, level1, level2, ...]`; unknown values become '*'. */
export type HierarchyStep = StepOf<'hierarchy'>;
/** Numbers to "[lo, hi)" labels, lo = min + k * width. */
export type IntervalStep = StepOf<'interval'>;
/** Clamp numbers to [min, max]. */
export type TopBottomCodeStep = StepOf<'topBottomCode'>;
/** Snap a coordinate to the centre of its cell. */
export type GridStep = StepOf<'grid'>;
/** On a latitude column: the geohash of (this, lonColumn). */
export type GeohashStep = StepOf<'geohash'>;
/** 'abcdef' with keepLast 2 becomes '****ef' (per character, not per byte). */
export type MaskStep = StepOf<'mask'>;
export type RedactStep = StepOf<'redact'>;
export type SuppressStep = StepOf<'suppress'>;
/** Add Laplace(0, scale) noise from a cryptographic random source. */
export type LaplaceStep = StepOf<'laplace'>;

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
