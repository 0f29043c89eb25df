// Offline verification of a ledger directory: framing and CRCs, sequence numbers, the hash
// chain, the RFC 9162 tree, and every signed checkpoint against it. Needs only the segment files,
// the checkpoint log and a public key; it trusts none of the derived files (tree, index).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactRange } from '../../crypto/merkle.js';
import { openNote, parseCheckpoint, parseVerifierKey } from '../../crypto/checkpoint.js';
import { publicKeyFromDid } from '../../crypto/identity.js';
import { fromBase64, fromHex, toBase64 } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import { nativeTreeHasher } from '../hash.js';
import { listSegments, readRecords, scanSegments } from './scan.js';
import type { LedgerMeta } from './ledger.js';

export interface VerifyOptions {
  /** The checkpoint signer's public key, as a did:key or a signed-note verifier key. */
  key?: string;
}

export interface VerifyReport {
  ok: boolean;
  size: number;
  rootHash: string;
  checkpoints: number;
  latestCheckpointSize?: number;
  keyPinned: boolean;
  warnings: string[];
  /** The first bad entry (or checkpoint), when not ok. */
  bad?: { seq?: number; checkpoint?: number; reason: string };
  summary: string;
}

interface NoteCheckpoint {
  index: number;
  size: number;
  rootHash: Uint8Array;
}

export function verifyLedger(dir: string, opts: VerifyOptions = {}): VerifyReport {
  const metaPath = join(dir, 'ledger.json');
  if (!existsSync(metaPath)) throw new DataportError('DP_ERR_NOT_FOUND', `no ledger at ${dir} (${metaPath} is missing)`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as LedgerMeta;
  const publicKey = resolveKey(opts.key ?? meta.did);
  const warnings: string[] = [];
  if (!opts.key) warnings.push('checkpoint signatures checked against the key the ledger names itself; pass --key to pin it');

  const fail = (bad: VerifyReport['bad'] & {}, size = 0): VerifyReport => ({
    ok: false, size, rootHash: '', checkpoints: 0, keyPinned: !!opts.key, warnings, bad,
    summary: `FAILED: ${bad.seq !== undefined ? `entry ${bad.seq}` : `checkpoint #${bad.checkpoint}`}: ${bad.reason}`,
  });

  // 1. Every checkpoint must carry a valid signature by the key.
  const checkpoints: NoteCheckpoint[] = [];
  const cpPath = join(dir, 'checkpoints.log');
  let cpFailure: VerifyReport | undefined;
  if (existsSync(cpPath)) {
    const { problem } = readRecords(cpPath, 0, (payload) => {
      if (cpFailure) return;
      const index = checkpoints.length;
      try {
        const { body } = openNote(payload.toString('utf8'), [{ name: meta.origin, publicKey }]);
        const cp = parseCheckpoint(body);
        if (cp.origin !== meta.origin) throw new Error(`origin ${cp.origin}, want ${meta.origin}`);
        checkpoints.push({ index, size: cp.size, rootHash: cp.rootHash });
      } catch (e) {
        cpFailure = fail({ checkpoint: index, reason: (e as Error).message });
      }
    });
    if (cpFailure) return cpFailure;
    if (problem?.kind === 'corrupt') return fail({ checkpoint: checkpoints.length, reason: problem.reason });
    if (problem) warnings.push(`checkpoint log has a torn tail (${problem.reason})`);
  }

  // 2. The entries: framing, CRCs, sequence, chain; roots at every checkpoint size on the way.
  const wanted = new Map<number, NoteCheckpoint[]>();
  for (const cp of checkpoints) wanted.set(cp.size, [...(wanted.get(cp.size) ?? []), cp]);
  const range = new CompactRange(nativeTreeHasher);
  const rootMismatch: { cp: NoteCheckpoint; lastGood: number }[] = [];
  let lastGoodSize = 0;
  const check = (size: number): void => {
    const cps = wanted.get(size);
    if (!cps) return;
    const root = Buffer.from(range.root());
    for (const cp of cps) {
      if (root.equals(Buffer.from(cp.rootHash))) lastGoodSize = Math.max(lastGoodSize, size);
      else rootMismatch.push({ cp, lastGood: lastGoodSize });
    }
  };
  check(0);
  const scan = scanSegments(listSegments(join(dir, 'segments')), nativeTreeHasher, (e) => {
    range.append(e.leaf);
    check(range.size);
  });
  if (scan.bad) return fail({ seq: scan.bad.seq, reason: scan.bad.reason }, scan.size);
  const first = rootMismatch[0];
  if (first) {
    return fail({
      seq: first.lastGood,
      reason: `the entries from ${first.lastGood} to ${first.cp.size - 1} do not hash to the root signed in checkpoint #${first.cp.index} (size ${first.cp.size})`,
    }, scan.size);
  }
  const newest = checkpoints.reduce((m, cp) => Math.max(m, cp.size), 0);
  if (newest > scan.size) {
    const why = scan.torn ? `its record is cut short (${scan.torn.reason})` : 'it is missing';
    return fail({ seq: scan.size, reason: `${why}, but the signed checkpoint at size ${newest} covers it` }, scan.size);
  }
  if (scan.torn) warnings.push(`torn tail after entry ${scan.size - 1} not covered by any checkpoint (${scan.torn.reason}); opening the ledger cuts it`);
  if (checkpoints.length === 0 && scan.size > 0) warnings.push('no signed checkpoint: only the chain and CRCs could be checked');
  else if (newest < scan.size) warnings.push(`entries ${newest}..${scan.size - 1} are after the newest signed checkpoint`);

  const rootHash = toBase64(range.root());
  return {
    ok: true, size: scan.size, rootHash, checkpoints: checkpoints.length, latestCheckpointSize: checkpoints.length ? newest : undefined,
    keyPinned: !!opts.key, warnings,
    summary: `ok: ${scan.size} entries, root ${rootHash}, ${checkpoints.length} signed checkpoints verified (newest at size ${newest}) with ${opts.key ? 'the given key' : `${meta.did} (from ledger.json)`}`,
  };
}

/** A did:key, a signed-note verifier key, or the raw 32-byte Ed25519 key in hex or base64. */
function resolveKey(key: string): Uint8Array {
  if (key.startsWith('did:key:')) return publicKeyFromDid(key);
  if (/^[0-9a-fA-F]{64}$/.test(key)) return fromHex(key.toLowerCase());
  if (/^[A-Za-z0-9+/]{43}=$/.test(key)) return fromBase64(key);
  try {
    return parseVerifierKey(key).publicKey;
  } catch (e) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `--key must be a did:key, a signed-note verifier key, or a 32-byte Ed25519 public key in hex or base64: ${(e as Error).message}`);
  }
}
