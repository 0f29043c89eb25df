// `dataport anonymize`: a plan run offline over real files (../shared/data, skipped visibly where
// absent), in every format, with the gateway's own pipeline and the connector's secrets.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { agreementSecret, pseudonymRoot } from '../../crypto/provider-secrets.js';
import { toHex } from '../../crypto/bytes.js';
import { readSource, type SourceFormat } from '../../connectors/sources/index.js';
import { writeArrow } from '../../connectors/sinks/index.js';
import { writeKeyFile } from '../../gateway/key-file.js';
import { createAnonymizer } from '../../gateway/pipeline/stream.js';
import type { AnonymizeRunReport } from '../../bin/anonymize.js';
import type { PipelinePlan } from '../../policies/pipeline/plan.js';
import { cli, tempDir, testIdentity } from '../helpers.js';
import { sharedData, unlessShared } from '../connectors/sources/helpers.js';

const DM_CSV = join(sharedData, 'cdiscpilot01/dm.csv');
const SDTM_DM = join(sharedData, 'dataset-json/sdtm-dm.json');
const EXAMPLE_PLAN = join(process.cwd(), 'examples', 'dm.plan.json');
const SECRET_HEX = '07'.repeat(32);

const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'anonymize', ...args], { encoding: 'utf8', timeout: 60_000 });

/** The DM plan of the tests: one column of each fate. */
const DM_PLAN = {
  version: 1,
  subjectColumn: 'USUBJID',
  columns: [
    { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize' }] },
    { name: 'SUBJID', action: 'drop', reason: 'subject number' },
    { name: 'BRTHDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 30 }] },
    { name: 'AGE', action: 'transform', steps: [{ op: 'interval', width: 5 }] },
    { name: 'SEX', action: 'keep' },
    { name: 'RACE', action: 'keep' },
  ],
};

function writePlan(dir: string, plan: unknown, name = 'plan.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(plan));
  return path;
}

async function read(path: string, format: SourceFormat, delimiter?: string): Promise<{ rows: number; names: string[]; columns: Record<string, unknown[]>; batches: RecordBatch[] }> {
  const batches: RecordBatch[] = [];
  for await (const b of readSource(path, format, delimiter ? { delimiter } : {})) batches.push(b);
  const names = batches[0]?.schema.fields.map((f) => f.name) ?? [];
  const columns = Object.fromEntries(names.map((n) => [n, batches.flatMap((b) => [...b.getChild(n)!] as unknown[])]));
  return { rows: batches.reduce((s, b) => s + b.numRows, 0), names, columns, batches };
}

/** `[lo, hi)` of width 5, as the interval step labels an age. */
const band = (age: number) => `[${age - (age % 5)}, ${age - (age % 5) + 5})`;

t.test('--help prints the command\'s options; missing options exit 2 with them', async (t) => {
  const help = run('--help');
  t.equal(help.status, 0);
  t.match(help.stdout, /Usage: dataport anonymize --plan plan\.json --in FILE --out FILE/);
  t.match(help.stdout, /--secret-hex/);
  const missing = run('--plan', 'x.json');
  t.equal(missing.status, 2);
  t.match(missing.stderr, /--plan, --in and --out are required[\s\S]*Usage: dataport anonymize/);
  t.equal(run('--plan', 'p', '--in', 'i', '--out', 'o', '--frob').status, 2);
});

t.test('dm.csv: every row, in order; dropped columns gone; AGE in 5-year bands; a report', { skip: unlessShared('cdiscpilot01/dm.csv') }, async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'dm.anon.csv');
  const reportPath = join(dir, 'report.json');
  const res = run('--plan', writePlan(dir, DM_PLAN), '--in', DM_CSV, '--out', out, '--report', reportPath);
  t.equal(res.status, 0, res.stderr);
  const input = await read(DM_CSV, 'csv');
  const output = await read(out, 'csv');
  t.equal(output.rows, 306);
  t.same(output.names, ['USUBJID', 'BRTHDTC', 'AGE', 'SEX', 'RACE'], 'plan columns in plan order, nothing else');
  t.same(output.columns.SEX, input.columns.SEX, 'kept values, row for row');
  t.same(output.columns.RACE, input.columns.RACE);
  t.same(output.columns.AGE, (input.columns.AGE as number[]).map(band), 'each row\'s own age band');
  t.equal(output.columns.AGE![0], '[60, 65)', 'first subject, 63');
  const tokens = output.columns.USUBJID as string[];
  t.ok(tokens.every((s) => /^[0-9a-f]{32}$/.test(s)), 'pseudonyms: 32 hex characters');
  t.equal(new Set(tokens).size, new Set(input.columns.USUBJID).size, 'distinct subjects stay distinct');
  t.notOk(tokens.includes(input.columns.USUBJID![0] as string));

  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as AnonymizeRunReport;
  t.match(report, {
    input: { path: DM_CSV, format: 'csv', delimiter: ',', rows: 306 },
    output: { path: out, format: 'csv', delimiter: ',', rows: 306, bytes: readFileSync(out).length },
    plan: { agreementId: 'offline', datasetId: 'dm.csv' },
    secret: 'random',
    anonymizer: { agreementId: 'offline', rowsIn: 306, rowsOut: 306, unlistedColumns: 22 },
  });
  t.type(report.elapsedMs, 'number');
  t.match(report.plan.hash, /^[0-9a-f]{64}$/);
  t.same(report.anonymizer.dropped.find((d) => d.name === 'SUBJID'), { name: 'SUBJID', reason: 'subject number', listed: true });
  t.same(report.anonymizer.columns.map((c) => [c.name, c.action, c.steps]), [
    ['USUBJID', 'transform', ['pseudonymize']], ['BRTHDTC', 'transform', ['dateShift']], ['AGE', 'transform', ['interval']],
    ['SEX', 'keep', []], ['RACE', 'keep', []],
  ]);
  t.match(res.stderr, /note: no --key or --secret-hex/);
  t.match(res.stderr, /306 rows\) -> .*dm\.anon\.csv \(csv, 306 rows/);
  t.match(res.stderr, /dropped: +SUBJID: subject number/);
  t.match(res.stderr, /dropped: +22 not in the plan \(fail closed\): STUDYID, DOMAIN/);
  t.match(res.stderr, /transformed: USUBJID \(pseudonymize; 306 changed\)/);
});

