import t from 'tap';
import { appendFileSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger } from '../../../gateway/ledger/ledger.js';
import { verifyLedger } from '../../../gateway/ledger/verify.js';
import { leafHash, merkleRoot, verifyConsistency, verifyInclusion } from '../../../crypto/merkle.js';
import { verifyCheckpoint } from '../../../crypto/checkpoint.js';
import { tempDir, testIdentity } from '../../helpers.js';

const signer = testIdentity(7);
const open = (dir: string, extra: Partial<Parameters<typeof Ledger.open>[1]> = {}) => Ledger.open(dir, { signer, checkpointIntervalMs: 0, ...extra });

async function filled(dir: string, n: number, extra = {}): Promise<Ledger> {
  const ledger = open(dir, extra);
  await Promise.all(Array.from({ length: n }, (_, i) => ledger.append('test.event', { i, note: `entry ${i}` })));
  return ledger;
}

t.test('appends get consecutive sequence numbers in call order and are readable back', async (t) => {
  const ledger = await filled(tempDir(t), 10);
  t.equal(ledger.size, 10);
  const e = ledger.get(3);
  t.equal(e.seq, 3);
  t.equal(e.type, 'test.event');
  t.same(e.body, { i: 3, note: 'entry 3' });
  t.same(e.prev, ledger.get(2).leafHash, 'each entry carries the leaf hash of its predecessor');
  t.same(ledger.get(0).prev, new Uint8Array(32), 'entry 0 starts the chain with zeros');
  t.same(e.leafHash, leafHash(e.raw));
  await ledger.close();
});

t.test('the root is the RFC 9162 root of the entries leaf hashes', async (t) => {
  const ledger = await filled(tempDir(t), 37);
  const leaves = Array.from({ length: 37 }, (_, i) => ledger.get(i).leafHash);
  t.same(ledger.root(), merkleRoot(leaves));
  t.same(ledger.root(20), merkleRoot(leaves.slice(0, 20)));
  await ledger.close();
});

t.test('inclusion and consistency proofs verify for every entry and size', async (t) => {
  const ledger = await filled(tempDir(t), 45);
  for (let size = 1; size <= 45; size++) {
    const root = ledger.root(size);
    for (let seq = 0; seq < size; seq++) {
      if (!verifyInclusion(seq, size, ledger.get(seq).leafHash, ledger.inclusionProof(seq, size), root)) t.fail(`inclusion ${seq}/${size}`);
    }
    for (let from = 1; from <= size; from++) {
      if (!verifyConsistency(from, size, ledger.root(from), root, ledger.consistencyProof(from, size))) t.fail(`consistency ${from}->${size}`);
    }
  }
  t.notOk(verifyInclusion(3, 45, ledger.get(4).leafHash, ledger.inclusionProof(3, 45), ledger.root()), 'a proof does not fit another entry');
  t.throws(() => ledger.inclusionProof(45, 45), { code: 'DP_ERR_PROOF_RANGE' });
  t.throws(() => ledger.consistencyProof(10, 46), { code: 'DP_ERR_PROOF_RANGE' });
  await ledger.close();
});

t.test('the checkpoint is a signed note of the current size and root', async (t) => {
  const ledger = await filled(tempDir(t), 5);
  const cp = ledger.checkpoint();
  const parsed = verifyCheckpoint(cp.note, { name: ledger.meta.origin, publicKey: signer.publicKey }, ledger.meta.origin);
  t.equal(parsed.size, 5);
  t.same(parsed.rootHash, ledger.root());
  t.equal(ledger.checkpoint(), cp, 'an unchanged ledger reuses its checkpoint');
  await ledger.append('test.event', {});
  t.equal(ledger.checkpoint().size, 6);
  await ledger.close();
});

