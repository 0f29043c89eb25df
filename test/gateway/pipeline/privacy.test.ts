// The privacy-model stage: k-anonymity, distinct l-diversity and t-closeness, checked on the output
// by counts made here (plain Maps over the output rows), and the optimum checked against a brute
// force over the whole lattice written independently of the stage's search.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Float64, RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { readSource } from '../../../connectors/sources/index.js';
import { createPrivacyStage, PRIVACY_METADATA_KEY, type PrivacyReport } from '../../../gateway/pipeline/privacy/index.js';
import { createAnonymizer } from '../../../gateway/pipeline/stream.js';
import type { PrivacyPlan, QuasiIdentifier } from '../../../policies/pipeline/models.js';
import { validatePlan, type PipelinePlan } from '../../../policies/pipeline/plan.js';
import { tempDir } from '../../helpers.js';

const DM = join(process.cwd(), '../shared/data/cdiscpilot01/dm.csv');
const skip = existsSync(DM) ? false : `real data not found at ${DM} (run from the repository root with ../shared/data present)`;

type Row = Record<string, unknown>;

const DM_QUASI: QuasiIdentifier[] = [
  { column: 'AGE', hierarchy: { type: 'intervals', widths: [5, 10, 20] } },
  { column: 'SEX', hierarchy: { type: 'suppress' } },
  { column: 'RACE', hierarchy: { type: 'suppress' } },
  { column: 'ETHNIC', hierarchy: { type: 'suppress' } },
  { column: 'COUNTRY', hierarchy: { type: 'suppress' } },
  { column: 'SITEID', hierarchy: { type: 'mask', chars: 2 } },
];

async function run(plan: PrivacyPlan, batches: AsyncIterable<RecordBatch> | RecordBatch[], spoolDir: string): Promise<{ rows: Row[]; report: PrivacyReport; batches: RecordBatch[] }> {
  const stage = createPrivacyStage(plan, { spoolDir });
  const out: RecordBatch[] = [];
  const source = Array.isArray(batches) ? (async function* () { yield* batches; })() : batches;
  for await (const b of stage.run(source)) out.push(b);
  return { rows: out.flatMap((b) => b.toArray().map((r) => r.toJSON() as Row)), report: stage.report(), batches: out };
}

async function dmRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const b of readSource(DM, 'csv', { batchRows: 50 })) rows.push(...b.toArray().map((r) => r.toJSON() as Row));
  return rows;
}

// --- the independent checker: labels, classes, loss, written from the definitions ---

function label(q: QuasiIdentifier, value: unknown, level: number, top: number): string | null {
  if (level === 0) return value === null || value === undefined ? null : String(value);
  if (level === top) return '*';
  if (value === null || value === undefined) return null;
  const h = q.hierarchy;
  if (h.type === 'intervals') {
    const w = h.widths[level - 1]!;
    const lo = Math.floor(Number(value) / w) * w;
    return `[${lo}, ${lo + w})`;
  }
  if (h.type === 'mask') {
    const s = String(value);
    const n = Math.min(level, s.length);
    return s.slice(0, s.length - n) + '*'.repeat(n);
  }
  throw new Error(`checker has no ${h.type}`);
}

function topOf(q: QuasiIdentifier): number {
  const h = q.hierarchy;
  return h.type === 'intervals' ? h.widths.length + 1 : h.type === 'mask' ? h.chars + 1 : 1;
}

