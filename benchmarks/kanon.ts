// npm run bench -- kanon [--quick]
// The k-anonymity search of the privacy-model stage (gateway/pipeline/privacy/):
// 1. CDISC DM (../shared/data/cdiscpilot01/dm.csv, 306 subjects) with age, sex, race, ethnicity,
//    country and site as quasi-identifiers, k = 2, 5, 10, with 0% and 4% suppression: the levels
//    chosen, information loss, suppressed records, nodes evaluated, and as baseline in the same
//    run an exhaustive search (every node of the lattice evaluated) with the ratio of the two.
// 2. A synthetic 1M-row table (200k with --quick) with 8 quasi-identifiers (skewed postcodes,
//    ages, provinces, occupations...): the whole stage (spool to disk, code, search, read back)
//    and the search alone. The exhaustive baseline (every node evaluated from the bottom) is too
//    slow to run in full here: 8 nodes spread over the lattice are evaluated from the bottom in the
//    same run, and their mean time times the lattice size is the estimate (said so in the table).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int32, RecordBatch, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { readSource } from '../connectors/sources/index.js';
import { bottomOf, bottomSnapshot, evaluate, Scratch } from '../gateway/pipeline/privacy/evaluate.js';
import { ColumnEncoder } from '../gateway/pipeline/privacy/encode.js';
import { compileHierarchy } from '../gateway/pipeline/privacy/hierarchy.js';
import { createPrivacyStage, type PrivacyReport } from '../gateway/pipeline/privacy/index.js';
import { searchLattice } from '../gateway/pipeline/privacy/search.js';
import type { PrivacyPlan, QuasiIdentifier } from '../policies/pipeline/models.js';
import { seededFloats } from './seeded.js';
import { printTable, writeResults, type Row } from './report.js';

const DM = join(process.cwd(), '../shared/data/cdiscpilot01/dm.csv');

const DM_QUASI: QuasiIdentifier[] = [
  { column: 'AGE', hierarchy: { type: 'intervals', widths: [5, 10, 20, 40] } },
  { column: 'SEX', hierarchy: { type: 'suppress' } },
  { column: 'RACE', hierarchy: { type: 'suppress' } },
  { column: 'ETHNIC', hierarchy: { type: 'suppress' } },
  { column: 'COUNTRY', hierarchy: { type: 'suppress' } },
  { column: 'SITEID', hierarchy: { type: 'mask', chars: 3 } },
];

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const results: Record<string, unknown> = {};
  if (existsSync(DM)) results['dm'] = await dmSearches();
  else process.stdout.write(`CDISC DM not found at ${DM}: part 1 skipped\n`);
  results['synthetic'] = await synthetic(quick ? 200_000 : 1_000_000);
  process.stdout.write(`results: ${writeResults('kanon', results)}\n`);
}

async function dmSearches(): Promise<Row[]> {
  const batches: RecordBatch[] = [];
  for await (const b of readSource(DM, 'csv')) batches.push(b);
  const encoders = DM_QUASI.map(() => new ColumnEncoder());
  for (const b of batches) DM_QUASI.forEach((q, c) => encoders[c]!.add(b.getChild(q.column)!, b.schema.fields.find((f) => f.name === q.column)!.type));
  const records = batches.reduce((n, b) => n + b.numRows, 0);
  const hierarchies = DM_QUASI.map((q, c) => compileHierarchy(q.hierarchy, encoders[c]!.values, q.column));
  const bottom = bottomOf(encoders.map((e) => e.rows.view()), records);
  const rows: Row[] = [];
  for (const k of [2, 5, 10]) {
    for (const limit of [0, 0.04]) {
      const limits = { k, maxSuppressed: Math.floor(limit * records) };
      const t0 = performance.now();
      const found = searchLattice(bottom, hierarchies, [], limits, DM_QUASI.map((q) => q.column));
      const searchMs = performance.now() - t0;
      // Baseline: every node evaluated, the best kept (ties to the less general node, as the search does).
      const t1 = performance.now();
      let best = Number.POSITIVE_INFINITY;
      const heights = hierarchies.map((h) => h.height);
      const scratch = new Scratch();
      const base = bottomSnapshot(bottom);
      for (const levels of nodes(heights)) {
        const e = evaluate(bottom, hierarchies, [], limits, levels, base, scratch);
        if (e.satisfied) best = Math.min(best, e.loss);
      }
      const exhaustiveMs = performance.now() - t1;
      rows.push({
        data: 'CDISC DM (306)', k, suppression: `${limit * 100}%`,
        levels: DM_QUASI.map((q, c) => `${q.column}=${found.levels[c]}`).join(' '),
        loss: found.evaluation.loss.toFixed(4), suppressed: found.evaluation.suppressed,
        evaluated: `${found.evaluated}/${found.nodes}`, 'search ms': searchMs.toFixed(1), 'exhaustive ms': exhaustiveMs.toFixed(1),
        speedup: (exhaustiveMs / searchMs).toFixed(1), 'same optimum': Math.abs(best - found.evaluation.loss) < 1e-9 ? 'yes' : `NO (${best})`,
      });
    }
  }
  printTable('k-anonymity search on CDISC DM: age, sex, race, ethnicity, country, site', rows);
  return rows;
}

