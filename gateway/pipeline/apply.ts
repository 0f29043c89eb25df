// Runs a pipeline plan over the record batches of one transfer. The plan is checked against the
// first batch's schema once (every listed column present, every step fitting its column's type)
// and compiled to kernels; each batch is then a pass over columns: `keep` passes the input's
// buffers through untouched, `drop` and every column the plan does not list are left out (fail
// closed), `transform` runs its kernels in order. The per-transfer caches (tokens, subject
// offsets) live in the kernels, so one pipeline is one transfer.
import { Field, RecordBatch, Schema, Struct, makeData, util, type Data, type DataType } from 'apache-arrow';
import { DataportError, quoteUntrusted as quote } from '../../crypto/errors.js';
import { MIN_PROVIDER_SECRET_LENGTH } from '../../crypto/pseudonym-keys.js';
import { schemaMismatch } from './transforms/errors.js';
import { compileStep } from './transforms/index.js';
import type { HmacBackend } from './transforms/keyed-hash.js';
import type { ColumnPlan, PipelinePlan, Step, StepKernel, StepOp } from './transforms/types.js';

/** Field metadata key naming the steps a column went through (JSON). */
export const TRANSFORM_METADATA_KEY = 'dataport:transform';
/** Schema metadata keys naming the agreement and dataset the output was made under. */
export const AGREEMENT_METADATA_KEY = 'dataport:agreementId';
export const DATASET_METADATA_KEY = 'dataport:datasetId';

export const DEFAULT_CACHE_CAPACITY = 100_000;

export interface PipelineOptions {
  /** Entries per per-transfer cache (tokens of one column, subject date offsets). Default 100k. */
  cacheCapacity?: number;
  hmacBackend?: HmacBackend;
}

export interface ColumnReport {
  name: string;
  action: 'keep' | 'transform';
  steps: StepOp[];
  /** Non-null values that came in. */
  valuesIn: number;
  nullsIn: number;
  /** Rows whose value some step altered (made null included). */
  valuesChanged: number;
  /** Non-null values that left as null (unparseable dates, a null subject, suppress...). */
  nullsProduced: number;
  /** Values whose token or subject offset came from a cache instead of an HMAC. */
  cacheHits: number;
  hmacs: number;
}

export interface DroppedColumn {
  name: string;
  reason: string;
  /** False for an input column the plan does not mention (dropped because nothing allows it). */
  listed: boolean;
}

export interface PipelineReport {
  agreementId: string;
  datasetId: string;
  batches: number;
  rowsIn: number;
  rowsOut: number;
  columns: ColumnReport[];
  dropped: DroppedColumn[];
  /** Input columns the plan does not list (all of them also in `dropped`). */
  unlistedColumns: number;
}

export interface Pipeline {
  /** The transformed batch: plan columns in plan order, nothing else. */
  apply(batch: RecordBatch): RecordBatch;
  /** The output schema for batches of `input` (checks the plan against it, like the first apply). */
  outputSchema(input: Schema): Schema;
  report(): PipelineReport;
}

export const UNLISTED_REASON = 'not in the pipeline plan (fail closed)';

interface OutputColumn {
  input: number;
  kernels: StepKernel[];
  report: ColumnReport;
}

interface Compiled {
  input: Schema;
  output: Schema;
  columns: OutputColumn[];
  dropped: DroppedColumn[];
}

