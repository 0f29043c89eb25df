// The pipeline plan format: its JSON Schema (every op and its parameters), the checks beyond the
// schema, the plan hash, and the schema file kept equal to the TypeScript constant.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DataportError } from '../../../crypto/errors.js';
import { PIPELINE_PLAN_SCHEMA, STEP_OPS, planHash, validatePlan, type ColumnPlan, type PipelinePlan, type Step } from '../../../policies/pipeline/index.js';

const plan = (columns: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ version: 1, agreementId: 'urn:uuid:agreement-1', datasetId: 'ds-1', ...extra, columns });
const transform = (name: string, ...steps: unknown[]): Record<string, unknown> => ({ name, action: 'transform', steps });

/** The problems validatePlan lists for `value` (none: it is valid). */
function problems(value: unknown): string[] {
  try {
    validatePlan(value);
    return [];
  } catch (e) {
    if (!(e instanceof DataportError) || e.code !== 'DP_ERR_VALIDATION') throw e;
    return (e.details as { errors: string[] }).errors;
  }
}

// One valid instance of every op, with all its parameters where it has optional ones.
const EVERY_OP: Record<Step['op'], Step> = {
  pseudonymize: { op: 'pseudonymize', length: 16 },
  dateShift: { op: 'dateShift', maxDays: 30 },
  truncateDate: { op: 'truncateDate', unit: 'month' },
  bucketTime: { op: 'bucketTime', seconds: 60 },
  hierarchy: { op: 'hierarchy', levels: [['701', 'north', '*'], ['702', 'south', '*']], level: 2 },
  interval: { op: 'interval', width: 5, min: 18 },
  topBottomCode: { op: 'topBottomCode', min: 18, max: 89 },
  grid: { op: 'grid', cellDegrees: 0.01 },
  geohash: { op: 'geohash', precision: 6, lonColumn: 'lon' },
  mask: { op: 'mask', keepLast: 4, char: '#' },
  redact: { op: 'redact', replacement: '[removed]' },
  suppress: { op: 'suppress' },
  laplace: { op: 'laplace', scale: 0.5 },
  scrubText: { op: 'scrubText', replace: 'token', types: ['cn_resident_id', 'cn_mobile'] },
  formatToken: { op: 'formatToken', kind: 'vin' },
};

t.test('the schema accepts every op with valid parameters', async (t) => {
  t.same([...STEP_OPS].sort(), Object.keys(EVERY_OP).sort(), 'the test covers every op');
  for (const step of Object.values(EVERY_OP)) {
    const subject = step.op === 'dateShift' ? { subjectColumn: 'id' } : {};
    const lon = step.op === 'geohash' ? [{ name: 'lon', action: 'drop', reason: 'inside the geohash' }] : [];
    t.same(problems(plan([transform('c', step), ...lon], subject)), [], step.op);
  }
});

t.test('the schema accepts each op with only its required parameters', async (t) => {
  const minimal: Step[] = [{ op: 'pseudonymize' }, { op: 'interval', width: 10 }, { op: 'topBottomCode', max: 90 }, { op: 'mask', keepLast: 0 }, { op: 'redact' }];
  for (const step of minimal) t.same(problems(plan([transform('c', step)])), [], step.op);
});

t.test('keep, drop with a reason and transform are the column actions; an empty plan drops everything', async (t) => {
  t.same(problems(plan([{ name: 'a', action: 'keep' }, { name: 'b', action: 'drop', reason: 'not needed' }, transform('c', { op: 'suppress' })])), []);
  t.same(problems(plan([])), []);
});

t.test('the schema refuses a negative interval width', async (t) => {
  t.same(problems(plan([transform('AGE', { op: 'interval', width: -5 })])), ['/columns/0/steps/0/width: must be > 0']);
});

t.test('the schema refuses an unknown op, naming the known ones', async (t) => {
  t.same(problems(plan([transform('AGE', { op: 'blur', radius: 3 })])), [`/columns/0/steps/0/op: must be one of ${STEP_OPS.map((o) => JSON.stringify(o)).join(', ')}, not "blur"`]);
});

t.test('the schema refuses a step without op', async (t) => {
  t.same(problems(plan([transform('AGE', { width: 5 })])), ['/columns/0/steps/0/op: is required']);
});

t.test('the schema refuses a property an op does not have', async (t) => {
  t.same(problems(plan([transform('AGE', { op: 'interval', width: 5, max: 90 })])), ['/columns/0/steps/0/max: is not allowed here']);
  t.same(problems(plan([{ name: 'a', action: 'keep', reason: 'why not' }])), ['/columns/0/reason: is not allowed here']);
  t.same(problems(plan([], { owner: 'me' })), ['/owner: is not allowed here']);
});

