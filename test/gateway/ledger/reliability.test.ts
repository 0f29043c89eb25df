import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger } from '../../../gateway/ledger/ledger.js';
import { verifyLedger } from '../../../gateway/ledger/verify.js';
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from '../../../gateway/ledger/format.js';
import { cli, tempDir, testIdentity } from '../../helpers.js';

const child = new URL('./crash-child.js', import.meta.url).pathname;

/** Runs the child until it has acknowledged some appends, then kills it with SIGKILL. */
function runAndKill(dir: string, run: number, delayMs: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir, String(run)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acks = new Map<number, string>();
    let buffered = '';
    let timer: NodeJS.Timeout | undefined;
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ready')) {
          timer = setTimeout(() => proc.kill('SIGKILL'), delayMs);
          continue;
        }
        const [seq, tag] = line.split(' ');
        acks.set(Number(seq), tag!);
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}`));
      else resolve(acks); // a partial line at the kill was never a complete acknowledgement
    });
  });
}

t.test('kill -9 at random moments, 24 times: every acknowledged entry survives and the ledger verifies', async (t) => {
  const dir = tempDir(t);
  const signer = testIdentity(9);
  const all = new Map<number, string>();
  let recovered = 0;
  for (let run = 0; run < 24; run++) {
    const acks = await runAndKill(dir, run, 20 + Math.floor(Math.random() * 200));
    for (const [seq, tag] of acks) all.set(seq, tag);
    const ledger = Ledger.open(dir, { signer, checkpointIntervalMs: 0 });
    if (ledger.recovery.notes.length) recovered++;
    const maxAck = Math.max(-1, ...acks.keys());
    if (ledger.size <= maxAck) t.fail(`run ${run}: size ${ledger.size} lost acknowledged entry ${maxAck}`);
    let lost = 0;
    for (const [seq, tag] of all) {
      if (seq >= ledger.size || (ledger.get(seq).body as { tag: string }).tag !== tag) lost++;
    }
    t.equal(lost, 0, `run ${run}: all ${all.size} acknowledged entries present (${acks.size} new, size ${ledger.size})`);
    await ledger.close();
    const report = verifyLedger(dir, { key: signer.did });
    t.ok(report.ok, `run ${run}: ${report.summary}`);
  }
  t.ok(all.size > 24, `${all.size} acknowledged appends over 24 crashes (${recovered} reopenings recovered something)`);
});

/** Which entry a byte offset of a single-segment ledger belongs to. */
function entryAt(segment: Buffer, offset: number): number {
  if (offset < SEGMENT_HEADER_SIZE) return 0;
  let pos = SEGMENT_HEADER_SIZE;
  for (let seq = 0; ; seq++) {
    const end = pos + RECORD_HEADER_SIZE + segment.readUInt32BE(pos);
    if (offset < end) return seq;
    pos = end;
  }
}

t.test('one flipped byte anywhere in a segment: verify fails naming the entry that holds it', async (t) => {
  const dir = tempDir(t);
  const signer = testIdentity(9);
  const ledger = Ledger.open(dir, { signer, checkpointIntervalMs: 0 });
  for (let i = 0; i < 5; i++) await ledger.append('test.event', { i, text: 'abc'.repeat(i) });
  await ledger.close();
  const segPath = join(dir, 'segments', readdirSync(join(dir, 'segments'))[0]!);
  const original = readFileSync(segPath);
  const copy = tempDir(t);
  let checked = 0;
  cpSync(dir, copy, { recursive: true });
  const copySeg = join(copy, 'segments', readdirSync(join(dir, 'segments'))[0]!);
  for (let offset = 0; offset < original.length; offset++) {
    const mask = offset % 2 === 0 ? 0x01 : 0x80; // low and high bits, alternately
    const bytes = Buffer.from(original);
    bytes[offset] = bytes[offset]! ^ mask;
    writeFileSync(copySeg, bytes);
    const report = verifyLedger(copy, { key: signer.did });
    const want = entryAt(original, offset);
    if (report.ok || report.bad?.seq !== want) t.fail(`byte ${offset} ^ ${mask}: ${report.summary}, want entry ${want}`);
    checked++;
  }
  t.equal(checked, original.length, `all ${checked} single-byte flips detected and located`);
});

t.test('dataport ledger verify: exit 0 with a one-line summary, exit 1 naming the bad entry', async (t) => {
  const dir = tempDir(t);
  const signer = testIdentity(9);
  const ledger = Ledger.open(dir, { signer, checkpointIntervalMs: 0 });
  for (let i = 0; i < 20; i++) await ledger.append('test.event', { i });
  const target = ledger.get(13).raw;
  await ledger.close();
  const good = spawnSync(process.execPath, [cli, 'ledger', 'verify', dir, '--key', signer.did], { encoding: 'utf8' });
  t.equal(good.status, 0, good.stderr);
  t.match(good.stdout, /^ok: 20 entries, root \S+, 1 signed checkpoints verified \(newest at size 20\)/);
  t.equal(good.stdout.trim().split('\n').length, 1, 'one line');

  const other = spawnSync(process.execPath, [cli, 'ledger', 'verify', dir, '--key', testIdentity(10).did], { encoding: 'utf8' });
  t.equal(other.status, 1, 'a checkpoint signed by another key fails');
  t.match(other.stdout, /checkpoint #0/);

  const segPath = join(dir, 'segments', readdirSync(join(dir, 'segments'))[0]!);
  const bytes = readFileSync(segPath);
  const at = bytes.indexOf(Buffer.from(target)) + 60;
  bytes[at] = bytes[at]! ^ 0x20;
  writeFileSync(segPath, bytes);
  const bad = spawnSync(process.execPath, [cli, 'ledger', 'verify', dir], { encoding: 'utf8' });
  t.equal(bad.status, 1);
  t.match(bad.stdout, /^FAILED: entry 13: /);
  t.ok(statSync(segPath).size > 0);
});
