// `dataport pathway`: a decision from a facts file, in words or JSON, under the shipped or a
// corrected rule set; and a decision recorded in a ledger taken again, holding or not.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ledger } from '../../gateway/ledger/ledger.js';
import { DEFAULT_RULES, exportPathway, rulesHash, type ExportFacts } from '../../policies/compliance/index.js';
import { cli, tempDir, testIdentity } from '../helpers.js';

const SHIPPED_RULES = fileURLToPath(new URL('../../policies/compliance/rules/', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'pathway', ...args], { encoding: 'utf8', timeout: 20_000 });

/** A Beijing clinical trial of 20,000 people: a standard contract under the Beijing list, an assessment under the national rules. */
const TRIAL: ExportFacts = {
  date: '2026-03-02',
  exporter: { ciio: false, zone: 'beijing-ftz', negativeList: 'beijing-ftz-2024', artefacts: { standardContract: { filingId: 'SC-7', filedOn: '2026-01-05' }, pia: { date: '2025-11-01' } } },
  transfer: { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: ['health'], personalInfo: true, sensitivePersonalInfo: true, importantData: 'none', subjects: 20_000, sensitiveSubjects: 20_000 },
  counters: { nonSensitiveSubjects: 0, sensitiveSubjects: 0 },
};

function writeFacts(t: Parameters<typeof tempDir>[0], facts: unknown): string {
  const path = join(tempDir(t), 'facts.json');
  writeFileSync(path, JSON.stringify(facts));
  return path;
}

/** The shipped rules with the Beijing list taken out: the trial falls to the national rules. */
function rulesWithoutBeijingList(t: Parameters<typeof tempDir>[0]): string {
  const dir = join(tempDir(t), 'rules');
  cpSync(SHIPPED_RULES, dir, { recursive: true });
  const path = join(dir, 'negative-lists', 'beijing-ftz-2024.json');
  const list = JSON.parse(readFileSync(path, 'utf8')) as { zones: string[] };
  writeFileSync(path, JSON.stringify({ ...list, zones: ['tianjin-ftz'] }));
  const rules = JSON.parse(readFileSync(join(dir, 'rules.json'), 'utf8')) as { version: string };
  writeFileSync(join(dir, 'rules.json'), JSON.stringify({ ...rules, version: '2026.2' }));
  return dir;
}

/** A ledger holding a test event and then a compliance.decision entry as the gateway writes it; the entry's seq. */
async function ledgerWithDecision(dir: string, decision: unknown = exportPathway(TRIAL)): Promise<number> {
  const ledger = Ledger.open(dir, { signer: testIdentity(3), checkpointIntervalMs: 0 });
  await ledger.append('test.event', { note: 'before' });
  const { seq } = await ledger.append('compliance.decision', {
    exporter: 'did:key:z6MkexampleExporter', stage: 'transfer-start', datasetId: 'trial-dm',
    facts: TRIAL, decision, rules: { version: DEFAULT_RULES.version, hash: rulesHash(DEFAULT_RULES) },
  });
  await ledger.close();
  return seq;
}

