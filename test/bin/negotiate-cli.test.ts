import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, repoRoot, tempDir } from '../helpers.js';

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });

/** Starts a long-running dataport command and resolves with the first match of `pattern` in its output. */
function serve(t: Parameters<typeof tempDir>[0], args: string[], pattern: RegExp): Promise<{ proc: ChildProcess; match: string }> {
  const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    proc.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = pattern.exec(out);
      if (m) resolve({ proc, match: m[1]! });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`dataport ${args[0]} exited ${code}: ${out}`)));
  });
}

t.test('a provider and a consumer negotiate with the command line, as the README shows', async (t) => {
  const dir = tempDir(t);
  const hospital = join(dir, 'hospital.json');
  const sponsor = join(dir, 'sponsor.json');
  t.equal(run('keygen', '--out', hospital).status, 0);
  t.equal(run('keygen', '--out', sponsor).status, 0);
  const { match: gateway } = await serve(t, ['start', '--data-dir', join(dir, 'gw'), '--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  // The provider's connector serves a small DM-shaped file for the dataset (real rows need ../shared).
  const dm = join(dir, 'dm.csv');
  writeFileSync(dm, ['STUDYID,USUBJID,SITEID,BRTHDTC,AGE,SEX,RACE,ETHNIC,ARM,COUNTRY',
    ...Array.from({ length: 40 }, (_, i) => `CDISCPILOT01,01-701-${1000 + i},701,19${30 + (i % 40)}-0${1 + (i % 9)}-1${i % 10},${50 + (i % 30)},${i % 2 ? 'F' : 'M'},WHITE,NOT HISPANIC OR LATINO,Placebo,USA`)].join('\n') + '\n');
  const { match: callback } = await serve(t, ['connector', '--gateway', gateway, '--identity', hospital, '--port', '0', '--data', `cdiscpilot01-dm=${dm}`], /callback address (http:\S+)/);

  const ex = (f: string) => join(repoRoot, 'examples', f);
  const reg = run('register', '--gateway', gateway, '--identity', hospital, '--profile', ex('hospital.profile.json'), '--callback', callback);
  t.equal(reg.status, 0, reg.stderr);
  t.match(reg.stdout, /^registered did:key:z6Mk\S+ as provider/);
  const pub = run('publish', ex('dm.dataset.json'), '--gateway', gateway, '--identity', hospital);
  t.equal(pub.status, 0, pub.stderr);
  t.match(pub.stdout, /published cdiscpilot01-dm/);
  t.equal(run('register', '--gateway', gateway, '--identity', sponsor, '--profile', ex('sponsor.profile.json')).status, 0);

  const cat = run('catalog', '--gateway', gateway, '--identity', sponsor);
  t.equal(cat.status, 0, cat.stderr);
  t.match(cat.stdout, /cdiscpilot01-dm\s+CDISC pilot study/);
  t.match(cat.stdout, /cdiscpilot01-dm:offer:research-eu/);

  const neg = run('negotiate', '--gateway', gateway, '--identity', sponsor, '--dataset', 'cdiscpilot01-dm', '--offer', 'cdiscpilot01-dm:offer:research-eu', '--purpose', 'clinical-research', '--json');
  t.equal(neg.status, 0, neg.stderr);
  const result = JSON.parse(neg.stdout) as { state: string; agreement: { '@id': string; target: string; obligation: unknown[] }; signatures: { signer: string }[] };
  t.equal(result.state, 'FINALIZED');
  t.equal(result.agreement.target, 'cdiscpilot01-dm');
  t.equal(result.signatures.length, 2);

  const out = join(dir, 'dm.arrows');
  const tr = run('transfer', '--gateway', gateway, '--identity', sponsor, '--agreement', result.agreement['@id'], '--out', out);
  t.equal(tr.status, 0, tr.stderr);
  t.match(tr.stdout, /^40 rows \(\d+ bytes\) written to .*dm\.arrows\n  receipt verified: ledger entry \d+, plan [0-9a-f]{16}/);
  t.match(tr.stderr, /40 rows .* rows\/s/, 'a progress line');
  const { tableFromIPC } = await import('apache-arrow');
  const table = tableFromIPC(readFileSync(out));
  t.equal(table.numRows, 40);
  t.same(table.schema.fields.map((f) => f.name), ['USUBJID', 'SITEID', 'BRTHDTC', 'AGE', 'SEX', 'RACE', 'ETHNIC', 'ARM', 'COUNTRY'], 'STUDYID (not in the published schema) never left');
  t.notOk(String(table.getChild('USUBJID')!.get(0)).startsWith('01-701'), 'subject ids left as tokens');

  const denied = run('negotiate', '--gateway', gateway, '--identity', sponsor, '--dataset', 'cdiscpilot01-dm', '--offer', 'cdiscpilot01-dm:offer:research-eu', '--purpose', 'marketing');
  t.equal(denied.status, 1);
  t.match(denied.stderr, /DP_ERR_POLICY_DENIED: .*purpose/);
});
