// The two scenarios of DESIGN.md end to end: a clinical-trial DM domain and vehicle telemetry, from
// the anonymize duty's specification to the plan the data plane runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { DatasetField as GatewayDatasetField } from '../../../gateway/state/control-plane.js';
import { derivePlan, planHash, validatePlan, type PipelineSpec, type Step } from '../../../policies/pipeline/index.js';

// The gateway's fields go in as they are (a compile-time check that the two types agree).
const dm = JSON.parse(readFileSync(join(process.cwd(), 'examples/dm.dataset.json'), 'utf8')) as { id: string; schema: { fields: GatewayDatasetField[] } };

const SITES: Step = {
  op: 'hierarchy',
  levels: [
    ['701', 'US-EAST', '*'],
    ['703', 'US-EAST', '*'],
    ['704', 'US-SOUTH', '*'],
    ['705', 'US-SOUTH', '*'],
    ['708', 'US-MIDWEST', '*'],
    ['709', 'US-MIDWEST', '*'],
    ['710', 'US-WEST', '*'],
    ['713', 'US-WEST', '*'],
    ['715', 'US-WEST', '*'],
    ['716', 'US-EAST', '*'],
    ['718', 'US-SOUTH', '*'],
  ],
  level: 1,
};

// A sponsor's multi-regional trial: subjects as pseudonyms, birth dates shifted, ages in 5-year
// bands, sites by region; ethnicity is not asked for, so it stays home.
const pharmaSpec: PipelineSpec = {
  columns: {
    USUBJID: [{ op: 'pseudonymize' }],
    BRTHDTC: [{ op: 'dateShift', maxDays: 30 }],
    AGE: [{ op: 'interval', width: 5 }],
    SITEID: [SITES],
    SEX: 'keep',
    RACE: 'keep',
    ARM: 'keep',
  },
  roles: { other: 'keep' },
};