export function createPipeline(plan: PipelinePlan, secret: Uint8Array, options: PipelineOptions = {}): Pipeline {
  checkPlan(plan);
  if (!(secret instanceof Uint8Array) || secret.length < MIN_PROVIDER_SECRET_LENGTH) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `the provider secret must be a Uint8Array of at least ${MIN_PROVIDER_SECRET_LENGTH} bytes`);
  }
  const cacheCapacity = options.cacheCapacity ?? DEFAULT_CACHE_CAPACITY;
  let compiled: Compiled | undefined;
  let batches = 0;
  let rowsIn = 0;
  let rowsOut = 0;
  let changed = new Uint8Array(0);

  const compiledFor = (schema: Schema): Compiled => {
    if (!compiled) compiled = compile(plan, schema, secret, cacheCapacity, options.hmacBackend);
    else if (schema !== compiled.input) sameSchema(compiled.input, schema);
    return compiled;
  };

  return {
    outputSchema: (input) => compiledFor(input).output,

    apply(batch) {
      const c = compiledFor(batch.schema);
      const n = batch.numRows;
      const inputs = batch.data.children;
      if (changed.length < n) changed = new Uint8Array(n);
      const children: Data[] = [];
      for (const col of c.columns) {
        const source = inputs[col.input]!;
        const r = col.report;
        r.valuesIn += n - source.nullCount;
        r.nullsIn += source.nullCount;
        let data = source;
        if (col.kernels.length > 0) {
          const marks = changed.subarray(0, n);
          marks.fill(0);
          for (const kernel of col.kernels) data = kernel.apply(data, batch, marks);
          let count = 0;
          for (let i = 0; i < n; i++) count += marks[i]!;
          r.valuesChanged += count;
          r.nullsProduced += Math.max(0, data.nullCount - source.nullCount);
        }
        children.push(data);
      }
      batches++;
      rowsIn += n;
      rowsOut += n;
      return new RecordBatch(c.output, makeData({ type: new Struct(c.output.fields), length: n, nullCount: 0, children }));
    },

    report() {
      const columns = (compiled?.columns ?? []).map((col) => {
        let cacheHits = 0;
        let hmacs = 0;
        for (const k of col.kernels) {
          cacheHits += k.counters.cacheHits;
          hmacs += k.counters.hmacs;
        }
        return { ...col.report, steps: [...col.report.steps], cacheHits, hmacs };
      });
      const dropped = compiled ? compiled.dropped.map((d) => ({ ...d })) : plannedDrops(plan);
      return {
        agreementId: plan.agreementId,
        datasetId: plan.datasetId,
        batches,
        rowsIn,
        rowsOut,
        columns,
        dropped,
        unlistedColumns: dropped.filter((d) => !d.listed).length,
      };
    },
  };
}

function compile(plan: PipelinePlan, input: Schema, secret: Uint8Array, cacheCapacity: number, hmacBackend: HmacBackend | undefined): Compiled {
  const inputIndex = new Map<string, number>();
  const ambiguous = new Set<string>();
  input.fields.forEach((f, i) => (inputIndex.has(f.name) ? ambiguous.add(f.name) : inputIndex.set(f.name, i)));
  const inputTypes = input.fields.map((f) => f.type);
  const listed = new Set(plan.columns.map((c) => c.name));
  const shared = new Map<string, unknown>();
  const fields: Field[] = [];
  const columns: OutputColumn[] = [];
  const dropped: DroppedColumn[] = [];
  for (const column of plan.columns) {
    const index = inputIndex.get(column.name);
    if (index === undefined) throw schemaMismatch(column.name, `listed in the plan as ${column.action}`);
    if (ambiguous.has(column.name)) {
      throw new DataportError('DP_ERR_VALIDATION', `the input has more than one column named ${quote(column.name)}`);
    }
    if (column.action === 'drop') {
      dropped.push({ name: column.name, reason: column.reason, listed: true });
      continue;
    }
    const field = input.fields[index]!;
    const report: ColumnReport = {
      name: column.name, action: column.action, steps: [], valuesIn: 0, nullsIn: 0, valuesChanged: 0, nullsProduced: 0, cacheHits: 0, hmacs: 0,
    };
    if (column.action === 'keep') {
      fields.push(field);
      columns.push({ input: index, kernels: [], report });
      continue;
    }
    const ctx = { column: column.name, agreementId: plan.agreementId, secret, inputIndex, inputTypes, subjectColumn: plan.subjectColumn, cacheCapacity, hmacBackend, shared };
    let type: DataType = field.type;
    const kernels = column.steps.map((step) => {
      const kernel = compileStep(step, ctx, type);
      type = kernel.outputType;
      return kernel;
    });
    report.steps = kernels.map((k) => k.op);
    // The input field's own metadata describes the value before the transform: it stays behind.
    fields.push(new Field(column.name, type, true, new Map([[TRANSFORM_METADATA_KEY, JSON.stringify(column.steps.map(describeStep))]])));
    columns.push({ input: index, kernels, report });
  }
  for (const f of input.fields) {
    if (!listed.has(f.name)) dropped.push({ name: f.name, reason: UNLISTED_REASON, listed: false });
  }
  // Input schema metadata (pandas' column lists, a source's notes) may name what was dropped: not carried.
  const metadata = new Map([[AGREEMENT_METADATA_KEY, plan.agreementId], [DATASET_METADATA_KEY, plan.datasetId]]);
  return { input, output: new Schema(fields, metadata), columns, dropped };
}