t.test('a ledger reopens with its entries, root and chain, and continues', async (t) => {
  const dir = tempDir(t);
  const first = await filled(dir, 20);
  const root = first.root();
  await first.close();
  const again = open(dir);
  t.equal(again.size, 20);
  t.same(again.root(), root);
  t.same(again.recovery.notes, [], 'a clean close needs no recovery');
  const { seq } = await again.append('test.event', { after: 'reopen' });
  t.equal(seq, 20);
  t.same(again.get(20).prev, again.get(19).leafHash);
  await again.close();
  t.ok(verifyLedger(dir, { key: signer.did }).ok);
});

t.test('entries spread over several segments stay readable and verifiable', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 10, { maxSegmentBytes: 300, groupCommit: false });
  t.ok(readdirSync(join(dir, 'segments')).length >= 3, 'rolled to new segments');
  t.same(ledger.get(9).body, { i: 9, note: 'entry 9' });
  await ledger.close();
  const again = open(dir, { maxSegmentBytes: 300 });
  t.equal(again.size, 10);
  await again.close();
  t.equal(verifyLedger(dir, { key: signer.did }).size, 10);
});

t.test('an invalid entry type or a non-JSON body is refused without consuming a sequence number', async (t) => {
  const ledger = open(tempDir(t));
  await t.rejects(ledger.append('Bad Type', {}), { code: 'DP_ERR_LEDGER_ENTRY_INVALID' });
  await t.rejects(ledger.append('test.event', { n: Number.NaN }), { code: 'DP_ERR_CANONICAL_JSON' });
  t.equal((await ledger.append('test.event', { ok: true })).seq, 0);
  await ledger.close();
  await t.rejects(ledger.append('test.event', {}), { code: 'DP_ERR_LEDGER_CLOSED' });
});

t.test('a torn last record (truncated halfway) is cut on reopen and reported', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 12);
  const rootOf11 = ledger.root(11);
  // Simulate a crash: no final checkpoint covers the last group.
  await ledger.flush();
  const seg = join(dir, 'segments', readdirSync(join(dir, 'segments'))[0]!);
  const size = statSync(seg).size;
  const lastLength = ledger.get(11).raw.length + 8;
  (ledger as unknown as { closed: boolean }).closed = true; // abandon without close, as a crash would
  truncateSync(seg, size - Math.floor(lastLength / 2));
  const again = open(dir);
  t.equal(again.size, 11, 'the valid prefix is kept');
  t.match(again.recovery.notes.join('\n'), /torn tail cut after entry 10/);
  t.same(again.root(), rootOf11);
  t.equal((await again.append('test.event', { after: 'recovery' })).seq, 11, 'appends continue after the cut');
  await again.close();
  t.ok(verifyLedger(dir, { key: signer.did }).ok);
});

t.test('a truncated entry that a signed checkpoint covers is tampering: open refuses naming it', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 12);
  const lastLength = ledger.get(11).raw.length + 8;
  await ledger.close(); // signs a checkpoint at size 12
  const seg = join(dir, 'segments', readdirSync(join(dir, 'segments'))[0]!);
  truncateSync(seg, statSync(seg).size - Math.floor(lastLength / 2));
  t.throws(() => open(dir), { code: 'DP_ERR_LEDGER_TAMPERED', message: /entry 11/ });
  const report = verifyLedger(dir, { key: signer.did });
  t.notOk(report.ok);
  t.equal(report.bad?.seq, 11);
});

t.test('a flipped byte inside an earlier entry refuses to open, naming the entry', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 8);
  const target = ledger.get(3);
  await ledger.close();
  const seg = join(dir, 'segments', readdirSync(join(dir, 'segments'))[0]!);
  const bytes = readFileSync(seg);
  const at = bytes.indexOf(Buffer.from(target.raw)) + 50;
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(seg, bytes);
  t.throws(() => open(dir), { code: 'DP_ERR_LEDGER_TAMPERED', message: /entry 3/ });
});

t.test('a zero-filled tail (a crash on some file systems) counts as torn', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 4);
  await ledger.flush();
  (ledger as unknown as { closed: boolean }).closed = true;
  appendFileSync(join(dir, 'segments', readdirSync(join(dir, 'segments'))[0]!), Buffer.alloc(300));
  const again = open(dir);
  t.equal(again.size, 4);
  t.match(again.recovery.notes.join('\n'), /zero-filled/);
  await again.close();
});

