// The privacy-model stage: k-anonymity, distinct l-diversity and t-closeness over the whole
// transfer. The input is spooled once to an Arrow IPC file on disk while the quasi-identifiers and
// sensitive attributes are dictionary-coded in memory (4 bytes per cell); the lattice search picks
// the levels; then the spool is read back batch by batch, each quasi-identifier replaced by its
// generalised text, and the records of classes that still fail suppressed ('*' in every
// quasi-identifier). Rows keep their number and order; only the quasi-identifier columns change.
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  DataType, Field, makeData, RecordBatch, RecordBatchFileWriter, RecordBatchReader, Schema, Struct, Utf8,
} from 'apache-arrow';
import { DataportError } from '../../../crypto/errors.js';
import type { GeneralisationHierarchy, PrivacyPlan } from '../../../policies/pipeline/models.js';
import type { BatchStage } from '../stage.js';
import { Labels } from '../transforms/columns.js';
import { ColumnEncoder } from './encode.js';
import { bottomOf, bottomSnapshot, evaluate, Scratch, type Bottom, type Evaluation, type SensitiveCodes } from './evaluate.js';
import { compileHierarchy, TOP, type CompiledHierarchy } from './hierarchy.js';
import { searchLattice } from './search.js';

/** Output field metadata: the level a quasi-identifier leaves at. */
export const PRIVACY_METADATA_KEY = 'dataport:privacy';

export interface PrivacyStageOptions {
  /** Where the input is spooled (a directory of its own, removed when the stage ends). */
  spoolDir: string;
}

/** Re-identification risk of the records that are not suppressed (a suppressed record matches everyone). */
export interface Risk {
  /** 1 / the size of the smallest class. */
  prosecutorHighest: number;
  /** Mean over records of 1 / their class's size (= classes / records). */
  prosecutorAverage: number;
  /** Share of all records alone in their class. */
  uniqueShare: number;
}

export interface PrivacyReport {
  records: number;
  model: { k: number; suppressionLimit: number; sensitive: { column: string; l?: number; t?: number; distance: 'ordered' | 'equal' }[] };
  /** What the output shows: its smallest class, and per sensitive attribute the fewest distinct values and the largest distance. */
  achieved: { k: number; l: Record<string, number>; t: Record<string, number> };
  /** Per quasi-identifier: the level chosen, of how many (0 = as is, the last = '*'). */
  levels: Record<string, { level: number; height: number; hierarchy: GeneralisationHierarchy['type'] }>;
  suppressed: number;
  /** Equivalence classes of the records kept (the suppressed ones are not counted). */
  classes: number;
  /** Average over quasi-identifier cells of (leaves under the value - 1) / (domain - 1), suppressed cells 1. */
  informationLoss: number;
  /** Sum of the squared class sizes, each suppressed record counting the number of records. */
  discernability: number;
  risk: { input: Risk; output: Risk };
  search: { nodes: number; evaluated: number; monotone: boolean; milliseconds: number };
  spooledBytes: number;
}