/** Loss and verdict of one node, by the definitions, straight from the rows. */
function bruteNode(rows: Row[], quasi: QuasiIdentifier[], levels: number[], k: number, maxSuppressed: number, l?: { column: string; l: number }) {
  const keyOf = (r: Row) => JSON.stringify(quasi.map((q, c) => label(q, r[q.column], levels[c]!, topOf(q))));
  const classes = new Map<string, Row[]>();
  for (const r of rows) {
    const key = keyOf(r);
    classes.set(key, [...(classes.get(key) ?? []), r]);
  }
  const fails = (members: Row[]) => members.length < k || (l !== undefined && new Set(members.map((m) => m[l.column])).size < l.l);
  let suppressed = 0;
  for (const members of classes.values()) if (fails(members)) suppressed += members.length;
  // Per column: leaves under each generalised value, over the distinct values in the data.
  let cost = 0;
  quasi.forEach((q, c) => {
    const domain = [...new Set(rows.map((r) => (r[q.column] === null ? null : String(r[q.column]))))];
    const leaves = new Map<string | null, number>();
    for (const v of domain) {
      const g = label(q, v, levels[c]!, topOf(q));
      leaves.set(g, (leaves.get(g) ?? 0) + 1);
    }
    for (const members of classes.values()) {
      for (const r of members) {
        if (fails(members)) cost += 1;
        else if (domain.length > 1) cost += (leaves.get(label(q, r[q.column], levels[c]!, topOf(q)))! - 1) / (domain.length - 1);
      }
    }
  });
  return { satisfied: suppressed <= maxSuppressed, suppressed, loss: cost / (rows.length * quasi.length) };
}

function* allNodes(heights: number[]): Generator<number[]> {
  const levels = heights.map(() => 0);
  for (;;) {
    yield [...levels];
    let c = 0;
    while (c < heights.length && ++levels[c]! === heights[c]) levels[c++] = 0;
    if (c === heights.length) return;
  }
}

/** Classes of the output (records with '*' in every quasi-identifier are the suppressed ones). */
function outputClasses(rows: Row[], columns: string[]): { classes: Map<string, Row[]>; suppressed: number } {
  const classes = new Map<string, Row[]>();
  let suppressed = 0;
  for (const r of rows) {
    if (columns.every((c) => r[c] === '*')) {
      suppressed++;
      continue;
    }
    const key = JSON.stringify(columns.map((c) => r[c]));
    classes.set(key, [...(classes.get(key) ?? []), r]);
  }
  return { classes, suppressed };
}

t.test('CDISC DM, k = 5, l = 2 on ARM, 4% suppression: the output holds, by an independent count', { skip }, async (t) => {
  const input = await dmRows();
  const plan: PrivacyPlan = { k: 5, suppressionLimit: 0.04, quasiIdentifiers: DM_QUASI, sensitive: [{ column: 'ARM', l: 2 }] };
  const { rows, report } = await run(plan, readSource(DM, 'csv', { batchRows: 50 }), tempDir(t));
  t.equal(rows.length, input.length, 'every record is there');
  t.same(rows.map((r) => r['USUBJID']), input.map((r) => r['USUBJID']), 'in the same order');
  const quasi = DM_QUASI.map((q) => q.column);
  const { classes, suppressed } = outputClasses(rows, quasi);
  t.ok(suppressed <= Math.floor(0.04 * input.length), `${suppressed} suppressed, at most 4%`);
  t.equal(report.suppressed, suppressed);
  for (const [key, members] of classes) {
    t.ok(members.length >= 5, `class ${key} has ${members.length} >= 5 records`);
    t.ok(new Set(members.map((m) => m['ARM'])).size >= 2, `class ${key} shows 2 or more arms`);
  }
  t.equal(report.classes, classes.size, 'the classes the report counts are the classes of the output');
  t.equal(report.achieved.k, Math.min(...[...classes.values()].map((m) => m.length)));
  t.equal(report.achieved.l['ARM'], Math.min(...[...classes.values()].map((m) => new Set(m.map((r) => r['ARM'])).size)));
  // Non-quasi-identifiers pass untouched.
  t.same(rows.map((r) => r['ARM']), input.map((r) => r['ARM']));
});