t.test('--key: the pseudonyms the gateway makes for the agreement, the same on every run', { skip: unlessShared('cdiscpilot01/dm.csv') }, async (t) => {
  const dir = tempDir(t);
  const identity = testIdentity(3);
  const key = join(dir, 'hospital.json');
  writeKeyFile(key, identity);
  const plan = { ...DM_PLAN, agreementId: 'urn:uuid:agreement-dm-1', datasetId: 'cdiscpilot01-dm' };
  const planPath = writePlan(dir, plan);
  const a = run('--plan', planPath, '--in', DM_CSV, '--out', join(dir, 'a.ndjson'), '--key', key);
  const b = run('--plan', planPath, '--in', DM_CSV, '--out', join(dir, 'b.ndjson'), '--key', key);
  t.equal(a.status, 0, a.stderr);
  t.equal(b.status, 0, b.stderr);
  t.notMatch(a.stderr, /random secret/);
  t.equal(readFileSync(join(dir, 'a.ndjson'), 'utf8'), readFileSync(join(dir, 'b.ndjson'), 'utf8'));
  // What the gateway computes with the secret the provider's connector hands it for this agreement.
  const secret = agreementSecret(pseudonymRoot(identity.secretKey), plan.agreementId);
  const anonymizer = createAnonymizer(plan as PipelinePlan, secret);
  const gateway: unknown[] = [];
  for await (const batch of anonymizer.run(readSource(DM_CSV, 'csv'))) gateway.push(...[...batch.getChild('USUBJID')!]);
  t.same((await read(join(dir, 'a.ndjson'), 'ndjson')).columns.USUBJID, gateway);
  // --secret-hex with that same secret gives the same output.
  const c = run('--plan', planPath, '--in', DM_CSV, '--out', join(dir, 'c.ndjson'), '--secret-hex', toHex(secret));
  t.equal(c.status, 0, c.stderr);
  t.equal(readFileSync(join(dir, 'c.ndjson'), 'utf8'), readFileSync(join(dir, 'a.ndjson'), 'utf8'));
  const short = run('--plan', planPath, '--in', DM_CSV, '--out', join(dir, 'd.csv'), '--secret-hex', 'abcd');
  t.equal(short.status, 1);
  t.match(short.stderr, /DP_ERR_INVALID_ARGUMENT.*at least 32 bytes/);
});

