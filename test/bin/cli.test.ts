import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyFromDid } from '../../crypto/identity.js';
import { readKeyFile } from '../../gateway/key-file.js';
import { Ledger } from '../../gateway/ledger/ledger.js';
import { cli, tempDir, testIdentity } from '../helpers.js';

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });

t.test('keygen writes an owner-only key file naming a did:key', async (t) => {
  const out = join(tempDir(t), 'key.json');
  const res = run('keygen', '--out', out);
  t.equal(res.status, 0, res.stderr);
  const did = res.stdout.split('\n')[0]!;
  t.match(did, /^did:key:z6Mk/);
  t.equal(statSync(out).mode & 0o777, 0o600);
  t.equal(readKeyFile(out).did, did);
  t.equal(publicKeyFromDid(did).length, 32);
});

t.test('keygen refuses to overwrite an existing key', async (t) => {
  const out = join(tempDir(t), 'key.json');
  t.equal(run('keygen', '--out', out).status, 0);
  const before = readFileSync(out, 'utf8');
  const again = run('keygen', '--out', out);
  t.equal(again.status, 1);
  t.match(again.stderr, /already exists/);
  t.equal(readFileSync(out, 'utf8'), before);
});

t.test('a world-readable key file is refused with a clear message', async (t) => {
  const out = join(tempDir(t), 'key.json');
  run('keygen', '--out', out);
  chmodSync(out, 0o644);
  t.throws(() => readKeyFile(out), { code: 'DP_ERR_KEY_FILE_PERMISSIONS', message: /chmod 600/ });
});

t.test('a malformed key file is refused with a clear message', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'gateway-key.json');
  run('keygen', '--out', out);
  writeFileSync(out, '{"type":"dataport-ed25519-key"', { mode: 0o600 });
  t.throws(() => readKeyFile(out), { code: 'DP_ERR_KEY_FILE_INVALID' });
  const start = run('start', '--data-dir', dir, '--port', '0');
  t.not(start.status, 0, 'the gateway will not start on it');
});

t.test('unknown commands and bad options exit 2 with usage', async (t) => {
  const res = run('frobnicate');
  t.equal(res.status, 2);
  t.match(res.stderr, /unknown command frobnicate/);
  t.equal(run('ledger', 'show', '.', '--from', 'x').status, 2);
  t.equal(run('keygen').status, 2);
});

t.test('dataport start serves, and SIGTERM shuts down cleanly with the ledger flushed', async (t) => {
  const dataDir = tempDir(t);
  const proc = spawn(process.execPath, [cli, 'start', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  t.same(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
  const logs: string[] = [];
  proc.stdout.on('data', (c: string) => logs.push(c));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  t.equal(await exit, 0);
  t.ok(logs.join('').split('\n').filter(Boolean).every((l) => JSON.parse(l)), 'logs are JSON lines');
  const key = readKeyFile(join(dataDir, 'gateway-key.json'));
  const verify = run('ledger', 'verify', dataDir, '--key', key.did);
  t.equal(verify.status, 0, verify.stdout);
  t.match(verify.stdout, /^ok: 2 entries/);
  const shown = run('ledger', 'show', dataDir, '--json');
  const types = shown.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
  t.same(types, ['gateway.started', 'gateway.stopped']);
});

t.test('ledger show prints a window of entries', async (t) => {
  const dir = tempDir(t);
  const ledger = Ledger.open(dir, { signer: testIdentity(4), checkpointIntervalMs: 0 });
  for (let i = 0; i < 10; i++) await ledger.append('test.event', { i });
  await ledger.close();
  const res = run('ledger', 'show', dir, '--from', '4', '--limit', '3');
  t.equal(res.status, 0);
  const lines = res.stdout.trim().split('\n');
  t.equal(lines.length, 3);
  t.match(lines[0]!, /^#4 \S+ test\.event \{"i":4\}$/);
  t.match(lines[2]!, /^#6 /);
});

t.test('every command answers --help with its own usage lines and exit 0', async (t) => {
  for (const [command, line] of [['start', /dataport start \[--data-dir DIR\]/], ['transfer', /dataport transfer --agreement ID --out FILE/], ['ledger', /dataport ledger verify <dir>/], ['aggregate', /dataport aggregate open --agreement ID/], ['approve', /approve PID/]] as const) {
    const res = spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' });
    t.equal(res.status, 0, command);
    t.match(res.stdout, line, command);
    t.notMatch(res.stdout, /dataport keygen/, `${command}: only its own lines`);
  }
  const unknown = spawnSync(process.execPath, [cli, 'frobnicate', '--help'], { encoding: 'utf8' });
  t.equal(unknown.status, 2);
});