t.test('CDISC DM: the levels chosen have the least loss of the whole lattice (brute force over all 320 nodes)', { skip }, async (t) => {
  const input = await dmRows();
  for (const [k, limit] of [[2, 0], [5, 0], [5, 0.04], [10, 0.04]] as const) {
    const plan: PrivacyPlan = { k, suppressionLimit: limit, quasiIdentifiers: DM_QUASI };
    const { report } = await run(plan, readSource(DM, 'csv', { batchRows: 64 }), tempDir(t));
    const heights = DM_QUASI.map((q) => topOf(q) + 1);
    let best = Number.POSITIVE_INFINITY;
    let nodes = 0;
    for (const levels of allNodes(heights)) {
      nodes++;
      const node = bruteNode(input, DM_QUASI, levels, k, Math.floor(limit * input.length));
      if (node.satisfied) best = Math.min(best, node.loss);
    }
    t.equal(nodes, 5 * 2 * 2 * 2 * 2 * 4);
    t.equal(report.search.nodes, nodes);
    const chosen = DM_QUASI.map((q) => report.levels[q.column]!.level);
    const mine = bruteNode(input, DM_QUASI, chosen, k, Math.floor(limit * input.length));
    t.ok(mine.satisfied, `k=${k} limit=${limit}: the chosen node ${chosen} satisfies the model`);
    t.ok(Math.abs(mine.loss - best) < 1e-9, `k=${k} limit=${limit}: loss ${mine.loss} is the minimum ${best}`);
    t.ok(Math.abs(report.informationLoss - mine.loss) < 1e-9, 'the reported loss is the loss of the output');
    t.equal(report.suppressed, mine.suppressed);
    t.ok(report.search.evaluated < nodes, `evaluated ${report.search.evaluated} of ${nodes} nodes`);
  }
});

/** One batch; text columns as plain Utf8 (what the sources produce), not dictionaries. */
function table(columns: Record<string, (string | null)[] | Int32Array | Float64Array>): RecordBatch[] {
  const vectors = Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, Array.isArray(values) ? vectorFromArray(values, new Utf8()) : vectorFromArray(values)]));
  return new Table(vectors).batches;
}

t.test('k-anonymity without suppression suppresses nothing and generalises until every class has k', async (t) => {
  const ages = [21, 22, 23, 24, 31, 32, 33, 34, 45, 47];
  const input = table({ age: Int32Array.from(ages), zip: ['10001', '10002', '10001', '10002', '20001', '20002', '20003', '20001', '30001', '30001'] });
  const plan: PrivacyPlan = {
    k: 2, suppressionLimit: 0,
    quasiIdentifiers: [{ column: 'age', hierarchy: { type: 'intervals', widths: [5, 10, 20] } }, { column: 'zip', hierarchy: { type: 'mask', chars: 4 } }],
  };
  const { rows, report } = await run(plan, input, tempDir(t));
  t.equal(report.suppressed, 0);
  const { classes } = outputClasses(rows, ['age', 'zip']);
  for (const members of classes.values()) t.ok(members.length >= 2);
  t.same(rows.map((r) => [r['age'], r['zip']]), [
    ['[20, 25)', '1000*'], ['[20, 25)', '1000*'], ['[20, 25)', '1000*'], ['[20, 25)', '1000*'],
    ['[30, 35)', '2000*'], ['[30, 35)', '2000*'], ['[30, 35)', '2000*'], ['[30, 35)', '2000*'],
    ['[45, 50)', '3000*'], ['[45, 50)', '3000*'],
  ]);
  t.same(report.levels, { age: { level: 1, height: 5, hierarchy: 'intervals' }, zip: { level: 1, height: 6, hierarchy: 'mask' } });
});