t.test('a ;-separated CSV is recognised from its header; .tsv output is tab-separated', async (t) => {
  const dir = tempDir(t);
  const input = join(dir, 'people.csv');
  writeFileSync(input, 'id;name;age;note\n1;"Müller; Anna";34;"said ""hi"""\n2;李雷;41;NA\n3;Zoë;29;\n');
  const plan = writePlan(dir, {
    version: 1,
    columns: [
      { name: 'name', action: 'keep' }, { name: 'age', action: 'transform', steps: [{ op: 'interval', width: 10 }] }, { name: 'note', action: 'keep' },
    ],
  });
  const out = join(dir, 'people.tsv');
  const res = run('--plan', plan, '--in', input, '--out', out, '--report', join(dir, 'r.json'));
  t.equal(res.status, 0, res.stderr);
  t.equal(readFileSync(out, 'utf8'), 'name\tage\tnote\r\nMüller; Anna\t[30, 40)\t"said ""hi"""\r\n李雷\t[40, 50)\t\r\nZoë\t[20, 30)\t\r\n');
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as AnonymizeRunReport;
  t.match(report, { input: { delimiter: ';', rows: 3 }, output: { format: 'csv', delimiter: '\t', rows: 3 } });
  // The delimiter given by name, and the output's own delimiter and null token.
  const again = run('--plan', plan, '--in', input, '--delimiter', 'semicolon', '--out', join(dir, 'p.csv'), '--out-delimiter', '|', '--null-token', 'NULL');
  t.equal(again.status, 0, again.stderr);
  t.equal(readFileSync(join(dir, 'p.csv'), 'utf8').split('\r\n')[2], '李雷|[40, 50)|NULL');
});

t.test('Dataset-JSON in and out: labels and itemOIDs carried over, dataTypes that still hold', { skip: unlessShared('dataset-json/sdtm-dm.json') }, async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'dm.anon.json');
  const plan = writePlan(dir, {
    version: 1,
    subjectColumn: 'USUBJID',
    columns: [
      { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize', length: 16 }] },
      { name: 'RFSTDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 10 }] },
      { name: 'AGE', action: 'transform', steps: [{ op: 'interval', width: 10 }] },
      { name: 'SEX', action: 'keep' },
      { name: 'ARM', action: 'keep' },
    ],
  });
  const res = run('--plan', plan, '--in', SDTM_DM, '--out', out, '--secret-hex', SECRET_HEX);
  t.equal(res.status, 0, res.stderr);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { records: number; name: string; columns: Record<string, string>[]; rows: unknown[][] };
  t.match(doc, { datasetJSONVersion: '1.1.0', records: 18, name: 'DM', itemGroupOID: 'IG.DM' });
  t.same(doc.columns, [
    { itemOID: 'IT.DM.USUBJID', name: 'USUBJID', label: 'Unique Subject Identifier', dataType: 'string' },
    { itemOID: 'IT.DM.RFSTDTC', name: 'RFSTDTC', label: 'Subject Reference Start Date/Time', dataType: 'date' },
    { itemOID: 'IT.DM.AGE', name: 'AGE', label: 'Age', dataType: 'string' },
    { itemOID: 'IT.DM.SEX', name: 'SEX', label: 'Sex', dataType: 'string' },
    { itemOID: 'IT.DM.ARM', name: 'ARM', label: 'Description of Planned Arm', dataType: 'string' },
  ], 'a pseudonym is a string; a shifted date is still a date; an age band is text');
  const input = await read(SDTM_DM, 'dataset-json');
  const output = await read(out, 'dataset-json');
  t.equal(output.rows, 18);
  t.same(output.columns.SEX, input.columns.SEX);
  t.equal(output.columns.AGE![0], '[80, 90)', 'the first subject is 84');
  t.ok((output.columns.USUBJID as string[]).every((s) => /^[0-9a-f]{16}$/.test(s)));
});

