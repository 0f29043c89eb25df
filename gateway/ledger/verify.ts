// Offline verification of a ledger directory: framing and CRCs, sequence numbers, the hash
// chain, the RFC 9162 tree, and every signed checkpoint against it. Needs only the segment files,
// the checkpoint log and a public key; it trusts none of the derived files (tree, index).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactRange } from '../../crypto/merkle.js';
import { openNote, parseCheckpoint, parseVerifierKey, type Checkpoint } from '../../crypto/checkpoint.js';
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

export interface NoteCheckpoint {
  /** Position among the ledger's checkpoints (in the log, or by size in the database). */
  index: number;
  size: number;
  rootHash: Uint8Array;
}

/** Opens a stored checkpoint note: signed by `publicKey` under the ledger's origin, for that origin. */
export function openCheckpoint(note: string, origin: string, publicKey: Uint8Array): Checkpoint {
  const cp = parseCheckpoint(openNote(note, [{ name: origin, publicKey }]).body);
  if (cp.origin !== origin) throw new Error(`origin ${cp.origin}, want ${origin}`);
  return cp;
}

/**
 * Folds the leaf hashes in order and compares the root at every checkpoint's size with the one
 * it signed, remembering the largest size found good (where a mismatch's damage starts at most).
 */
export class CheckpointRoots {
  readonly range = new CompactRange(nativeTreeHasher);
  private readonly wanted = new Map<number, NoteCheckpoint[]>();
  private readonly mismatches: { cp: NoteCheckpoint; lastGood: number }[] = [];
  private lastGoodSize = 0;

  constructor(checkpoints: NoteCheckpoint[]) {
    for (const cp of checkpoints) this.wanted.set(cp.size, [...(this.wanted.get(cp.size) ?? []), cp]);
    this.check();
  }

  append(leaf: Uint8Array): void {
    this.range.append(leaf);
    this.check();
  }

  private check(): void {
    const cps = this.wanted.get(this.range.size);
    if (!cps) return;
    const root = Buffer.from(this.range.root());
    for (const cp of cps) {
      if (root.equals(Buffer.from(cp.rootHash))) this.lastGoodSize = Math.max(this.lastGoodSize, cp.size);
      else this.mismatches.push({ cp, lastGood: this.lastGoodSize });
    }
  }

  /** The first checkpoint whose root the entries do not reproduce, as a report's `bad`. */
  firstMismatch(): { seq: number; reason: string } | undefined {
    const first = this.mismatches[0];
    if (!first) return undefined;
    return {
      seq: first.lastGood,
      reason: `the entries from ${first.lastGood} to ${first.cp.size - 1} do not hash to the root signed in checkpoint #${first.cp.index} (size ${first.cp.size})`,
    };
  }
}

/**
 * What every verification starts from: the key checkpoints must be signed by (pinned, or the one
 * the ledger names itself, with a warning), and how a failed one is reported.
 */
export function verification(did: string, opts: VerifyOptions): { publicKey: Uint8Array; warnings: string[]; fail: (bad: VerifyReport['bad'] & {}, size?: number) => VerifyReport } {
  const publicKey = resolveKey(opts.key ?? did);
  const warnings: string[] = [];
  if (!opts.key) warnings.push('checkpoint signatures checked against the key the ledger names itself; pass --key to pin it');
  const fail = (bad: VerifyReport['bad'] & {}, size = 0): VerifyReport => ({
    ok: false, size, rootHash: '', checkpoints: 0, keyPinned: !!opts.key, warnings, bad,
    summary: `FAILED: ${bad.seq !== undefined ? `entry ${bad.seq}` : `checkpoint #${bad.checkpoint}`}: ${bad.reason}`,
  });
  return { publicKey, warnings, fail };
}

export function verifyLedger(dir: string, opts: VerifyOptions = {}): VerifyReport {
  const metaPath = join(dir, 'ledger.json');
  if (!existsSync(metaPath)) throw new DataportError('DP_ERR_NOT_FOUND', `no ledger at ${dir} (${metaPath} is missing)`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as LedgerMeta;
  const { publicKey, warnings, fail } = verification(meta.did, opts);

  // 1. Every checkpoint must carry a valid signature by the key.
  const checkpoints: NoteCheckpoint[] = [];
  const cpPath = join(dir, 'checkpoints.log');
  let cpFailure: VerifyReport | undefined;
  if (existsSync(cpPath)) {
    const { problem } = readRecords(cpPath, 0, (payload) => {
      if (cpFailure) return;
      const index = checkpoints.length;
      try {
        const cp = openCheckpoint(payload.toString('utf8'), meta.origin, publicKey);
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
  const roots = new CheckpointRoots(checkpoints);
  const scan = scanSegments(listSegments(join(dir, 'segments')), nativeTreeHasher, (e) => roots.append(e.leaf));
  if (scan.bad) return fail({ seq: scan.bad.seq, reason: scan.bad.reason }, scan.size);
  const mismatch = roots.firstMismatch();
  if (mismatch) return fail(mismatch, scan.size);
  const range = roots.range;
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
export function resolveKey(key: string): Uint8Array {
  if (key.startsWith('did:key:')) return publicKeyFromDid(key);
  if (/^[0-9a-fA-F]{64}$/.test(key)) return fromHex(key.toLowerCase());
  if (/^[A-Za-z0-9+/]{43}=$/.test(key)) return fromBase64(key);
  try {
    return parseVerifierKey(key).publicKey;
  } catch (e) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `--key must be a did:key, a signed-note verifier key, or a 32-byte Ed25519 public key in hex or base64: ${(e as Error).message}`);
  }
}
