// derivePlan: per-column rules beat per-role rules, and everything else fails closed.
import t from 'tap';
import { DataportError } from '../../../crypto/errors.js';
import { derivePlan, type DatasetField, type PipelineSpec, type PlanDerivation } from '../../../policies/pipeline/index.js';

const fields: DatasetField[] = [
  { name: 'SUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
  { name: 'SEX', type: 'utf8', role: 'quasi-identifier' },
  { name: 'DIAG', type: 'utf8', role: 'sensitive', category: 'health' },
  { name: 'STUDY', type: 'utf8', role: 'other' },
];

const anonymize = (pipeline?: PipelineSpec | Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ action: 'anonymize', parameters: { ...extra, ...(pipeline !== undefined && { pipeline }) } });

function derive(duties: { action: string; parameters: Record<string, unknown> }[], f: DatasetField[] = fields): PlanDerivation {
  return derivePlan({ agreementId: 'urn:uuid:agreement-1', datasetId: 'study-1', fields: f, duties });
}

/** The DataportError derivePlan throws. */
function refusal(duties: { action: string; parameters: Record<string, unknown> }[], f: DatasetField[] = fields): DataportError {
  try {
    derive(duties, f);
  } catch (e) {
    if (e instanceof DataportError) return e;
    throw e;
  }
  throw new Error('derivePlan did not refuse');
}

const row = (r: PlanDerivation, column: string) => ({ plan: r.plan.columns.find((c) => c.name === column), report: r.report.find((x) => x.column === column) });

t.test('a per-column rule beats the rule for the column\'s role', async (t) => {
  const r = derive([anonymize({ roles: { 'quasi-identifier': 'drop' }, columns: { AGE: [{ op: 'interval', width: 10 }] } })]);
  t.same(row(r, 'AGE'), {
    plan: { name: 'AGE', action: 'transform', steps: [{ op: 'interval', width: 10 }] },
    report: { column: 'AGE', decision: 'transform: interval(width=10)', rule: 'columns.AGE' },
  });
  t.same(row(r, 'SEX'), {
    plan: { name: 'SEX', action: 'drop', reason: "the agreement's anonymize duty drops it (roles.quasi-identifier)" },
    report: { column: 'SEX', decision: "drop: the agreement's anonymize duty drops it (roles.quasi-identifier)", rule: 'roles.quasi-identifier' },
  });
});

t.test('a direct identifier is never kept: keep by column drops it, with the reason', async (t) => {
  const r = derive([anonymize({ columns: { SUBJID: 'keep' } })]);
  const reason = 'SUBJID is a direct identifier and never leaves in clear (columns.SUBJID says keep); it may leave only pseudonymised, masked, redacted or suppressed';
  t.same(row(r, 'SUBJID'), { plan: { name: 'SUBJID', action: 'drop', reason }, report: { column: 'SUBJID', decision: `drop: ${reason}`, rule: 'columns.SUBJID' } });
});

t.test('a direct identifier leaves only through a step that pseudonymises, masks, redacts or suppresses it', async (t) => {
  const generalised = derive([anonymize({ columns: { SUBJID: [{ op: 'hierarchy', levels: [['S1', 'S*']], level: 1 }] } })]);
  t.same(row(generalised, 'SUBJID').plan, {
    name: 'SUBJID',
    action: 'drop',
    reason: 'SUBJID is a direct identifier and may leave only pseudonymised, masked, redacted or suppressed, which columns.SUBJID (hierarchy) does not do',
  });
  const masked = derive([anonymize({ roles: { 'direct-identifier': [{ op: 'mask', keepLast: 2 }] } })]);
  t.same(row(masked, 'SUBJID'), {
    plan: { name: 'SUBJID', action: 'transform', steps: [{ op: 'mask', keepLast: 2 }] },
    report: { column: 'SUBJID', decision: 'transform: mask(keepLast=2)', rule: 'roles.direct-identifier' },
  });
});