t.test('Arrow in, Arrow stream and Dataset-JSON NDJSON out', { skip: unlessShared('cdiscpilot01/dm.csv') }, async (t) => {
  const dir = tempDir(t);
  const arrowIn = join(dir, 'dm.arrow');
  await writeArrow(readSource(DM_CSV, 'csv', { batchRows: 100 }), arrowIn);
  const plan = writePlan(dir, DM_PLAN);
  const out = join(dir, 'dm.anon.arrows');
  const res = run('--plan', plan, '--in', arrowIn, '--out', out, '--secret-hex', SECRET_HEX, '--report', join(dir, 'r.json'));
  t.equal(res.status, 0, res.stderr);
  t.equal(readFileSync(out).subarray(0, 6).toString('latin1') === 'ARROW1', false, 'a stream, not a file');
  const output = await read(out, 'arrow');
  t.same(output.batches.map((b) => b.numRows), [100, 100, 100, 6], 'one output batch per input batch');
  t.same(output.batches[0]!.schema.fields.map((f) => `${f.name}:${String(f.type)}`), ['USUBJID:Utf8', 'BRTHDTC:Utf8', 'AGE:Utf8', 'SEX:Utf8', 'RACE:Utf8']);
  t.equal(output.batches[0]!.schema.metadata.get('dataport:agreementId'), 'offline');
  const input = await read(DM_CSV, 'csv');
  t.same(output.columns.AGE, (input.columns.AGE as number[]).map(band));
  t.match(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')), { input: { format: 'arrow', rows: 306 }, output: { format: 'arrow', ipc: 'stream', rows: 306 } });

  const ndjson = join(dir, 'dm.anon.ndjson');
  const res2 = run('--plan', plan, '--in', arrowIn, '--out', ndjson, '--out-format', 'dataset-json', '--secret-hex', SECRET_HEX);
  t.equal(res2.status, 0, res2.stderr);
  t.match(JSON.parse(readFileSync(ndjson, 'utf8').split('\n')[0]!), { records: 306, name: 'DM' });
  t.same((await read(ndjson, 'dataset-json')).columns.USUBJID, output.columns.USUBJID, 'same secret, same tokens');
});

t.test('a bad plan: exit 1, DP_ERR_VALIDATION naming every problem, no output', { skip: unlessShared('cdiscpilot01/dm.csv') }, async (t) => {
  const dir = tempDir(t);
  const plan = writePlan(dir, { version: 1, columns: [{ name: 'AGE', action: 'transform', steps: [{ op: 'interval' }] }, { name: 'SEX', action: 'frob' }] });
  const out = join(dir, 'out.csv');
  const res = run('--plan', plan, '--in', DM_CSV, '--out', out);
  t.equal(res.status, 1);
  t.match(res.stderr, /^dataport: DP_ERR_VALIDATION: .*plan\.json is not a valid pipeline plan:/);
  t.match(res.stderr, /- \/columns\/0\/steps\/0\/width: is required/);
  t.match(res.stderr, /- \/columns\/1\/action: must be one of "keep", "drop", "transform", not "frob"/);
  t.same(readdirSync(dir), ['plan.json']);
  writeFileSync(plan, '{"version": 1, "columns": [');
  t.match(run('--plan', plan, '--in', DM_CSV, '--out', out).stderr, /DP_ERR_VALIDATION: .*plan\.json is not JSON/);
});

t.test('missing files are DP_ERR_NOT_FOUND naming the file', async (t) => {
  const dir = tempDir(t);
  const plan = writePlan(dir, { version: 1, columns: [{ name: 'a', action: 'keep' }] });
  const noInput = run('--plan', plan, '--in', join(dir, 'absent.csv'), '--out', join(dir, 'out.csv'));
  t.equal(noInput.status, 1);
  t.match(noInput.stderr, /DP_ERR_NOT_FOUND: .*input file .*absent\.csv/);
  writeFileSync(join(dir, 'in.csv'), 'a\n1\n');
  const noPlan = run('--plan', join(dir, 'absent.json'), '--in', join(dir, 'in.csv'), '--out', join(dir, 'out.csv'));
  t.match(noPlan.stderr, /DP_ERR_NOT_FOUND: .*plan file .*absent\.json/);
  const noDir = run('--plan', plan, '--in', join(dir, 'in.csv'), '--out', join(dir, 'nope', 'out.csv'));
  t.match(noDir.stderr, /DP_ERR_NOT_FOUND: .*output directory/);
  t.same(readdirSync(dir).sort(), ['in.csv', 'plan.json']);
});

t.test('a run that fails midway leaves no output, and an earlier output as it was', async (t) => {
  const dir = tempDir(t);
  const input = join(dir, 'in.csv');
  // The first batch types `n` as int32; row 3 (the second batch) is not one.
  writeFileSync(input, 'n,s\n1,a\n2,b\nthree,c\n');
  const plan = writePlan(dir, { version: 1, columns: [{ name: 'n', action: 'keep' }, { name: 's', action: 'keep' }] });
  const out = join(dir, 'out.ndjson');
  writeFileSync(out, 'earlier\n');
  const res = run('--plan', plan, '--in', input, '--out', out, '--batch-rows', '2', '--report', join(dir, 'r.json'));
  t.equal(res.status, 1);
  t.match(res.stderr, /DP_ERR_VALIDATION: .*row 3 .*"three" is not a valid int32/);
  t.equal(readFileSync(out, 'utf8'), 'earlier\n');
  t.same(readdirSync(dir).sort(), ['in.csv', 'out.ndjson', 'plan.json'], 'no temporary file, no report');
});

t.test('the input is never overwritten; a plan column missing from the input is refused', async (t) => {
  const dir = tempDir(t);
  const input = join(dir, 'in.csv');
  writeFileSync(input, 'a\n1\n');
  const plan = writePlan(dir, { version: 1, columns: [{ name: 'a', action: 'keep' }] });
  const same = run('--plan', plan, '--in', input, '--out', input);
  t.equal(same.status, 1);
  t.match(same.stderr, /DP_ERR_INVALID_ARGUMENT: .*is the input file/);
  t.equal(readFileSync(input, 'utf8'), 'a\n1\n');
  const missing = run('--plan', writePlan(dir, { version: 1, columns: [{ name: 'b', action: 'keep' }] }, 'p2.json'), '--in', input, '--out', join(dir, 'o.csv'));
  t.match(missing.stderr, /DP_ERR_SCHEMA_MISMATCH: .*"b"/);
  t.notOk(existsSync(join(dir, 'o.csv')));
});

t.test('the README example runs', { skip: unlessShared('cdiscpilot01/dm.csv') || (existsSync(EXAMPLE_PLAN) ? false : 'examples/ is not here') }, async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'dm.anon.csv');
  const res = run('--plan', EXAMPLE_PLAN, '--in', DM_CSV, '--out', out, '--report', join(dir, 'dm.report.json'));
  t.equal(res.status, 0, res.stderr);
  const output = await read(out, 'csv');
  t.equal(output.rows, 306);
  t.same(output.names, ['USUBJID', 'SITEID', 'RFSTDTC', 'AGE', 'SEX', 'RACE', 'ETHNIC', 'ARM', 'COUNTRY']);
  t.match(JSON.parse(readFileSync(join(dir, 'dm.report.json'), 'utf8')), { plan: { datasetId: 'cdiscpilot01-dm' }, output: { rows: 306 } });
});