t.test('--facts prints the pathway, the rule set, the trace, what is required and missing', async (t) => {
  const res = run('--facts', writeFacts(t, TRIAL));
  t.equal(res.status, 0, res.stderr);
  const lines = res.stdout.split('\n');
  t.equal(lines[0], 'pathway: standard-contract-or-certification (satisfied)');
  t.equal(lines[1], `rule set: 2026.1 (sha256 ${rulesHash(DEFAULT_RULES)})`);
  t.equal(lines[2], 'rules:');
  t.match(lines[3], /^ {2}FTZ-LIST \(Provisions Art 6\): pharmaceuticals \/ clinical-trial is on list beijing-ftz-2024, entry clinical-trial-pi-contract .*\[low confidence: /);
  t.equal(lines[4], '  VALIDITY (Provisions Art 9; Cert. Measures): standard-contract filing SC-7 is on file since 2026-01-05');
  t.match(lines[5], /^ {2}ALWAYS-PI \(PIPL Arts 39, 55, 56; Provisions Art 10\): personal information of 20,000 individuals leaves/);
  t.same(lines.slice(6), ['required: standard-contract-or-certification, notice, separate-consent, pia', 'missing: (none)', 'warnings: (none)', '']);
});

t.test('--facts --json prints the decision exportPathway gives', async (t) => {
  const res = run('--facts', writeFacts(t, TRIAL), '--json');
  t.equal(res.status, 0, res.stderr);
  t.same(JSON.parse(res.stdout), exportPathway(TRIAL));
});

t.test('--rules decides under a rule directory of the same layout', async (t) => {
  const res = run('--facts', writeFacts(t, TRIAL), '--rules', rulesWithoutBeijingList(t), '--json');
  t.equal(res.status, 0, res.stderr);
  const d = JSON.parse(res.stdout) as { pathway: string; satisfied: boolean; missing: string[]; rules: { id: string }[] };
  t.same({ pathway: d.pathway, satisfied: d.satisfied, missing: d.missing, rule: d.rules[0]!.id }, { pathway: 'security-assessment', satisfied: false, missing: ['security-assessment'], rule: 'VOLUME-SA' });
});

t.test('missing facts print needs-info naming them', async (t) => {
  const { date: _, ...undated } = TRIAL;
  const res = run('--facts', writeFacts(t, undated));
  t.equal(res.status, 0, res.stderr);
  t.match(res.stdout, /^pathway: needs-info \(not satisfied\)\n/);
  t.match(res.stdout, /\nmissing: date\n/);
});

t.test('malformed facts and a broken rule directory exit 1 naming the problem', async (t) => {
  const bad = run('--facts', writeFacts(t, { ...TRIAL, exporter: { ...TRIAL.exporter, ciio: 'no' } }));
  t.equal(bad.status, 1);
  t.match(bad.stderr, /DP_ERR_VALIDATION: .*exporter\.ciio must be true or false, not "no"/);
  const notJson = join(tempDir(t), 'facts.json');
  writeFileSync(notJson, '{');
  t.match(run('--facts', notJson).stderr, /DP_ERR_VALIDATION: .*is not JSON/);
  const rules = rulesWithoutBeijingList(t);
  writeFileSync(join(rules, 'automotive-important.json'), '[]');
  const broken = run('--facts', writeFacts(t, TRIAL), '--rules', rules);
  t.equal(broken.status, 1);
  t.match(broken.stderr, /DP_ERR_VALIDATION: .*rule file automotive-important\.json: \(root\): must be object/);
});

t.test('usage errors exit 2 with the command\'s help', async (t) => {
  const rows: [string[], RegExp][] = [
    [[], /give --facts FILE or --replay LEDGER_DIR --seq N/],
    [['--facts', 'a.json', '--replay', 'dir'], /give --facts FILE or --replay LEDGER_DIR --seq N/],
    [['--replay', 'dir'], /--replay needs --seq N, a ledger entry number/],
    [['--replay', 'dir', '--seq', 'three'], /--replay needs --seq N, a ledger entry number, not three/],
    [['--facts', 'a.json', '--seq', '1'], /--seq goes with --replay/],
    [['--facts', '/nonexistent/facts.json'], /cannot read the facts file \/nonexistent\/facts\.json/],
    [['--colour'], /Unknown option '--colour'/],
  ];
  for (const [args, message] of rows) {
    const res = run(...args);
    t.equal(res.status, 2, args.join(' '));
    t.match(res.stderr, message, args.join(' '));
    t.match(res.stderr, /Usage: dataport pathway --facts facts\.json/, args.join(' '));
  }
  const help = run('--help');
  t.equal(help.status, 0);
  t.match(help.stdout, /^Usage: dataport pathway --facts facts\.json \[--rules DIR\] \[--json\]/);
});

t.test('the main help lists the pathway command', async (t) => {
  const res = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  t.match(res.stdout, /dataport pathway --facts facts\.json \[--rules DIR\] \[--json\]/);
  t.match(res.stdout, /dataport pathway --replay <ledger dir> --seq N \[--rules DIR\] \[--json\]/);
});

t.test('--replay: a recorded decision that still holds exits 0', async (t) => {
  const dir = tempDir(t);
  const seq = await ledgerWithDecision(dir);
  const res = run('--replay', dir, '--seq', String(seq));
  t.equal(res.status, 0, res.stderr);
  const lines = res.stdout.split('\n');
  t.match(lines[0], new RegExp(`^ledger entry ${seq} \\(\\d{4}-\\d{2}-\\d{2}T[^)]+\\): recorded standard-contract-or-certification, satisfied, rules FTZ-LIST, VALIDITY, ALWAYS-PI$`));
  t.equal(lines[1], `rule set: 2026.1 (sha256 ${rulesHash(DEFAULT_RULES)}), the one recorded`);
  t.equal(lines[2], 'now: standard-contract-or-certification, satisfied, rules FTZ-LIST, VALIDITY, ALWAYS-PI');
  t.equal(lines[3], 'the recorded decision holds');
});

t.test('--replay under another rule set: the decision no longer holds, exit 1, naming the differences and both rule sets', async (t) => {
  const dir = tempDir(t);
  const seq = await ledgerWithDecision(dir);
  const rules = rulesWithoutBeijingList(t);
  const res = run('--replay', dir, '--seq', String(seq), '--rules', rules);
  t.equal(res.status, 1, res.stderr);
  t.match(res.stdout, new RegExp(`\\nrule set: recorded 2026\\.1 \\(sha256 ${rulesHash(DEFAULT_RULES)}\\), now 2026\\.2 \\(sha256 [0-9a-f]{64}\\)\\n`));
  t.match(res.stdout, /\nthe recorded decision does not hold:\n {2}pathway: recorded standard-contract-or-certification, now security-assessment\n {2}satisfied: recorded true, now false\n {2}rules: recorded FTZ-LIST, VALIDITY, ALWAYS-PI, now VOLUME-SA, FTZ-LIST, VALIDITY, ALWAYS-PI\n$/);
});

t.test('--replay --json gives the comparison as data', async (t) => {
  const dir = tempDir(t);
  const seq = await ledgerWithDecision(dir);
  const res = run('--replay', dir, '--seq', String(seq), '--json');
  t.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout) as Record<string, unknown>;
  t.same({ seq: out['seq'], holds: out['holds'], differences: out['differences'], recorded: out['recorded'], current: out['current'], rules: out['rules'] }, {
    seq, holds: true, differences: [],
    recorded: { pathway: 'standard-contract-or-certification', satisfied: true, rules: ['FTZ-LIST', 'VALIDITY', 'ALWAYS-PI'] },
    current: exportPathway(TRIAL),
    rules: { recorded: { version: '2026.1', hash: rulesHash(DEFAULT_RULES) }, current: { version: '2026.1', hash: rulesHash(DEFAULT_RULES) }, same: true },
  });
});