t.test('keep as the rule for direct identifiers is refused by the specification schema', async (t) => {
  const e = refusal([anonymize({ roles: { 'direct-identifier': 'keep' } })]);
  t.equal(e.code, 'DP_ERR_VALIDATION');
  t.same(e.details, { duty: 'anonymize duty 0', errors: ['/roles/direct-identifier: must be "drop"'] });
});

t.test('a column no rule covers is dropped, and the reason names it and its role', async (t) => {
  const r = derive([anonymize({ columns: { SUBJID: [{ op: 'pseudonymize' }] } })]);
  t.same(row(r, 'SEX'), {
    plan: { name: 'SEX', action: 'drop', reason: "no rule in the agreement's anonymize duty covers column SEX (role quasi-identifier)" },
    report: { column: 'SEX', decision: "drop: no rule in the agreement's anonymize duty covers column SEX (role quasi-identifier)", rule: 'default: drop' },
  });
  t.same(r.plan.columns.map((c) => c.action), ['transform', 'drop', 'drop', 'drop', 'drop']);
});

t.test('an anonymize duty without a pipeline covers no column', async (t) => {
  const r = derive([anonymize(undefined)]);
  t.same(r.report.map((x) => x.rule), ['default: drop', 'default: drop', 'default: drop', 'default: drop', 'default: drop']);
  t.same(r.plan.columns.map((c) => c.action), ['drop', 'drop', 'drop', 'drop', 'drop']);
});

t.test('a duty demanding k-anonymity (kAnonymity constraint) without a privacy model that delivers it: no plan', async (t) => {
  t.throws(() => derive([anonymize(undefined, { k: 5 })]), { code: 'DP_ERR_VALIDATION', message: /demands k-anonymity with k >= 5, but its pipeline has no privacy model/ });
  const model = { k: 3, suppressionLimit: 0, quasiIdentifiers: [{ column: 'AGE', hierarchy: { type: 'suppress' } }] };
  t.throws(() => derive([anonymize({ privacy: model }, { k: 5 })]), { message: /its privacy model has k 3/ });
  t.throws(() => derive([anonymize({ privacy: { ...model, k: 5 } }, { k: 5, l: 2 })]), { message: /demands l-diversity with l >= 2/ });
});

t.test('a privacy model in the duty: copied into the plan, its quasi-identifiers kept for it to generalise', async (t) => {
  const model = { k: 5, suppressionLimit: 0.02, quasiIdentifiers: [{ column: 'AGE', hierarchy: { type: 'intervals', widths: [10] } }] };
  const r = derive([anonymize({ privacy: model }, { k: 5 })]);
  t.same(r.plan.privacy, model);
  t.same(r.plan.columns.find((c) => c.name === 'AGE'), { name: 'AGE', action: 'keep' });
  t.match(r.report.find((x) => x.column === 'AGE'), { decision: 'keep', rule: /^privacy\.quasiIdentifiers/ });
  t.throws(() => derive([anonymize({ privacy: model, columns: { AGE: [{ op: 'interval', width: 5 }] } })]), { message: /quasi-identifier of the privacy model .* but columns\.AGE says transform/ });
});

t.test('with no anonymize duty every column is dropped', async (t) => {
  const r = derive([{ action: 'delete', parameters: { retention: 'P1Y' } }]);
  t.same(r.plan, {
    version: 1,
    agreementId: 'urn:uuid:agreement-1',
    datasetId: 'study-1',
    columns: fields.map((f) => ({ name: f.name, action: 'drop', reason: 'the agreement has no anonymize duty' })),
  });
  t.same(r.report, fields.map((f) => ({ column: f.name, decision: 'drop: the agreement has no anonymize duty', rule: 'default: drop' })));
  t.same(derive([]).plan, r.plan);
});

t.test('a specification naming a column the dataset does not have is refused', async (t) => {
  const e = refusal([anonymize({ columns: { AGE: 'keep', WEIGHT: 'keep' } })]);
  t.equal(e.code, 'DP_ERR_VALIDATION');
  t.equal(e.detail, 'the anonymize duty names columns that dataset "study-1" does not have: "WEIGHT" (columns.WEIGHT)');
});