t.test('the schema refuses a pseudonym length of 200 (8..64)', async (t) => {
  t.same(problems(plan([transform('ID', { op: 'pseudonymize', length: 200 })])), ['/columns/0/steps/0/length: must be <= 64']);
  t.same(problems(plan([transform('ID', { op: 'pseudonymize', length: 4 })])), ['/columns/0/steps/0/length: must be >= 8']);
});

t.test('the schema refuses out-of-range and mistyped parameters of each op', async (t) => {
  const cases: [unknown, string][] = [
    [{ op: 'dateShift', maxDays: 0 }, '/columns/0/steps/0/maxDays: must be >= 1'],
    [{ op: 'dateShift', maxDays: 1.5 }, '/columns/0/steps/0/maxDays: must be integer'],
    [{ op: 'truncateDate', unit: 'week' }, '/columns/0/steps/0/unit: must be one of "year", "month", "day", "hour", "minute"'],
    [{ op: 'bucketTime', seconds: 0 }, '/columns/0/steps/0/seconds: must be >= 1'],
    [{ op: 'hierarchy', levels: [['a']], level: 1 }, '/columns/0/steps/0/levels/0: must NOT have fewer than 2 items'],
    [{ op: 'hierarchy', levels: [['a', 'b']], level: 0 }, '/columns/0/steps/0/level: must be >= 1'],
    [{ op: 'grid', cellDegrees: 0 }, '/columns/0/steps/0/cellDegrees: must be > 0'],
    [{ op: 'geohash', precision: 13, lonColumn: 'lon' }, '/columns/0/steps/0/precision: must be <= 12'],
    [{ op: 'geohash', precision: 6 }, '/columns/0/steps/0/lonColumn: is required'],
    [{ op: 'mask', keepLast: 4, char: '##' }, '/columns/0/steps/0/char: must NOT have more than 1 characters'],
    [{ op: 'laplace', scale: -1 }, '/columns/0/steps/0/scale: must be > 0'],
    [{ op: 'topBottomCode' }, '/columns/0/steps/0: must have at least one of min, max'],
    [{ op: 'interval', width: '5' }, '/columns/0/steps/0/width: must be number'],
  ];
  for (const [step, problem] of cases) t.same(problems(plan([transform('c', step)])), [problem], JSON.stringify(step));
});

t.test('the schema refuses a plan of another version, a drop without reason, an unknown action and empty steps', async (t) => {
  t.same(problems({ ...plan([]), version: 2 }), ['/version: must be 1']);
  t.same(problems(plan([{ name: 'a', action: 'drop' }])), ['/columns/0/reason: is required']);
  t.same(problems(plan([{ name: 'a', action: 'hide' }])), ['/columns/0/action: must be one of "keep", "drop", "transform", not "hide"']);
  t.same(problems(plan([transform('a')])), ['/columns/0/steps: must NOT have fewer than 1 items']);
  t.same(problems(null), ['(root): must be object']);
});

t.test('validatePlan refuses two columns of the same name', async (t) => {
  t.same(problems(plan([{ name: 'AGE', action: 'keep' }, transform('AGE', { op: 'interval', width: 5 })])), ['/columns/1/name: "AGE" is already used by /columns/0']);
});

t.test('validatePlan refuses a dateShift without subjectColumn', async (t) => {
  t.same(problems(plan([transform('BRTHDTC', { op: 'dateShift', maxDays: 30 })])), ['/subjectColumn: is required: /columns/0/steps/0 (dateShift) shifts dates per subject']);
});

t.test('validatePlan refuses a subject column kept in clear or transformed without hiding it', async (t) => {
  const shift = transform('BRTHDTC', { op: 'dateShift', maxDays: 30 });
  t.same(problems(plan([{ name: 'USUBJID', action: 'keep' }, shift], { subjectColumn: 'USUBJID' })), [
    '/subjectColumn: "USUBJID" identifies the data subject and may leave only pseudonymised, redacted, suppressed or not at all, but /columns/0 keeps it in clear',
  ]);
  t.same(problems(plan([transform('USUBJID', { op: 'mask', keepLast: 4 }), shift], { subjectColumn: 'USUBJID' })), [
    '/subjectColumn: "USUBJID" identifies the data subject and may leave only pseudonymised, redacted, suppressed or not at all, but /columns/0 transforms it without any of these',
  ]);
});