function* nodes(heights: number[]): Generator<number[]> {
  const levels = heights.map(() => 0);
  for (;;) {
    yield [...levels];
    let c = 0;
    while (c < heights.length && ++levels[c]! === heights[c]) levels[c++] = 0;
    if (c === heights.length) return;
  }
}

// ---- 2. synthetic ---------------------------------------------------------------------------

const PROVINCES = ['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65'];
const REGION: Record<string, string> = { 1: 'North', 2: 'Northeast', 3: 'East', 4: 'Central-South', 5: 'Southwest', 6: 'Northwest' };
const OCCUPATIONS = Array.from({ length: 24 }, (_, i) => `occ-${String(i).padStart(2, '0')}`);
export const SYNTHETIC_QUASI: QuasiIdentifier[] = [
  { column: 'age', hierarchy: { type: 'intervals', widths: [5, 10, 20, 40] } },
  { column: 'sex', hierarchy: { type: 'suppress' } },
  { column: 'postcode', hierarchy: { type: 'mask', chars: 4 } },
  { column: 'province', hierarchy: { type: 'rows', rows: PROVINCES.map((p) => [p, REGION[p[0]!]!, '*']) } },
  { column: 'ethnicity', hierarchy: { type: 'suppress' } },
  { column: 'marital', hierarchy: { type: 'suppress' } },
  { column: 'education', hierarchy: { type: 'intervals', widths: [3, 6, 12] } },
  { column: 'occupation', hierarchy: { type: 'rows', rows: OCCUPATIONS.map((o, i) => [o, `group-${i % 4}`, '*']) } },
];


export function* syntheticBatches(records: number, batchRows = 65_536): Generator<RecordBatch> {
  const rand = seededFloats(20261127);
  const zipf = (n: number) => Math.min(n - 1, Math.floor(n * rand() ** 3)); // skewed: small indices common
  for (let at = 0; at < records; at += batchRows) {
    const n = Math.min(batchRows, records - at);
    const age = new Int32Array(n);
    const education = new Int32Array(n);
    const sex: string[] = [], postcode: string[] = [], province: string[] = [], ethnicity: string[] = [], marital: string[] = [], occupation: string[] = [], id: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = PROVINCES[zipf(PROVINCES.length)]!;
      age[i] = 18 + Math.floor(rand() * 72);
      education[i] = Math.floor(rand() * 22);
      sex.push(rand() < 0.51 ? 'M' : 'F');
      province.push(p);
      postcode.push(`${p}${String(zipf(1000)).padStart(4, '0')}`);
      ethnicity.push(rand() < 0.91 ? 'Han' : `minority-${Math.floor(rand() * 8)}`);
      marital.push(['single', 'married', 'divorced', 'widowed'][Math.floor(rand() ** 0.5 * 4)]!);
      occupation.push(OCCUPATIONS[zipf(OCCUPATIONS.length)]!);
      id.push(`P${at + i}`);
    }
    const v = (values: string[]) => vectorFromArray(values, new Utf8());
    yield batch({ id: v(id), age: vectorFromArray(age as unknown as number[], new Int32()), sex: v(sex), postcode: v(postcode), province: v(province), ethnicity: v(ethnicity), marital: v(marital), education: vectorFromArray(education as unknown as number[], new Int32()), occupation: v(occupation) });
  }
}