t.test('CDISC DM with a pharma specification gives the expected plan', async (t) => {
  const { plan, report } = derivePlan({
    agreementId: 'urn:uuid:agreement-dm',
    datasetId: dm.id,
    fields: dm.schema.fields,
    duties: [{ action: 'anonymize', parameters: { pipeline: pharmaSpec } }, { action: 'delete', parameters: { retention: 'P1Y' } }],
  });
  t.same(plan, {
    version: 1,
    agreementId: 'urn:uuid:agreement-dm',
    datasetId: 'cdiscpilot01-dm',
    subjectColumn: 'USUBJID',
    columns: [
      { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize' }] },
      { name: 'SITEID', action: 'transform', steps: [SITES] },
      { name: 'BRTHDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 30 }] },
      { name: 'AGE', action: 'transform', steps: [{ op: 'interval', width: 5 }] },
      { name: 'SEX', action: 'keep' },
      { name: 'RACE', action: 'keep' },
      { name: 'ETHNIC', action: 'drop', reason: "no rule in the agreement's anonymize duty covers column ETHNIC (role quasi-identifier)" },
      { name: 'ARM', action: 'keep' },
      { name: 'COUNTRY', action: 'keep' },
    ],
  });
  t.same(report, [
    { column: 'USUBJID', decision: 'transform: pseudonymize', rule: 'columns.USUBJID' },
    { column: 'SITEID', decision: 'transform: hierarchy(11 rows, level=1)', rule: 'columns.SITEID' },
    { column: 'BRTHDTC', decision: 'transform: dateShift(maxDays=30)', rule: 'columns.BRTHDTC' },
    { column: 'AGE', decision: 'transform: interval(width=5)', rule: 'columns.AGE' },
    { column: 'SEX', decision: 'keep', rule: 'columns.SEX' },
    { column: 'RACE', decision: 'keep', rule: 'columns.RACE' },
    { column: 'ETHNIC', decision: "drop: no rule in the agreement's anonymize duty covers column ETHNIC (role quasi-identifier)", rule: 'default: drop' },
    { column: 'ARM', decision: 'keep', rule: 'columns.ARM' },
    { column: 'COUNTRY', decision: 'keep', rule: 'roles.other' },
  ]);
  t.equal(validatePlan(plan), plan);
});

t.test('CDISC DM with SITEID kept instead of generalised differs only in that column and in the hash', async (t) => {
  const input = { agreementId: 'urn:uuid:agreement-dm', datasetId: dm.id, fields: dm.schema.fields };
  const generalised = derivePlan({ ...input, duties: [{ action: 'anonymize', parameters: { pipeline: pharmaSpec } }] }).plan;
  const kept = derivePlan({ ...input, duties: [{ action: 'anonymize', parameters: { pipeline: { ...pharmaSpec, columns: { ...pharmaSpec.columns, SITEID: 'keep' } } } }] }).plan;
  t.same(kept.columns[1], { name: 'SITEID', action: 'keep' });
  t.same({ ...kept, columns: kept.columns.filter((c) => c.name !== 'SITEID') }, { ...generalised, columns: generalised.columns.filter((c) => c.name !== 'SITEID') });
  t.not(planHash(kept), planHash(generalised));
});

const telemetry: GatewayDatasetField[] = [
  { name: 'vin', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'driver_id', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'plate', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'tracked_at', type: 'timestamp[ms]', role: 'quasi-identifier' },
  { name: 'latitude', type: 'float64', role: 'quasi-identifier', category: 'location' },
  { name: 'longitude', type: 'float64', role: 'quasi-identifier', category: 'location' },
  { name: 'speed', type: 'float64', role: 'other' },
  { name: 'note', type: 'utf8', role: 'other' },
];

const telemetrySpec: PipelineSpec = {
  columns: {
    vin: [{ op: 'pseudonymize' }],
    driver_id: [{ op: 'pseudonymize' }],
    plate: 'drop',
    tracked_at: [{ op: 'bucketTime', seconds: 60 }],
    latitude: [{ op: 'geohash', precision: 6, lonColumn: 'longitude' }],
    longitude: 'drop',
    speed: 'keep',
    note: [{ op: 'redact' }],
  },
};

t.test('vehicle telemetry gives the expected plan, which passes validatePlan', async (t) => {
  const { plan, report } = derivePlan({
    agreementId: 'urn:uuid:agreement-telemetry',
    datasetId: 'fleet-telemetry-2025',
    fields: telemetry,
    duties: [{ action: 'anonymize', parameters: { pipeline: telemetrySpec } }],
  });
  const expected = {
    version: 1,
    agreementId: 'urn:uuid:agreement-telemetry',
    datasetId: 'fleet-telemetry-2025',
    columns: [
      { name: 'vin', action: 'transform', steps: [{ op: 'pseudonymize' }] },
      { name: 'driver_id', action: 'transform', steps: [{ op: 'pseudonymize' }] },
      { name: 'plate', action: 'drop', reason: "the agreement's anonymize duty drops it (columns.plate)" },
      { name: 'tracked_at', action: 'transform', steps: [{ op: 'bucketTime', seconds: 60 }] },
      { name: 'latitude', action: 'transform', steps: [{ op: 'geohash', precision: 6, lonColumn: 'longitude' }] },
      { name: 'longitude', action: 'drop', reason: "the agreement's anonymize duty drops it (columns.longitude)" },
      { name: 'speed', action: 'keep' },
      { name: 'note', action: 'transform', steps: [{ op: 'redact' }] },
    ],
  };
  t.same(plan, expected);
  t.notOk('subjectColumn' in plan, 'no dateShift, so no subject column');
  t.same(validatePlan(JSON.parse(JSON.stringify(plan))), expected);
  t.same(report.map((r) => `${r.column}: ${r.decision} [${r.rule}]`), [
    'vin: transform: pseudonymize [columns.vin]',
    'driver_id: transform: pseudonymize [columns.driver_id]',
    "plate: drop: the agreement's anonymize duty drops it (columns.plate) [columns.plate]",
    'tracked_at: transform: bucketTime(seconds=60) [columns.tracked_at]',
    'latitude: transform: geohash(precision=6, lonColumn="longitude") [columns.latitude]',
    "longitude: drop: the agreement's anonymize duty drops it (columns.longitude) [columns.longitude]",
    'speed: keep [columns.speed]',
    'note: transform: redact [columns.note]',
  ]);
});

t.test('the telemetry plan hash does not depend on how the duty spelled its keys', async (t) => {
  const input = { agreementId: 'urn:uuid:agreement-telemetry', datasetId: 'fleet-telemetry-2025', fields: telemetry };
  const a = derivePlan({ ...input, duties: [{ action: 'anonymize', parameters: { pipeline: telemetrySpec } }] }).plan;
  const reordered = JSON.parse('{"columns":{"latitude":[{"lonColumn":"longitude","precision":6,"op":"geohash"}],"note":[{"op":"redact"}],"speed":"keep","longitude":"drop","tracked_at":[{"seconds":60,"op":"bucketTime"}],"plate":"drop","driver_id":[{"op":"pseudonymize"}],"vin":[{"op":"pseudonymize"}]}}');
  const b = derivePlan({ ...input, duties: [{ action: 'anonymize', parameters: { pipeline: reordered } }] }).plan;
  t.equal(planHash(b), planHash(a));
});
