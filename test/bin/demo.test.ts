// `dataport demo pharma|telemetry`: the whole flow in one process, run as a user would run it.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { vinWithCheckDigit } from '../../bin/demo/data.js';
import type { PharmaResult } from '../../bin/demo/pharma.js';
import type { TelemetryResult } from '../../bin/demo/telemetry.js';
import { detectIdentifiers } from '../../gateway/pipeline/detect/index.js';
import { cli, repoRoot } from '../helpers.js';

const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'demo', ...args], { encoding: 'utf8', timeout: 60_000 });
/** Runs a demo with --json; its result, or the exit status and stderr that explain why there is none. */
function json<R>(...args: string[]): R {
  const r = run(...args, '--json');
  if (r.status !== 0) throw new Error(`dataport demo ${args.join(' ')} --json: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as R;
}

const SHARED = [join(repoRoot, '..', 'shared', 'data'), join(process.cwd(), '..', 'shared', 'data')].find((d) => existsSync(join(d, 'cdiscpilot01', 'ae.csv')) && existsSync(join(d, 'geolife', 'plt')));
const noShared = SHARED ? false : 'the real data (../shared/data) is not here: skipping the --data runs';

t.test('demo pharma on the bundled data: k-anonymous DM under a standard contract, a verified receipt, aggregation across three sites, a verified ledger', async (t) => {
  const r = json<PharmaResult & { seconds: number }>('pharma');
  t.match(r.data, { subjects: 300, source: /synthetic/ });
  t.match(r.compliance, { stage: 'negotiation', pathway: 'standard-contract-or-certification', satisfied: true, decisiveRule: { id: 'VOLUME-CONTRACT' }, missing: [] });
  t.match(r.negotiation, { datasetId: 'trial-dm', catalog: { datasets: 1 } });
  t.equal(r.negotiation.signedBy.length, 2, 'signed by provider and consumer');
  t.match(r.transfer, { rowsIn: 300, rowsOut: 300 });
  t.ok(r.transfer.privacy!.achievedK >= 5, `k achieved ${r.transfer.privacy!.achievedK} >= 5`);
  t.ok(r.transfer.privacy!.l['ARM']! >= 2, 'l >= 2 on ARM');
  t.ok(r.transfer.privacy!.suppressed <= 0.1 * 300, 'at most 10% suppressed, the limit of the offer');
  t.notOk(r.transfer.columnsOut.includes('BRTHDTC') || r.transfer.columnsOut.includes('SUBJID'), 'birth date and subject number stay home');
  t.same(r.transfer.dropped.filter((d) => d.listed).map((d) => d.name), ['SUBJID', 'BRTHDTC']);
  t.same(r.transfer.dropped.filter((d) => !d.listed).map((d) => d.name), ['STUDYID', 'DOMAIN', 'AGEU', 'ARMCD'], 'columns the plan does not name: fail closed');
  t.match(r.transfer.transformed.find((c) => c.name === 'USUBJID'), { steps: ['pseudonymize'], changed: 300, nulled: 0 });
  t.match(r.transfer.receipt, { verified: true });
  t.ok(r.transfer.receipt.ledgerSeq > r.compliance.seq, 'the completion entry comes after the decision');
  t.equal(r.aggregation.sites.length, 3);
  t.equal(r.aggregation.cells, 30, '10 body systems x 3 arms');
  t.equal(r.aggregation.top.length, 5);
  t.match(r.aggregation.noise, { mechanism: 'discrete-laplace', scale: 1, confidence: 0.95 });
  t.ok(r.aggregation.withinBound >= 24, `most cells within the 95% bound (${r.aggregation.withinBound} of 30)`);
  t.match(r.ledger, { ok: true, rootHash: /^[A-Za-z0-9+/]{43}=$/ });
  t.ok(r.ledger.size > r.transfer.receipt.ledgerSeq);
  t.ok(r.seconds < 30, `ran in ${r.seconds.toFixed(1)} s`);
});

t.test('demo telemetry on the bundled data: trip ends trimmed, VINs tokenised (none lost), positions as cells, a verified receipt and ledger', async (t) => {
  const r = json<TelemetryResult>('telemetry');
  t.match(r.data, { vehicles: 8, source: /synthetic/ });
  t.match(r.compliance, { pathway: 'standard-contract-or-certification', satisfied: true });
  t.match(r.transfer.trajectory, { vehicles: 8, trips: 24, pointsIn: r.transfer.rowsIn, pointsOut: r.transfer.rowsOut });
  t.ok(r.transfer.trajectory!.droppedTrim > 0 && r.transfer.rowsOut < r.transfer.rowsIn, 'points near trip ends stay home');
  t.same(r.transfer.columnsOut, ['vin', 'plate', 'tracked_at', 'latitude', 'speed_kmh', 'heading_deg', 'note']);
  t.match(r.transfer.dropped, [{ name: 'longitude', listed: true }]);
  const step = (name: string) => r.transfer.transformed.find((c) => c.name === name);
  t.match(step('vin'), { steps: ['formatToken'], changed: r.transfer.rowsOut, nulled: 0 }, 'every VIN has a valid check digit, so every one is tokenised');
  t.match(step('plate'), { steps: ['pseudonymize'], nulled: 0 });
  t.ok(step('note')!.changed > 0, 'identifiers scrubbed from some notes');
  t.match(r.transfer.receipt, { verified: true });
  t.equal(r.ledger.ok, true);
});

t.test('the human summary says what left, what was removed and why, the k achieved, the pathway and the ledger root', async (t) => {
  const r = run('pharma');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /compliance \(ledger entry \d+\): pathway standard-contract-or-certification, satisfied/);
  t.match(r.stdout, /dropped: +BRTHDTC: /);
  t.match(r.stdout, /achieved k \d+, l \d+ on ARM/);
  t.match(r.stdout, /receipt verified: ledger entry \d+/);
  t.match(r.stdout, /aggregation: .* across sites \d+, \d+, \d+/);
  t.match(r.stdout, /ledger: \d+ entries, root \S+; verified/);
});

t.test('the bundled VINs carry ISO 3779 check digits, as the tokeniser requires', async (t) => {
  t.equal(vinWithCheckDigit('1M8GDM9A0KP042788'), '1M8GDM9AXKP042788', 'the standard example (check digit X)');
  const vin = vinWithCheckDigit('LFVABCDE0PA123456');
  t.same(detectIdentifiers(`service booked for ${vin}`).map((s) => s.type), ['vin']);
});

t.test('refusals: an unknown demo is a usage error (2); a --data directory without the files is DP_ERR_NOT_FOUND (1)', async (t) => {
  const unknown = run('banking');
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /demo needs pharma or telemetry/);
  const missing = run('pharma', '--data', join(repoRoot, 'no-such-dir'));
  t.equal(missing.status, 1);
  t.match(missing.stderr, /DP_ERR_NOT_FOUND: .*--data .*no cdiscpilot01\/dm\.csv/);
});

t.test('--serve keeps the gateway up until SIGTERM, then exits 0', async (t) => {
  const child = spawn(process.execPath, [cli, 'demo', 'telemetry', '--serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving: gateway (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before serving: ${out}`)));
  });
  const health = await fetch(`${url}/healthz`);
  t.equal(health.status, 200);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  t.equal(await exited, 0);
  t.match(out, /SIGTERM: closing/);
});

t.test('demo pharma --data ../shared/data: the CDISC pilot files', { skip: noShared }, async (t) => {
  const r = json<PharmaResult>('pharma', '--data', SHARED!);
  t.match(r.data, { subjects: 306, adverseEvents: 1191 });
  t.match(r.transfer, { rowsIn: 306, rowsOut: 306 });
  t.ok(r.transfer.privacy!.achievedK >= 5);
  t.equal(r.transfer.dropped.filter((d) => !d.listed).length, 17, "the pilot's 17 columns no rule names");
  t.equal(r.aggregation.sites.length, 3);
  t.ok(r.aggregation.cells > 0);
  t.equal(r.ledger.ok, true);
});

t.test('demo telemetry --data ../shared/data: the GeoLife traces', { skip: noShared }, async (t) => {
  const r = json<TelemetryResult>('telemetry', '--data', SHARED!);
  t.match(r.transfer, { rowsIn: 164531, rowsOut: 96128 });
  t.match(r.transfer.trajectory, { vehicles: 11, trips: 481, droppedTrim: 68403 });
  t.equal(r.ledger.ok, true);
});