t.test('a subjectColumn or geohash lonColumn the dataset does not have is refused', async (t) => {
  t.equal(refusal([anonymize({ subjectColumn: 'PATIENT' })]).detail, 'the anonymize duty names columns that dataset "study-1" does not have: "PATIENT" (subjectColumn)');
  t.equal(
    refusal([anonymize({ roles: { 'quasi-identifier': [{ op: 'geohash', precision: 5, lonColumn: 'lon' }] } })]).detail,
    'the anonymize duty names columns that dataset "study-1" does not have: "lon" (roles.quasi-identifier geohash lonColumn)',
  );
});

t.test('two anonymize duties with different rules for one column are refused', async (t) => {
  const e = refusal([anonymize({ columns: { AGE: [{ op: 'interval', width: 5 }] } }), anonymize({ columns: { AGE: 'keep' } })]);
  t.equal(e.code, 'DP_ERR_VALIDATION');
  t.equal(e.detail, 'the anonymize duties conflict on columns.AGE: anonymize duty 0 says [{"op":"interval","width":5}], anonymize duty 1 says "keep"');
});

t.test('two anonymize duties with different role rules or subject columns are refused; origins name the duties', async (t) => {
  const a = { ...anonymize({ roles: { other: 'keep' } }), origin: 'permission 0 duty 0' };
  const b = { ...anonymize({ roles: { other: 'drop' } }), origin: 'obligation 1' };
  t.equal(refusal([a, b]).detail, 'the anonymize duties conflict on roles.other: permission 0 duty 0 says "keep", obligation 1 says "drop"');
  t.equal(refusal([anonymize({ subjectColumn: 'SUBJID' }), anonymize({ subjectColumn: 'STUDY' })]).detail, 'the anonymize duties conflict on subjectColumn: anonymize duty 0 says "SUBJID", anonymize duty 1 says "STUDY"');
});

t.test('two anonymize duties merge: their rules add up, and equal rules (in any key order) agree', async (t) => {
  const r = derive([
    anonymize({ columns: { SUBJID: [{ op: 'pseudonymize', length: 16 }] }, roles: { other: 'keep' } }),
    anonymize({ columns: { SUBJID: [{ length: 16, op: 'pseudonymize' } as never], AGE: [{ op: 'interval', width: 5 }] } }),
  ]);
  t.same(r.report.map((x) => [x.column, x.rule]), [['SUBJID', 'columns.SUBJID'], ['AGE', 'columns.AGE'], ['SEX', 'default: drop'], ['DIAG', 'default: drop'], ['STUDY', 'roles.other']]);
});

t.test('a specification with a bad step is refused with the path inside the specification', async (t) => {
  const e = refusal([anonymize({ columns: { AGE: [{ op: 'interval', width: -5 }], SEX: 'hide' } as never })]);
  t.same(e.details, { duty: 'anonymize duty 0', errors: ['/columns/AGE/0/width: must be > 0', '/columns/SEX: must be one of "keep", "drop"'] });
  const order = refusal([anonymize({ roles: { sensitive: [{ op: 'suppress' }, { op: 'mask', keepLast: 1 }] } })]);
  t.same(order.details, { duty: 'anonymize duty 0', errors: ['/roles/sensitive/0: suppress must be the only step of its column: it replaces every value, so any other step is for nothing'] });
  t.same(refusal([anonymize({ column: { AGE: 'keep' } })]).details, { duty: 'anonymize duty 0', errors: ['/column: is not allowed here'] });
});

t.test('dateShift takes the dataset\'s only direct identifier as subject column', async (t) => {
  const f: DatasetField[] = [...fields, { name: 'VISITDT', type: 'date32', role: 'quasi-identifier' }];
  const r = derive([anonymize({ columns: { SUBJID: [{ op: 'pseudonymize' }], VISITDT: [{ op: 'dateShift', maxDays: 14 }] } })], f);
  t.equal(r.plan.subjectColumn, 'SUBJID');
  t.same(row(r, 'VISITDT').report, { column: 'VISITDT', decision: 'transform: dateShift(maxDays=14)', rule: 'columns.VISITDT' });
});