t.test('lost tree files are rebuilt from the segments', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 30);
  const root = ledger.root();
  const proof = ledger.inclusionProof(7, 30);
  await ledger.close();
  truncateSync(join(dir, 'tree', 'level-00.bin'), 64);
  const again = open(dir);
  t.ok(again.recovery.treeRebuilt);
  t.same(again.root(), root);
  t.same(again.inclusionProof(7, 30), proof);
  await again.close();
});

t.test('group commit: concurrent appends share fsyncs', async (t) => {
  const ledger = open(tempDir(t));
  const groups: number[] = [];
  ledger.onCommit = (n) => groups.push(n);
  await Promise.all(Array.from({ length: 64 }, (_, i) => ledger.append('test.event', { i })));
  t.equal(groups.reduce((a, b) => a + b, 0), 64);
  t.ok(groups.length < 64, `64 appends took ${groups.length} commits`);
  await ledger.close();
});

t.test('opening a ledger with another gateway key is refused', async (t) => {
  const dir = tempDir(t);
  await (await filled(dir, 1)).close();
  t.throws(() => Ledger.open(dir, { signer: testIdentity(8) }), { code: 'DP_ERR_LEDGER_CORRUPT', message: /signed by/ });
});

t.test('tree files that ran ahead of the segments (a crash mid-write) are cut, not rebuilt', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 16);
  const root = ledger.root();
  await ledger.close();
  // Leaves of a group whose segment write never reached the disk.
  appendFileSync(join(dir, 'tree', 'level-00.bin'), Buffer.alloc(32 * 3, 7));
  appendFileSync(join(dir, 'tree', 'level-01.bin'), Buffer.alloc(32, 7));
  const again = open(dir);
  t.equal(again.recovery.treeRebuilt, false);
  t.same(again.root(), root);
  t.equal(statSync(join(dir, 'tree', 'level-00.bin')).size, 16 * 32);
  await again.close();
});

t.test('verify takes the signer key as did:key, verifier key, hex or base64', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 3);
  const vkey = ledger.meta.verifierKey;
  await ledger.close();
  const { toBase64, toHex } = await import('../../../crypto/bytes.js');
  for (const key of [signer.did, vkey, toHex(signer.publicKey), toBase64(signer.publicKey)]) {
    t.ok(verifyLedger(dir, { key }).ok, key);
  }
  t.notOk(verifyLedger(dir, { key: testIdentity(99).did }).ok, 'another key fails');
  t.throws(() => verifyLedger(dir, { key: 'not a key' }), { code: 'DP_ERR_INVALID_ARGUMENT' });
});

t.test('replay yields every durable entry in order, from a given sequence number', async (t) => {
  const dir = tempDir(t);
  const ledger = await filled(dir, 25, { maxSegmentBytes: 500 });
  t.same([...ledger.replay()].map((e) => e.seq), Array.from({ length: 25 }, (_, i) => i));
  const tail = [...ledger.replay(20)];
  t.same(tail.map((e) => (e.body as { i: number }).i), [20, 21, 22, 23, 24]);
  t.equal(tail[0]!.type, 'test.event');
  await ledger.close();
});

t.test('recentCheckpoint signs at most once per interval however often it is asked; checkpoint() always covers the newest entry', async (t) => {
  const ledger = open(tempDir(t));
  t.teardown(() => ledger.close());
  await ledger.append('a', {});
  const first = ledger.recentCheckpoint(60_000);
  t.equal(first.size, ledger.size);
  await ledger.append('b', {});
  t.equal(ledger.recentCheckpoint(60_000), first, 'within the interval: the same signed checkpoint, nothing signed');
  t.equal(ledger.recentCheckpoint(0).size, ledger.size, 'past it: a new one');
  await ledger.append('c', {});
  t.equal(ledger.checkpoint().size, ledger.size, 'receipts still get a checkpoint of the newest size');
});