t.test('validatePlan accepts a subject column that is pseudonymised, dropped or not listed', async (t) => {
  const shift = transform('BRTHDTC', { op: 'dateShift', maxDays: 30 });
  t.same(problems(plan([transform('USUBJID', { op: 'pseudonymize' }), shift], { subjectColumn: 'USUBJID' })), []);
  t.same(problems(plan([{ name: 'USUBJID', action: 'drop', reason: 'x' }, shift], { subjectColumn: 'USUBJID' })), []);
  t.same(problems(plan([shift], { subjectColumn: 'USUBJID' })), []);
});

t.test("validatePlan refuses a geohash whose lonColumn is kept, transformed, or the latitude itself", async (t) => {
  const geohash = { op: 'geohash', precision: 6, lonColumn: 'longitude' };
  t.same(problems(plan([transform('latitude', geohash), { name: 'longitude', action: 'keep' }])), ['/columns/0/steps/0/lonColumn: "longitude" must be dropped, but /columns/1 keeps it']);
  t.same(problems(plan([transform('latitude', geohash), transform('longitude', { op: 'grid', cellDegrees: 0.1 })])), [
    '/columns/0/steps/0/lonColumn: "longitude" must be dropped, but /columns/1 transforms it',
  ]);
  t.same(problems(plan([transform('latitude', { ...geohash, lonColumn: 'latitude' })])), ['/columns/0/steps/0/lonColumn: must name the longitude column, not the latitude column "latitude" itself']);
  t.same(problems(plan([transform('latitude', geohash), { name: 'longitude', action: 'drop', reason: 'in the geohash' }])), []);
});

t.test('validatePlan refuses any step after suppress, and suppress or redact beside other steps', async (t) => {
  t.same(problems(plan([transform('AGE', { op: 'suppress' }, { op: 'interval', width: 5 })])), ['/columns/0/steps/0: suppress must be the only step of its column: it replaces every value, so any other step is for nothing']);
  t.same(problems(plan([transform('AGE', { op: 'laplace', scale: 1 }, { op: 'suppress' })])), ['/columns/0/steps/1: suppress must be the only step of its column: it replaces every value, so any other step is for nothing']);
  t.same(problems(plan([transform('NOTE', { op: 'mask', keepLast: 2 }, { op: 'redact' })])), ['/columns/0/steps/1: redact must be the only step of its column: it replaces every value, so any other step is for nothing']);
});

t.test('validatePlan refuses steps after pseudonymize, the same op twice in a row, and a late dateShift or geohash', async (t) => {
  t.same(problems(plan([transform('ID', { op: 'pseudonymize' }, { op: 'mask', keepLast: 4 })])), ['/columns/0/steps/1: nothing may follow pseudonymize (/columns/0/steps/0): a pseudonym is final (shorten it with its length)']);
  t.same(problems(plan([transform('AGE', { op: 'laplace', scale: 1 }, { op: 'laplace', scale: 2 })])), ['/columns/0/steps/1: laplace twice in a row']);
  t.same(problems(plan([transform('D', { op: 'truncateDate', unit: 'year' }, { op: 'dateShift', maxDays: 3 })], { subjectColumn: 'ID' })), [
    '/columns/0/steps/1: dateShift must be the first step: it shifts the original date (truncate or bucket after it, not before)',
  ]);
  t.same(problems(plan([transform('lat', { op: 'grid', cellDegrees: 1 }, { op: 'geohash', precision: 5, lonColumn: 'lon' })])), [
    '/columns/0/steps/1: geohash must be the first step: it encodes the original latitude with the original longitude',
  ]);
});

t.test('validatePlan refuses a step whose input is not what the previous step yields', async (t) => {
  t.same(problems(plan([transform('AGE', { op: 'interval', width: 5 }, { op: 'laplace', scale: 1 })])), ['/columns/0/steps/1: laplace needs a number, but interval (/columns/0/steps/0) yields text']);
  t.same(problems(plan([transform('T', { op: 'bucketTime', seconds: 60 }, { op: 'grid', cellDegrees: 1 })])), ['/columns/0/steps/1: grid needs a number, but bucketTime (/columns/0/steps/0) yields a date or time']);
  t.same(problems(plan([transform('X', { op: 'topBottomCode', max: 9 }, { op: 'truncateDate', unit: 'day' })])), ['/columns/0/steps/1: truncateDate needs a date or time, but topBottomCode (/columns/0/steps/0) yields a number']);
});