t.test('dateShift without subjectColumn is refused when the dataset has no single direct identifier', async (t) => {
  const f: DatasetField[] = [...fields, { name: 'EMAIL', type: 'utf8', role: 'direct-identifier' }, { name: 'VISITDT', type: 'date32', role: 'quasi-identifier' }];
  const e = refusal([anonymize({ columns: { VISITDT: [{ op: 'dateShift', maxDays: 14 }] } })], f);
  t.equal(e.code, 'DP_ERR_VALIDATION');
  t.equal(e.detail, 'dateShift on VISITDT needs the column naming the data subject: the anonymize duty gives no subjectColumn, and the dataset has 2 direct identifiers (SUBJID, EMAIL) to take it from');
  const named = derive([anonymize({ subjectColumn: 'EMAIL', columns: { EMAIL: [{ op: 'pseudonymize' }], VISITDT: [{ op: 'dateShift', maxDays: 14 }] } })], f);
  t.equal(named.plan.subjectColumn, 'EMAIL');
});

t.test('a subject column that would leave in clear is dropped, the reason naming the rule', async (t) => {
  const r = derive([anonymize({ subjectColumn: 'STUDY', columns: { STUDY: 'keep', AGE: 'keep' } })]);
  t.equal(r.plan.subjectColumn, 'STUDY');
  t.same(row(r, 'STUDY').plan, {
    name: 'STUDY',
    action: 'drop',
    reason: "STUDY names the data subject (the plan's subjectColumn) and may leave only pseudonymised, redacted or suppressed, but columns.STUDY keeps it",
  });
});

t.test('a geohash\'s longitude column is dropped whatever its own rule says', async (t) => {
  const f: DatasetField[] = [
    { name: 'lat', type: 'float64', role: 'quasi-identifier', category: 'location' },
    { name: 'lon', type: 'float64', role: 'quasi-identifier', category: 'location' },
  ];
  const r = derive([anonymize({ columns: { lat: [{ op: 'geohash', precision: 5, lonColumn: 'lon' }], lon: 'keep' } })], f);
  t.same(r.plan.columns, [
    { name: 'lat', action: 'transform', steps: [{ op: 'geohash', precision: 5, lonColumn: 'lon' }] },
    { name: 'lon', action: 'drop', reason: 'lon leaves only inside the geohash of lat (columns.lat)' },
  ]);
  t.same(r.report[1], { column: 'lon', decision: 'drop: lon leaves only inside the geohash of lat (columns.lat)', rule: 'columns.lat' });
});

t.test('a dataset schema with a repeated column or an unknown role is refused', async (t) => {
  t.equal(refusal([], [...fields, { name: 'AGE', type: 'int64', role: 'other' }]).detail, 'the dataset schema has two columns named "AGE"');
  t.equal(refusal([], [{ name: 'X', type: 'utf8', role: 'identifier' as never }]).detail, 'column "X" has the role "identifier", not one of direct-identifier, quasi-identifier, sensitive, other');
});

t.test('the plan keeps the dataset\'s column order and copies the steps (no aliasing of the duty)', async (t) => {
  const steps = [{ op: 'interval' as const, width: 5 }];
  const r = derive([anonymize({ roles: { 'quasi-identifier': steps, other: 'keep' } })]);
  t.same(r.plan.columns.map((c) => c.name), fields.map((f) => f.name));
  const age = r.plan.columns[1]!;
  t.equal(age.action, 'transform');
  if (age.action === 'transform') t.not(age.steps, steps);
});

t.test('other duties are ignored: only anonymize duties carry the pipeline', async (t) => {
  const r = derive([{ action: 'inform', parameters: { pipeline: { columns: { AGE: 'keep' } } } }]);
  t.same(r.report[1], { column: 'AGE', decision: 'drop: the agreement has no anonymize duty', rule: 'default: drop' });
});