t.test('suppression: an outlier is starred in every quasi-identifier instead of generalising everyone', async (t) => {
  const input = table({ age: Int32Array.from([30, 30, 30, 31, 31, 31, 99]), sex: ['F', 'F', 'F', 'M', 'M', 'M', 'F'], note: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] });
  const plan: PrivacyPlan = {
    k: 3, suppressionLimit: 0.2,
    quasiIdentifiers: [{ column: 'age', hierarchy: { type: 'intervals', widths: [10, 100] } }, { column: 'sex', hierarchy: { type: 'suppress' } }],
  };
  const { rows, report } = await run(plan, input, tempDir(t));
  t.same(rows.map((r) => [r['age'], r['sex'], r['note']]), [
    ['30', 'F', 'a'], ['30', 'F', 'b'], ['30', 'F', 'c'], ['31', 'M', 'd'], ['31', 'M', 'e'], ['31', 'M', 'f'], ['*', '*', 'g'],
  ]);
  t.equal(report.suppressed, 1);
  t.equal(report.achieved.k, 3);
  // Loss: 6 records at level 0 cost 0, the suppressed one costs 1 per cell: 2 of 14 cells.
  t.equal(report.informationLoss, 2 / 14);
  t.equal(report.discernability, 9 + 9 + 1 * 7);
  t.same(report.risk.output, { prosecutorHighest: 1 / 3, prosecutorAverage: 2 / 6, uniqueShare: 0 });
  t.same(report.risk.input, { prosecutorHighest: 1, prosecutorAverage: 3 / 7, uniqueShare: 1 / 7 });
});

t.test('distinct l-diversity: classes that show one diagnosis are generalised until each shows l', async (t) => {
  const input = table({
    zip: ['10001', '10001', '10002', '10002', '10003', '10003'],
    diagnosis: ['flu', 'flu', 'cancer', 'cancer', 'flu', 'hiv'],
  });
  const plan: PrivacyPlan = { k: 2, suppressionLimit: 0, quasiIdentifiers: [{ column: 'zip', hierarchy: { type: 'mask', chars: 5 } }], sensitive: [{ column: 'diagnosis', l: 2 }] };
  const { rows, report } = await run(plan, input, tempDir(t));
  const { classes } = outputClasses(rows, ['zip']);
  for (const members of classes.values()) t.ok(new Set(members.map((m) => m['diagnosis'])).size >= 2);
  t.same(rows.map((r) => r['zip']), ['1000*', '1000*', '1000*', '1000*', '1000*', '1000*']);
  t.equal(report.achieved.l['diagnosis'], 3);
});

t.test('t-closeness (ordered distance on a number): every class within t of the table, by an independent EMD', async (t) => {
  const zips = ['1001', '1001', '1001', '1002', '1002', '1002', '2001', '2001', '2001', '2002', '2002', '2002'];
  const salary = [3, 4, 5, 4, 3, 5, 9, 10, 11, 10, 9, 11];
  const input = table({ zip: zips, salary: Float64Array.from(salary) });
  const plan: PrivacyPlan = { k: 3, suppressionLimit: 0, quasiIdentifiers: [{ column: 'zip', hierarchy: { type: 'mask', chars: 3 } }], sensitive: [{ column: 'salary', t: 0.2 }] };
  const { rows, report } = await run(plan, input, tempDir(t));
  const values = [...new Set(salary)].sort((a, b) => a - b);
  const share = (members: number[]) => values.map((v) => members.filter((m) => m === v).length / members.length);
  const whole = share(salary);
  const emd = (members: number[]) => {
    const p = share(members);
    let cum = 0;
    let sum = 0;
    for (let i = 0; i < values.length - 1; i++) {
      cum += p[i]! - whole[i]!;
      sum += Math.abs(cum);
    }
    return sum / (values.length - 1);
  };
  const { classes } = outputClasses(rows, ['zip']);
  let worst = 0;
  for (const members of classes.values()) worst = Math.max(worst, emd(members.map((m) => m['salary'] as number)));
  t.ok(worst <= 0.2 + 1e-12, `largest distance ${worst} <= 0.2`);
  t.ok(Math.abs(report.achieved.t['salary']! - worst) < 1e-12, 'the report says the same distance');
  t.equal(report.model.sensitive[0]!.distance, 'ordered');
  // Every level short of the top splits low salaries (zips 1...) from high ones (2...): a
  // distance of 0.3 from the table, so only '*' is close enough.
  t.same(new Set(rows.map((r) => r['zip'])), new Set(['*']));
  t.ok(Math.abs(emd([3, 4, 5, 4, 3, 5]) - 0.3) < 1e-12, 'the low half alone is 0.3 away');
});