t.test('validatePlan accepts sensible sequences', async (t) => {
  const sequences: unknown[][] = [
    [{ op: 'dateShift', maxDays: 30 }, { op: 'truncateDate', unit: 'month' }],
    [{ op: 'topBottomCode', min: 0, max: 100 }, { op: 'laplace', scale: 2 }, { op: 'topBottomCode', min: 0, max: 100 }],
    [{ op: 'topBottomCode', max: 90 }, { op: 'interval', width: 5 }],
    [{ op: 'interval', width: 10 }, { op: 'hierarchy', levels: [['[0, 10)', 'young']], level: 1 }],
    [{ op: 'mask', keepLast: 4 }, { op: 'pseudonymize' }],
  ];
  for (const steps of sequences) t.same(problems(plan([transform('c', ...steps)], { subjectColumn: 'id' })), [], JSON.stringify(steps));
});

t.test('validatePlan refuses a hierarchy with ragged rows, a repeated value or a level it does not have, and min >= max', async (t) => {
  t.same(problems(plan([transform('SITE', { op: 'hierarchy', levels: [['701', 'north', '*'], ['702', 'south'], ['701', 'east', '*']], level: 3 })])), [
    '/columns/0/steps/0/levels/1: has 2 entries, but /levels/0 has 3',
    '/columns/0/steps/0/levels/2/0: "701" already has a row (/levels/0)',
    "/columns/0/steps/0/level: 3 is beyond the hierarchy's 2 levels",
  ]);
  t.same(problems(plan([transform('AGE', { op: 'topBottomCode', min: 90, max: 18 })])), ['/columns/0/steps/0: min 90 must be below max 18']);
});

t.test('validatePlan returns the plan it was given and the error message names the problems', async (t) => {
  const p = plan([{ name: 'a', action: 'keep' }]);
  t.equal(validatePlan(p), p);
  t.throws(() => validatePlan(plan([transform('AGE', { op: 'interval', width: 0 })])), {
    code: 'DP_ERR_VALIDATION',
    message: 'The request does not match its schema: not a valid pipeline plan: /columns/0/steps/0/width: must be > 0',
  });
});

t.test('planHash is the SHA-256 of the canonical JSON, whatever the key order', async (t) => {
  const columns: ColumnPlan[] = [{ name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize', length: 32 }] }, { name: 'AGE', action: 'keep' }];
  const a: PipelinePlan = { version: 1, agreementId: 'urn:uuid:a', datasetId: 'dm', columns };
  const b = JSON.parse('{"columns":[{"steps":[{"length":32,"op":"pseudonymize"}],"action":"transform","name":"USUBJID"},{"action":"keep","name":"AGE"}],"datasetId":"dm","agreementId":"urn:uuid:a","version":1}') as PipelinePlan;
  const canonical = '{"agreementId":"urn:uuid:a","columns":[{"action":"transform","name":"USUBJID","steps":[{"length":32,"op":"pseudonymize"}]},{"action":"keep","name":"AGE"}],"datasetId":"dm","version":1}';
  t.equal(planHash(a), createHash('sha256').update(canonical).digest('hex'));
  t.equal(planHash(b), planHash(a));
  t.match(planHash(a), /^[0-9a-f]{64}$/);
});

t.test('planHash changes with the column order (the output order is part of the plan)', async (t) => {
  const a: PipelinePlan = { version: 1, agreementId: 'a', datasetId: 'd', columns: [{ name: 'x', action: 'keep' }, { name: 'y', action: 'keep' }] };
  t.not(planHash({ ...a, columns: [...a.columns].reverse() }), planHash(a));
});

// Regenerate with PIPELINE_SCHEMA_WRITE=1 after changing PIPELINE_PLAN_SCHEMA.
t.test('policies/pipeline/plan.schema.json is PIPELINE_PLAN_SCHEMA', async (t) => {
  const file = join(process.cwd(), 'policies/pipeline/plan.schema.json');
  const text = `${JSON.stringify(PIPELINE_PLAN_SCHEMA, null, 2)}\n`;
  if (process.env['PIPELINE_SCHEMA_WRITE'] === '1') writeFileSync(file, text);
  t.equal(readFileSync(file, 'utf8'), text);
});

t.test('every op and every parameter in the schema has a description', async (t) => {
  const defs = PIPELINE_PLAN_SCHEMA.$defs as Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;
  for (const op of STEP_OPS) {
    t.type(defs[op]?.description, 'string', op);
    for (const [name, p] of Object.entries(defs[op]!.properties ?? {})) if (name !== 'op') t.type(p.description, 'string', `${op}.${name}`);
  }
});