/** A step as the output field's metadata records it: hierarchies by their size, not their rows. */
function describeStep(step: Step): object {
  return step.op === 'hierarchy' ? { op: step.op, level: step.level, rows: step.levels.length } : step;
}

function plannedDrops(plan: PipelinePlan): DroppedColumn[] {
  return plan.columns.flatMap((c) => (c.action === 'drop' ? [{ name: c.name, reason: c.reason, listed: true }] : []));
}

function sameSchema(first: Schema, next: Schema): void {
  const a = first.fields;
  const b = next.fields;
  const differs = a.length !== b.length || a.some((f, i) => f.name !== b[i]!.name || !util.compareTypes(f.type, b[i]!.type));
  if (differs) {
    throw new DataportError('DP_ERR_VALIDATION', 'a batch schema differs from the first batch\'s', { reason: 'DP_ERR_SCHEMA_MISMATCH' });
  }
}

/** The checks that need no schema: shape, version, unique names (policies/pipeline validates fully). */
function checkPlan(plan: PipelinePlan): void {
  const fail = (problem: string): never => {
    throw new DataportError('DP_ERR_VALIDATION', `pipeline plan: ${problem}`);
  };
  if (typeof plan !== 'object' || plan === null) fail('not an object');
  if (plan.version !== 1) fail(`version ${quote(String(plan.version))} is not 1`);
  if (typeof plan.agreementId !== 'string' || plan.agreementId.length === 0) fail('agreementId is missing');
  if (typeof plan.datasetId !== 'string' || plan.datasetId.length === 0) fail('datasetId is missing');
  if (plan.subjectColumn !== undefined && (typeof plan.subjectColumn !== 'string' || plan.subjectColumn.length === 0)) fail('subjectColumn is not a column name');
  if (!Array.isArray(plan.columns)) fail('columns is not a list');
  const seen = new Set<string>();
  plan.columns.forEach((c: ColumnPlan, i) => {
    if (typeof c !== 'object' || c === null || typeof c.name !== 'string' || c.name.length === 0) fail(`column ${i} has no name`);
    if (seen.has(c.name)) fail(`column ${quote(c.name)} is listed twice`);
    seen.add(c.name);
    const action = (c as { action?: unknown }).action;
    if (action === 'drop' && typeof (c as { reason?: unknown }).reason !== 'string') fail(`column ${quote(c.name)} is dropped without a reason`);
    else if (action === 'transform' && (!Array.isArray((c as { steps?: unknown }).steps) || (c as { steps: unknown[] }).steps.length === 0)) {
      fail(`column ${quote(c.name)} is transformed without steps`);
    } else if (action !== 'keep' && action !== 'drop' && action !== 'transform') fail(`column ${quote(c.name)} has unknown action ${quote(String(action))}`);
  });
}