t.test('t-closeness (equal distance on text) and the table itself is always within 0', async (t) => {
  const input = table({ site: ['A', 'A', 'B', 'B'], arm: ['x', 'x', 'y', 'y'] });
  const plan: PrivacyPlan = { k: 1, suppressionLimit: 0, quasiIdentifiers: [{ column: 'site', hierarchy: { type: 'suppress' } }], sensitive: [{ column: 'arm', t: 0.4 }] };
  const { rows, report } = await run(plan, input, tempDir(t));
  // Site A holds only x: half the L1 distance to (0.5, 0.5) is 0.5 > 0.4, so sites must go.
  t.same(rows.map((r) => r['site']), ['*', '*', '*', '*']);
  t.equal(report.achieved.t['arm'], 0);
  t.equal(report.model.sensitive[0]!.distance, 'equal');
});

t.test('nulls are a value of their own below the top level, and a rows hierarchy is followed', async (t) => {
  const input = table({ city: ['Beijing', 'Tianjin', null, null, 'Shanghai', 'Suzhou'], n: Int32Array.from([1, 2, 3, 4, 5, 6]) });
  const rows: string[][] = [['Beijing', 'North', '*'], ['Tianjin', 'North', '*'], ['Shanghai', 'East', '*'], ['Suzhou', 'East', '*']];
  const plan: PrivacyPlan = { k: 2, suppressionLimit: 0, quasiIdentifiers: [{ column: 'city', hierarchy: { type: 'rows', rows } }] };
  const out = await run(plan, input, tempDir(t));
  t.same(out.rows.map((r) => r['city']), ['North', 'North', null, null, 'East', 'East']);
  t.equal(out.report.levels['city']!.height, 3, "the rows' last level is already one value: no extra '*' above it");
});

t.test('the model cannot be met: DP_ERR_PRIVACY_UNSATISFIABLE, and nothing is yielded', async (t) => {
  const input = table({ a: ['x', 'y', 'z'] });
  const plan: PrivacyPlan = { k: 5, suppressionLimit: 0.5, quasiIdentifiers: [{ column: 'a', hierarchy: { type: 'suppress' } }] };
  const stage = createPrivacyStage(plan, { spoolDir: tempDir(t) });
  let yielded = 0;
  await t.rejects((async () => { for await (const _ of stage.run((async function* () { yield* input; })())) yielded++; })(), { code: 'DP_ERR_PRIVACY_UNSATISFIABLE' });
  t.equal(yielded, 0);
});

t.test('a column the model names but the data lacks: DP_ERR_SCHEMA_MISMATCH', async (t) => {
  const plan: PrivacyPlan = { k: 2, suppressionLimit: 0, quasiIdentifiers: [{ column: 'age', hierarchy: { type: 'suppress' } }] };
  const stage = createPrivacyStage(plan, { spoolDir: tempDir(t) });
  await t.rejects((async () => { for await (const _ of stage.run((async function* () { yield* table({ b: ['x'] }); })())); })(), { code: 'DP_ERR_SCHEMA_MISMATCH', message: /"age"/ });
});

t.test('the input is spooled to an Arrow file in the spool directory, which is empty again afterwards', async (t) => {
  const dir = tempDir(t);
  const input = table({ a: Array.from({ length: 1000 }, (_, i) => `v${i % 10}`) });
  const { report, batches } = await run({ k: 50, suppressionLimit: 0, quasiIdentifiers: [{ column: 'a', hierarchy: { type: 'suppress' } }] }, input, dir);
  t.ok(report.spooledBytes > 1000 * 2, `${report.spooledBytes} bytes spooled`);
  t.same(readdirSync(dir), []);
  t.equal(batches.length, input.length, 'one output batch per input batch');
});