export function createPrivacyStage(plan: PrivacyPlan, options: PrivacyStageOptions): BatchStage<PrivacyReport> {
  let report: PrivacyReport | undefined;
  return {
    async *run(input) {
      const dir = await mkdtemp(join(options.spoolDir, 'dataport-privacy-'));
      try {
        const spool = join(dir, 'spool.arrow');
        const read = await spoolAndEncode(input, plan, spool);
        if (!read) return;
        const started = performance.now();
        const model = compile(plan, read);
        const result = model.records === 0
          ? { levels: model.hierarchies.map(() => 0), evaluation: evaluate(model.bottom, model.hierarchies, model.sensitive, model.limits, model.hierarchies.map(() => 0), bottomSnapshot(model.bottom), new Scratch()), nodes: 1, evaluated: 1, monotone: true }
          : searchLattice(model.bottom, model.hierarchies, model.sensitive, model.limits, plan.quasiIdentifiers.map((q) => q.column));
        const milliseconds = performance.now() - started;
        report = reportOf(plan, model, result, milliseconds, (await stat(spool)).size);
        yield* replay(spool, read.schema, plan, model, result.levels, result.evaluation);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    report() {
      if (!report) throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'the privacy model has not run yet');
      return report;
    },
  };
}

interface Read {
  schema: Schema;
  quasi: ColumnEncoder[];
  sensitive: ColumnEncoder[];
  sensitiveTypes: DataType[];
  records: number;
}

// Writes every batch to the spool and codes the model's columns on the way; undefined for no input.
async function spoolAndEncode(input: AsyncIterable<RecordBatch>, plan: PrivacyPlan, path: string): Promise<Read | undefined> {
  const writer = new RecordBatchFileWriter();
  const written = pipeline(writer.toNodeStream(), createWriteStream(path));
  written.catch(() => undefined); // awaited below; a failed disk must not surface as unhandled first
  let read: Read | undefined;
  let indices: { quasi: number[]; sensitive: number[] } | undefined;
  try {
    for await (const batch of input) {
      if (!read) {
        indices = columnIndices(batch.schema, plan);
        read = {
          schema: batch.schema,
          quasi: indices.quasi.map(() => new ColumnEncoder()),
          sensitive: indices.sensitive.map(() => new ColumnEncoder()),
          sensitiveTypes: indices.sensitive.map((i) => batch.schema.fields[i]!.type),
          records: 0,
        };
      }
      indices!.quasi.forEach((i, c) => read!.quasi[c]!.add(batch.getChildAt(i)!, batch.schema.fields[i]!.type));
      indices!.sensitive.forEach((i, c) => read!.sensitive[c]!.add(batch.getChildAt(i)!, batch.schema.fields[i]!.type));
      read.records += batch.numRows;
      writer.write(batch);
    }
  } finally {
    writer.finish();
  }
  await written;
  return read;
}

function columnIndices(schema: Schema, plan: PrivacyPlan): { quasi: number[]; sensitive: number[] } {
  const index = new Map(schema.fields.map((f, i) => [f.name, i]));
  const missing: string[] = [];
  const find = (column: string) => {
    const i = index.get(column);
    if (i === undefined) missing.push(column);
    return i ?? -1;
  };
  const quasi = plan.quasiIdentifiers.map((q) => find(q.column));
  const sensitive = (plan.sensitive ?? []).map((s) => find(s.column));
  if (missing.length > 0) {
    throw new DataportError('DP_ERR_SCHEMA_MISMATCH', `the privacy model names columns the data does not have: ${missing.map((m) => JSON.stringify(m)).join(', ')}`);
  }
  return { quasi, sensitive };
}

interface Model {
  records: number;
  hierarchies: CompiledHierarchy[];
  bottom: Bottom;
  sensitive: SensitiveCodes[];
  limits: { k: number; maxSuppressed: number };
}

function compile(plan: PrivacyPlan, read: Read): Model {
  const hierarchies = plan.quasiIdentifiers.map((q, c) => compileHierarchy(q.hierarchy, read.quasi[c]!.values, q.column));
  const bottom = bottomOf(read.quasi.map((e) => e.rows.view()), read.records);
  const sensitive = (plan.sensitive ?? []).map((s, i) => sensitiveCodes(s, read.sensitive[i]!, read.sensitiveTypes[i]!, bottom));
  // The limit is a share; a fraction of a record cannot be suppressed.
  const maxSuppressed = Math.floor(plan.suppressionLimit * read.records + 1e-9);
  return { records: read.records, hierarchies, bottom, sensitive, limits: { k: plan.k, maxSuppressed } };
}

function sensitiveCodes(s: NonNullable<PrivacyPlan['sensitive']>[number], encoder: ColumnEncoder, type: DataType, bottom: Bottom): SensitiveCodes {
  const rows = encoder.rows.view();
  const distinct = encoder.values.length;
  const counts = new Float64Array(distinct);
  const pairs = new Map<number, number>();
  for (let r = 0; r < rows.length; r++) {
    counts[rows[r]!]!++;
    const key = bottom.rowTuple[r]! * distinct + rows[r]!;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  const pairTuple = new Int32Array(pairs.size);
  const pairValue = new Int32Array(pairs.size);
  const pairCount = new Int32Array(pairs.size);
  let p = 0;
  for (const [key, count] of pairs) {
    pairTuple[p] = Math.floor(key / distinct);
    pairValue[p] = key % distinct;
    pairCount[p++] = count;
  }
  const numeric = DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type) || DataType.isDate(type) || DataType.isTimestamp(type);
  const ordered = (s.distance ?? (numeric ? 'ordered' : 'equal')) === 'ordered';
  // Values in order: numbers (and dates) by value, text by code point; null first.
  const byValue = Array.from({ length: distinct }, (_, i) => i).sort((a, b) => compareValues(encoder.values[a]!, encoder.values[b]!, numeric));
  const rank = new Int32Array(distinct);
  byValue.forEach((code, r) => (rank[code] = r));
  const share = counts.map((c) => c / Math.max(1, rows.length));
  return { column: s.column, ...(s.l !== undefined && { l: s.l }), ...(s.t !== undefined && { t: s.t }), ordered, distinct, rank, share, pairTuple, pairValue, pairCount };
}

function compareValues(a: { text: string | null; raw: unknown }, b: { text: string | null; raw: unknown }, numeric: boolean): number {
  if (a.text === null || b.text === null) return (a.text === null ? 0 : 1) - (b.text === null ? 0 : 1);
  if (numeric) return Number(a.raw) - Number(b.raw);
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

// The spool read back, batch for batch, with the quasi-identifiers generalised and suppressed.
async function* replay(path: string, schema: Schema, plan: PrivacyPlan, model: Model, levels: readonly number[], chosen: Evaluation): AsyncGenerator<RecordBatch> {
  const quasi = new Map(plan.quasiIdentifiers.map((q, c) => [q.column, c]));
  const fields = schema.fields.map((f) => {
    const c = quasi.get(f.name);
    if (c === undefined) return f;
    const meta = { level: levels[c]!, height: model.hierarchies[c]!.height, hierarchy: plan.quasiIdentifiers[c]!.hierarchy.type };
    return new Field(f.name, new Utf8(), true, new Map([[PRIVACY_METADATA_KEY, JSON.stringify(meta)]]));
  });
  const output = new Schema(fields, schema.metadata);
  // Per quasi-identifier, the label id of each code at the chosen level (-1: null), and of '*'.
  const labels = model.hierarchies.map(() => new Labels());
  const ids = model.hierarchies.map((h, c) => Int32Array.from(h.labels[levels[c]!]!, (l) => (l === null ? -1 : labels[c]!.id(l))));
  const star = labels.map((l) => l.id(TOP));
  const maps = model.hierarchies.map((h, c) => h.map[levels[c]!]!);
  const q = plan.quasiIdentifiers.length;
  const { rowTuple, codes } = model.bottom;
  let offset = 0;
  const handle = await open(path, 'r');
  try {
    const reader = await (await RecordBatchReader.from(handle)).open();
    for await (const batch of reader) {
      const n = batch.numRows;
      const tuples = rowTuple.subarray(offset, offset + n);
      const children = batch.data.children.map((child, i) => {
        const c = quasi.get(schema.fields[i]!.name);
        if (c === undefined) return child;
        const cells = new Int32Array(n);
        for (let r = 0; r < n; r++) {
          const t = tuples[r]!;
          cells[r] = chosen.failed[chosen.classOf[t]!] ? star[c]! : ids[c]![maps[c]![codes[t * q + c]!]!]!;
        }
        return labels[c]!.build(cells);
      });
      offset += n;
      yield new RecordBatch(output, makeData({ type: new Struct(output.fields), length: n, nullCount: 0, children }));
    }
  } finally {
    await handle.close();
  }
}

function reportOf(plan: PrivacyPlan, model: Model, result: { levels: number[]; evaluation: Evaluation; nodes: number; evaluated: number; monotone: boolean }, milliseconds: number, spooledBytes: number): PrivacyReport {
  const e = result.evaluation;
  const sensitive = plan.sensitive ?? [];
  let discernability = e.suppressed * model.records;
  let kept = 0;
  for (let c = 0; c < e.classes; c++) {
    if (e.failed[c]) continue;
    discernability += e.classSize[c]! ** 2;
    kept++;
  }
  const bottomSizes = model.bottom.counts;
  return {
    records: model.records,
    model: {
      k: plan.k,
      suppressionLimit: plan.suppressionLimit,
      sensitive: model.sensitive.map((s, i) => ({ column: s.column, ...(sensitive[i]!.l !== undefined && { l: sensitive[i]!.l }), ...(sensitive[i]!.t !== undefined && { t: sensitive[i]!.t }), distance: s.ordered ? 'ordered' : 'equal' })),
    },
    achieved: {
      k: e.achievedK,
      l: Object.fromEntries(model.sensitive.flatMap((s, i) => (s.l === undefined && s.t === undefined ? [] : [[s.column, e.achievedL[i]!]]))),
      t: Object.fromEntries(model.sensitive.flatMap((s, i) => (s.t === undefined ? [] : [[s.column, e.achievedT[i]!]]))),
    },
    levels: Object.fromEntries(plan.quasiIdentifiers.map((q, c) => [q.column, { level: result.levels[c]!, height: model.hierarchies[c]!.height, hierarchy: q.hierarchy.type }])),
    suppressed: e.suppressed,
    classes: kept,
    informationLoss: e.loss,
    discernability,
    risk: {
      input: riskOf(bottomSizes, undefined, model.records),
      output: riskOf(e.classSize, e.failed, model.records),
    },
    search: { nodes: result.nodes, evaluated: result.evaluated, monotone: result.monotone, milliseconds: Math.round(milliseconds) },
    spooledBytes,
  };
}

function riskOf(sizes: Int32Array, failed: Uint8Array | undefined, records: number): Risk {
  let smallest = Number.POSITIVE_INFINITY;
  let classes = 0;
  let kept = 0;
  let unique = 0;
  for (let c = 0; c < sizes.length; c++) {
    if (failed?.[c]) continue;
    const size = sizes[c]!;
    classes++;
    kept += size;
    smallest = Math.min(smallest, size);
    if (size === 1) unique++;
  }
  return {
    prosecutorHighest: kept === 0 ? 0 : 1 / smallest,
    prosecutorAverage: kept === 0 ? 0 : classes / kept,
    uniqueShare: records === 0 ? 0 : unique / records,
  };
}