t.test('the example plan\'s privacy model holds on the file written (k 5, l 2 on ARM), counted here', { skip: unlessShared('cdiscpilot01/dm.csv') || (existsSync(EXAMPLE_PLAN) ? false : 'examples/ is not here') }, async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'dm.anon.csv');
  const res = run('--plan', EXAMPLE_PLAN, '--in', DM_CSV, '--out', out, '--report', join(dir, 'report.json'), '--secret-hex', SECRET_HEX);
  t.equal(res.status, 0, res.stderr);
  const input = await read(DM_CSV, 'csv');
  const output = await read(out, 'csv');
  t.equal(output.rows, input.rows, 'every record written, suppressed ones too');
  t.same(output.columns.ARM, input.columns.ARM, 'in the input\'s order');
  const quasi = ['AGE', 'SEX', 'RACE', 'ETHNIC', 'SITEID', 'COUNTRY'];
  const classes = new Map<string, string[]>();
  let starred = 0;
  for (let i = 0; i < output.rows; i++) {
    const key = quasi.map((c) => String(output.columns[c]![i]));
    if (key.every((v) => v === '*')) {
      starred++;
      continue;
    }
    classes.set(JSON.stringify(key), [...(classes.get(JSON.stringify(key)) ?? []), String(output.columns.ARM![i])]);
  }
  t.ok(starred <= Math.floor(0.04 * 306), `${starred} records suppressed`);
  for (const [key, arms] of classes) {
    t.ok(arms.length >= 5, `${key}: ${arms.length} records`);
    t.ok(new Set(arms).size >= 2, `${key}: ${new Set(arms).size} arms`);
  }
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as AnonymizeRunReport;
  t.equal(report.anonymizer.privacy?.suppressed, starred);
  t.match(res.stderr, /generalised: AGE, SEX, RACE, ETHNIC, SITEID, COUNTRY \(the privacy model, below\)/);
  t.match(res.stderr, /asked k 5, l 2 on ARM with at most 4\.0% suppressed; achieved k \d+/);
});