t.test('output fields of quasi-identifiers are text and carry the level in their metadata', async (t) => {
  const input = table({ age: Int32Array.from([0, 1, 2, 3]), x: Float64Array.from([1, 2, 3, 4]) });
  const { batches } = await run({ k: 2, suppressionLimit: 0, quasiIdentifiers: [{ column: 'age', hierarchy: { type: 'intervals', widths: [2] } }] }, input, tempDir(t));
  const field = batches[0]!.schema.fields[0]!;
  t.ok(field.type instanceof Utf8);
  t.same(JSON.parse(field.metadata.get(PRIVACY_METADATA_KEY)!), { level: 1, height: 3, hierarchy: 'intervals' });
  t.ok(batches[0]!.schema.fields[1]!.type instanceof Float64, 'other columns keep their type');
});

t.test('an empty input yields nothing and reports zero records', async (t) => {
  const stage = createPrivacyStage({ k: 2, suppressionLimit: 0, quasiIdentifiers: [{ column: 'a', hierarchy: { type: 'suppress' } }] }, { spoolDir: tempDir(t) });
  const empty = new RecordBatch({ a: vectorFromArray([] as string[], new Utf8()).data[0]! });
  const out: RecordBatch[] = [];
  for await (const b of stage.run((async function* () { yield empty; })())) out.push(b);
  t.equal(out.length, 1);
  t.equal(out[0]!.numRows, 0);
  t.equal(stage.report().records, 0);
});

t.test('through createAnonymizer: the model runs first, then the column steps; the plan check demands keep for quasi-identifiers', async (t) => {
  const plan: PipelinePlan = {
    version: 1, agreementId: 'agr-1', datasetId: 'ds',
    privacy: { k: 2, suppressionLimit: 0, quasiIdentifiers: [{ column: 'age', hierarchy: { type: 'intervals', widths: [10] } }] },
    columns: [{ name: 'id', action: 'transform', steps: [{ op: 'pseudonymize', length: 16 }] }, { name: 'age', action: 'keep' }],
  };
  validatePlan(plan);
  const anonymizer = createAnonymizer(plan, new Uint8Array(32).fill(7), { spoolDir: tempDir(t) });
  const out: Row[] = [];
  for await (const b of anonymizer.run((async function* () { yield* table({ id: ['p1', 'p2', 'p3', 'p4'], age: Int32Array.from([31, 35, 52, 58]), secret: ['a', 'b', 'c', 'd'] }); })())) {
    out.push(...b.toArray().map((r) => r.toJSON() as Row));
  }
  t.same(out.map((r) => r['age']), ['[30, 40)', '[30, 40)', '[50, 60)', '[50, 60)']);
  t.same(Object.keys(out[0]!), ['id', 'age'], 'unlisted columns never leave');
  t.match(out[0]!['id'], /^[0-9a-f]{16}$/);
  t.equal(anonymizer.report().privacy?.achieved.k, 2);
  const bad = { ...plan, columns: [plan.columns[0]!, { name: 'age', action: 'transform', steps: [{ op: 'interval', width: 5 }] }] };
  t.throws(() => validatePlan(bad), { code: 'DP_ERR_VALIDATION', message: /must be keep/ });
});

t.test('plan checks: interval widths must nest, rows hierarchies must be functions of the level below', async (t) => {
  const base = (hierarchy: unknown) => ({
    version: 1, agreementId: 'a', datasetId: 'd', columns: [{ name: 'x', action: 'keep' }],
    privacy: { k: 2, suppressionLimit: 0, quasiIdentifiers: [{ column: 'x', hierarchy }] },
  });
  t.throws(() => validatePlan(base({ type: 'intervals', widths: [5, 12] })), /whole multiple/);
  t.throws(() => validatePlan(base({ type: 'rows', rows: [['a', 'ab', '*'], ['b', 'ab', 'B']] })), /generalises to/);
  t.throws(() => validatePlan(base({ type: 'dates', units: ['year', 'month'] })), /coarser/);
  t.doesNotThrow(() => validatePlan(base({ type: 'dates', units: ['month', 'year'] })));
});


