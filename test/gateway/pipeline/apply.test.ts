import t from 'tap';
import { Bool, DateDay, Field, Float64, Int32, List, RecordBatch, Schema, Table, TimestampMillisecond, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { createPipeline, UNLISTED_REASON } from '../../../gateway/pipeline/apply.js';
import type { PipelinePlan } from '../../../gateway/pipeline/transforms/types.js';
import { thrown } from '../../helpers.js';
import { AGREEMENT, SECRET, batchOf, fixedVector } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());
const input = () => batchOf({
  USUBJID: strings(['01-701-1015', '01-701-1023', null]),
  AGE: fixedVector(new Int32(), [63, 104, 0], [true, true, false]),
  SEX: strings(['F', 'M', 'F']),
  SITEID: strings(['701', '701', '702']),
  ARM: strings(['Placebo', 'Xanomeline High Dose', 'Placebo']),
});
const plan = (columns: PipelinePlan['columns'], extra: Partial<PipelinePlan> = {}): PipelinePlan => ({ version: 1, agreementId: AGREEMENT, datasetId: 'dm', columns, ...extra });

t.test('output columns follow the plan order and nothing else leaves', async (t) => {
  const out = createPipeline(plan([{ name: 'SEX', action: 'keep' }, { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize', length: 8 }] }]), SECRET).apply(input());
  t.same(out.schema.fields.map((f) => f.name), ['SEX', 'USUBJID']);
  t.equal(out.numRows, 3);
});

t.test('a kept column is passed through without copying', async (t) => {
  const batch = input();
  const out = createPipeline(plan([{ name: 'SEX', action: 'keep' }]), SECRET).apply(batch);
  t.equal(out.data.children[0], batch.data.children[2], 'the same Data object');
  t.equal(String(out.schema.fields[0]!.type), 'Utf8');
});

t.test('dropped and unlisted columns are left out and reported with their reasons', async (t) => {
  const pipeline = createPipeline(plan([{ name: 'SEX', action: 'keep' }, { name: 'SITEID', action: 'drop', reason: 'quasi-identifier not needed' }]), SECRET);
  const out = pipeline.apply(input());
  t.same(out.schema.fields.map((f) => f.name), ['SEX']);
  const report = pipeline.report();
  t.same(report.dropped, [
    { name: 'SITEID', reason: 'quasi-identifier not needed', listed: true },
    { name: 'USUBJID', reason: UNLISTED_REASON, listed: false },
    { name: 'AGE', reason: UNLISTED_REASON, listed: false },
    { name: 'ARM', reason: UNLISTED_REASON, listed: false },
  ]);
  t.equal(report.unlistedColumns, 3);
});

t.test('steps of a column run in order', async (t) => {
  const out = createPipeline(plan([{ name: 'AGE', action: 'transform', steps: [{ op: 'topBottomCode', max: 89 }, { op: 'interval', width: 10 }] }]), SECRET).apply(input());
  t.same([...out.getChild('AGE')!], ['[60, 70)', '[80, 90)', null]);
});

t.test('the report counts rows, batches, values changed and nulls per column', async (t) => {
  const pipeline = createPipeline(plan([
    { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize' }] },
    { name: 'AGE', action: 'transform', steps: [{ op: 'topBottomCode', max: 89 }] },
    { name: 'SEX', action: 'keep' },
  ]), SECRET);
  pipeline.apply(input());
  pipeline.apply(input());
  const r = pipeline.report();
  t.same({ batches: r.batches, rowsIn: r.rowsIn, rowsOut: r.rowsOut, agreementId: r.agreementId, datasetId: r.datasetId }, { batches: 2, rowsIn: 6, rowsOut: 6, agreementId: AGREEMENT, datasetId: 'dm' });
  t.same(r.columns, [
    { name: 'USUBJID', action: 'transform', steps: ['pseudonymize'], valuesIn: 4, nullsIn: 2, valuesChanged: 4, nullsProduced: 0, cacheHits: 2, hmacs: 2 },
    { name: 'AGE', action: 'transform', steps: ['topBottomCode'], valuesIn: 4, nullsIn: 2, valuesChanged: 2, nullsProduced: 0, cacheHits: 0, hmacs: 0 },
    { name: 'SEX', action: 'keep', steps: [], valuesIn: 6, nullsIn: 0, valuesChanged: 0, nullsProduced: 0, cacheHits: 0, hmacs: 0 },
  ]);
});

t.test('a report before any batch lists the planned drops', async (t) => {
  const r = createPipeline(plan([{ name: 'SITEID', action: 'drop', reason: 'not needed' }]), SECRET).report();
  t.same({ rowsIn: r.rowsIn, columns: r.columns, dropped: r.dropped }, { rowsIn: 0, columns: [], dropped: [{ name: 'SITEID', reason: 'not needed', listed: true }] });
});

t.test('transformed fields note their steps; the schema names the agreement and carries no input metadata', async (t) => {
  const batch = input();
  const withMeta = new RecordBatch(new Schema(batch.schema.fields, new Map([['pandas', '{"columns":["USUBJID","SITEID"]}']])), batch.data);
  const levels = [['F', '*'], ['M', '*']];
  const out = createPipeline(plan([
    { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize', length: 16 }] },
    { name: 'SEX', action: 'transform', steps: [{ op: 'hierarchy', levels, level: 1 }] },
  ]), SECRET).apply(withMeta);
  t.equal(out.schema.fields[0]!.metadata.get('dataport:transform'), '[{"op":"pseudonymize","length":16}]');
  t.equal(out.schema.fields[1]!.metadata.get('dataport:transform'), '[{"op":"hierarchy","level":1,"rows":2}]');
  t.same([...out.schema.metadata], [['dataport:agreementId', AGREEMENT], ['dataport:datasetId', 'dm']]);
});

t.test('outputSchema gives the schema apply produces', async (t) => {
  const pipeline = createPipeline(plan([{ name: 'AGE', action: 'transform', steps: [{ op: 'interval', width: 10 }] }, { name: 'SEX', action: 'keep' }]), SECRET);
  const schema = pipeline.outputSchema(input().schema);
  t.same(schema.fields.map((f) => `${f.name}:${f.type}`), ['AGE:Utf8', 'SEX:Utf8']);
  t.same(pipeline.apply(input()).schema.fields.map((f) => `${f.name}:${f.type}`), schema.fields.map((f) => `${f.name}:${f.type}`));
});

t.test('a listed column missing from the input is a schema mismatch', async (t) => {
  const pipeline = createPipeline(plan([{ name: 'BRTHDTC', action: 'keep' }]), SECRET);
  t.same(thrown(() => pipeline.apply(input())), {
    code: 'DP_ERR_VALIDATION', message: 'The request does not match its schema: column "BRTHDTC" (listed in the plan as keep) is not in the input schema',
  });
});

t.test('a later batch with another schema is refused', async (t) => {
  const pipeline = createPipeline(plan([{ name: 'SEX', action: 'keep' }]), SECRET);
  pipeline.apply(input());
  t.equal(thrown(() => pipeline.apply(batchOf({ SEX: fixedVector(new Int32(), [1]) }))).message,
    "The request does not match its schema: a batch schema differs from the first batch's");
});

t.test('malformed plans are refused before any batch', async (t) => {
  const err = (p: unknown) => thrown(() => createPipeline(p as PipelinePlan, SECRET)).message;
  t.equal(err({ ...plan([]), version: 2 }), 'The request does not match its schema: pipeline plan: version "2" is not 1');
  t.equal(err(plan([{ name: 'SEX', action: 'keep' }, { name: 'SEX', action: 'keep' }])), 'The request does not match its schema: pipeline plan: column "SEX" is listed twice');
  t.equal(err(plan([{ name: 'SEX', action: 'drop' } as never])), 'The request does not match its schema: pipeline plan: column "SEX" is dropped without a reason');
  t.equal(err(plan([{ name: 'SEX', action: 'publish' } as never])), 'The request does not match its schema: pipeline plan: column "SEX" has unknown action "publish"');
  t.equal(thrown(() => createPipeline(plan([]), new Uint8Array(8))).code, 'DP_ERR_INVALID_ARGUMENT');
});

t.test('an unknown op fails closed', async (t) => {
  const pipeline = createPipeline(plan([{ name: 'SEX', action: 'transform', steps: [{ op: 'encrypt' } as never] }]), SECRET);
  t.equal(thrown(() => pipeline.apply(input())).message, 'The request does not match its schema: encrypt on "SEX": unknown op "encrypt"');
});

t.test('output batches round-trip through Arrow IPC, sliced input included', async (t) => {
  const batch = batchOf({
    USUBJID: strings(['a', null, 'b', 'c', 'd', 'e', null, 'f', 'g', 'h']),
    DT: strings(['2014-01-02', '2014-01-03T10:00', null, '2014-01-05', '2014-01-06', 'x', '2014-01-08', '2014-01-09', '2014-01-10', '2014-01-11']),
    D: fixedVector(new DateDay(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    TS: fixedVector(new TimestampMillisecond(), [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n], [true, true, true, false, true, true, true, true, true, true]),
    V: fixedVector(new Float64(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    S: strings(['s', 's', 's', 's', 's', 's', 's', 's', 's', 's']),
    B: vectorFromArray([true, false, true, false, true, false, true, false, true, false], new Bool()),
    L: vectorFromArray([[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]], new List(new Field('item', new Int32(), true))),
  }).slice(3, 10);
  const pipeline = createPipeline(plan([
    { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize', length: 8 }] },
    { name: 'DT', action: 'transform', steps: [{ op: 'dateShift', maxDays: 10 }, { op: 'truncateDate', unit: 'month' }] },
    { name: 'D', action: 'transform', steps: [{ op: 'suppress' }] },
    { name: 'TS', action: 'transform', steps: [{ op: 'bucketTime', seconds: 60 }] },
    { name: 'V', action: 'transform', steps: [{ op: 'topBottomCode', max: 8 }, { op: 'interval', width: 5 }] },
    { name: 'S', action: 'transform', steps: [{ op: 'suppress' }] },
    { name: 'B', action: 'transform', steps: [{ op: 'suppress' }] },
    { name: 'L', action: 'transform', steps: [{ op: 'suppress' }] },
  ], { subjectColumn: 'USUBJID' }), SECRET);
  const out = pipeline.apply(batch);
  const back = tableFromIPC(tableToIPC(new Table(out)));
  t.equal(back.numRows, 7);
  for (const name of ['USUBJID', 'DT', 'D', 'TS', 'V', 'S', 'B', 'L']) {
    t.same(JSON.parse(JSON.stringify([...back.getChild(name)!], (_, v) => (typeof v === 'bigint' ? String(v) : v))),
      JSON.parse(JSON.stringify([...out.getChild(name)!], (_, v) => (typeof v === 'bigint' ? String(v) : v))), name);
  }
  t.same([...back.getChild('V')!], ['[0, 5)', '[5, 10)', '[5, 10)', '[5, 10)', '[5, 10)', '[5, 10)', '[5, 10)']);
  t.equal(back.getChild('DT')!.get(2), null, 'the unparseable date');
});