function batch(columns: Record<string, Vector>): RecordBatch {
  return new RecordBatch(Object.fromEntries(Object.entries(columns).map(([name, v]) => [name, v.data[0]!])));
}

async function synthetic(records: number): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'dataport-kanon-'));
  const input = [...syntheticBatches(records)]; // made once, outside the timings
  try {
    for (const k of [2, 5, 10]) {
      for (const limit of [0, 0.04]) {
        limitsNow = { k, maxSuppressed: Math.floor(limit * records) };
        const plan: PrivacyPlan = { k, suppressionLimit: limit, quasiIdentifiers: SYNTHETIC_QUASI };
        const stage = createPrivacyStage(plan, { spoolDir: dir });
        const t0 = performance.now();
        let out = 0;
        for await (const b of stage.run((async function* () { yield* input; })())) out += b.numRows;
        const totalMs = performance.now() - t0;
        const r: PrivacyReport = stage.report();
        const perNode = await fromBottomPerNode(records);
        rows.push({
          data: `synthetic ${records / 1000}k x 8 QI`, k, suppression: `${limit * 100}%`,
          levels: SYNTHETIC_QUASI.map((q) => r.levels[q.column]!.level).join(','),
          loss: r.informationLoss.toFixed(4), suppressed: r.suppressed, 'rows out': out,
          evaluated: `${r.search.evaluated}/${r.search.nodes}`, 'search s': (r.search.milliseconds / 1000).toFixed(2), 'stage s': (totalMs / 1000).toFixed(2),
          'exhaustive s (est.)': ((perNode * r.search.nodes) / 1000).toFixed(0), 'speedup (est.)': ((perNode * r.search.nodes) / r.search.milliseconds).toFixed(0),
          'risk before→after (max)': `${r.risk.input.prosecutorHighest.toFixed(2)}→${r.risk.output.prosecutorHighest.toFixed(2)}`,
        });
        process.stdout.write(`  k=${k} suppression=${limit}: ${(totalMs / 1000).toFixed(1)} s\n`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  printTable(`k-anonymity on a synthetic ${records}-row table, 8 quasi-identifiers (exhaustive: 8 nodes evaluated from the bottom, mean x lattice size)`, rows);
  return rows;
}

let limitsNow = { k: 2, maxSuppressed: 0 };
let coded: { bottom: ReturnType<typeof bottomOf>; hierarchies: ReturnType<typeof compileHierarchy>[] } | undefined;

/** Mean ms to evaluate one node from the bottom (no snapshot to start from), over 8 nodes spread over the lattice. */
async function fromBottomPerNode(records: number): Promise<number> {
  if (!coded) {
    const encoders = SYNTHETIC_QUASI.map(() => new ColumnEncoder());
    for (const b of syntheticBatches(records)) SYNTHETIC_QUASI.forEach((q, c) => encoders[c]!.add(b.getChild(q.column)!, b.schema.fields.find((f) => f.name === q.column)!.type));
    const hierarchies = SYNTHETIC_QUASI.map((q, c) => compileHierarchy(q.hierarchy, encoders[c]!.values, q.column));
    coded = { bottom: bottomOf(encoders.map((e) => e.rows.view()), records), hierarchies };
  }
  const { bottom, hierarchies } = coded;
  const base = bottomSnapshot(bottom);
  const scratch = new Scratch();
  const t0 = performance.now();
  for (let i = 0; i < 8; i++) evaluate(bottom, hierarchies, [], limitsNow, hierarchies.map((h, c) => (i + c) % h.height), base, scratch);
  return (performance.now() - t0) / 8;
}