t.test('--replay of a recorded decision the facts never gave exits 1', async (t) => {
  const dir = tempDir(t);
  const seq = await ledgerWithDecision(dir, { ...exportPathway(TRIAL), pathway: 'exempt' });
  const res = run('--replay', dir, '--seq', String(seq));
  t.equal(res.status, 1);
  t.match(res.stdout, /\n {2}pathway: recorded exempt, now standard-contract-or-certification\n$/);
});

t.test('--replay accepts the gateway data directory holding ledger/', async (t) => {
  const data = tempDir(t);
  const seq = await ledgerWithDecision(join(data, 'ledger'));
  t.equal(run('--replay', data, '--seq', String(seq)).status, 0);
});

t.test('--replay of an entry that is not a decision, or of none, exits 2', async (t) => {
  const dir = tempDir(t);
  const seq = await ledgerWithDecision(dir);
  const other = run('--replay', dir, '--seq', String(seq - 1));
  t.equal(other.status, 2);
  t.match(other.stderr, new RegExp(`ledger entry ${seq - 1} is a test\\.event, not a compliance\\.decision`));
  const none = run('--replay', dir, '--seq', '99');
  t.equal(none.status, 2);
  t.match(none.stderr, /the ledger in .* has no entry 99/);
});

t.test('--replay of a decision entry without its facts exits 1 naming the form', async (t) => {
  const dir = tempDir(t);
  const ledger = Ledger.open(dir, { signer: testIdentity(3), checkpointIntervalMs: 0 });
  const { seq } = await ledger.append('compliance.decision', { decision: { pathway: 'exempt' } });
  await ledger.close();
  const res = run('--replay', dir, '--seq', String(seq));
  t.equal(res.status, 1);
  t.match(res.stderr, /DP_ERR_LEDGER_ENTRY_INVALID: .*ledger entry \d+ is not a compliance\.decision of the form \{ facts, decision: \{ pathway, satisfied, rules \}, rules: \{ version, hash \} \}/);
});
