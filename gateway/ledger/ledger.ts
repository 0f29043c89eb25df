// The ledger: an append-only, hash-chained, Merkle-tree log of typed entries with signed
// checkpoints. Appends are durable (they resolve after fdatasync) and concurrent appends share
// one write and one fsync (group commit). See format.ts for the bytes on disk.
import {
  closeSync, constants, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, write,
  writeFileSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CompactRange, type TreeHasher } from '../../crypto/merkle.js';
import { DataportError } from '../../crypto/errors.js';
import { verifierKey, parseCheckpoint, openNote } from '../../crypto/checkpoint.js';
import type { Identity } from '../../crypto/identity.js';
import { nativeTreeHasher } from '../hash.js';
import {
  decodeEntry, encodeEntry, entryClock, frameRecords, segmentFileName, segmentHeader, RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE, ZERO_HASH,
  type JsonValue, type LedgerEntry,
} from './format.js';
import { listSegments, readRecords, scanSegments, type SegmentInfo } from './scan.js';
import { TreeStore } from './tree-store.js';
import { SignedTree, type SignedCheckpoint, type StoredEntry } from './signed-tree.js';
import type { LedgerStore } from '../store/types.js';

const writeAsync = promisify(write);

// Segments are written with O_DSYNC: a write returns once its bytes (and the metadata needed to
// read them back) are on stable storage, the guarantee of write + fdatasync in one system call
// (measured here: ~275 µs against ~380 µs per group).
const SEGMENT_APPEND = constants.O_RDWR | constants.O_DSYNC;
const SEGMENT_CREATE = SEGMENT_APPEND | constants.O_CREAT | constants.O_TRUNC;

export interface LedgerOptions {
  /** The key that signs checkpoints (the gateway's identity). */
  signer: Identity;
  /** Checkpoint origin line; also the signed note's key name. */
  origin?: string;
  /** Share one write + fsync among concurrent appends (default true; false is the benchmark's baseline). */
  groupCommit?: boolean;
  /** Start a new segment file once the current one passes this many bytes. */
  maxSegmentBytes?: number;
  /** Sign a checkpoint this often while entries arrive (0 disables; close always signs one). */
  checkpointIntervalMs?: number;
  /** Cap on entries per group write. */
  maxGroup?: number;
  now?: () => Date;
}

export interface LedgerMeta {
  format: 'dataport-ledger';
  version: 1;
  origin: string;
  did: string;
  verifierKey: string;
}

export interface RecoveryReport {
  /** What opening found and did; empty when the ledger was closed cleanly. */
  notes: string[];
  tornEntriesCut: number;
  treeRebuilt: boolean;
}

export interface AppendResult {
  seq: number;
  leafHash: Uint8Array;
}


interface Pending {
  seq: number;
  payload: Buffer;
  leaf: Uint8Array;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

export type { SignedCheckpoint, StoredEntry } from './signed-tree.js';

export const DEFAULT_ORIGIN = 'dataport.local/ledger';

export class Ledger extends SignedTree implements LedgerStore {
  readonly dir: string;
  readonly meta: LedgerMeta;
  readonly recovery: RecoveryReport;
  protected readonly signer: Identity;
  private readonly opts: Required<Omit<LedgerOptions, 'signer' | 'origin'>>;
  /** The time of an entry taken now. */
  private readonly timestamp: () => string;
  protected readonly tree: TreeStore;
  private readonly index: number; // fd of index.bin: u64 (segment number << 32 | offset) per entry
  private readonly checkpointLog: number;
  private segments: SegmentInfo[];
  private segFd: number;
  private segPos: number;
  private readFds = new Map<number, number>();
  private nextSeq: number;
  private lastLeaf: Uint8Array;
  private queue: Pending[] = [];
  private writing = false;
  private scheduled = false;
  private closed = false;
  private failure: unknown;
  private idle: (() => void)[] = [];
  private checkpointTimer: NodeJS.Timeout | undefined;
  /** Entries acknowledged durable; everything the API serves is below this. */
  size: number;
  /** Observers of durable commits (metrics); called with the group size and its latency. */
  onCommit: ((entries: number, millis: number) => void) | undefined;
  private readonly followers: ((entry: LedgerEntry) => void)[] = [];

  private constructor(dir: string, opts: LedgerOptions, meta: LedgerMeta, state: {
    tree: TreeStore; index: number; checkpointLog: number; segments: SegmentInfo[]; segFd: number; segPos: number;
    size: number; lastLeaf: Uint8Array; latest: SignedCheckpoint | undefined; recovery: RecoveryReport;
  }) {
    super();
    this.dir = dir;
    this.meta = meta;
    this.signer = opts.signer;
    this.opts = {
      groupCommit: opts.groupCommit ?? true,
      maxSegmentBytes: opts.maxSegmentBytes ?? 256 * 1024 * 1024,
      checkpointIntervalMs: opts.checkpointIntervalMs ?? 5000,
      maxGroup: opts.maxGroup ?? 4096,
      now: opts.now ?? (() => new Date()),
    };
    this.timestamp = entryClock(this.opts.now);
    this.tree = state.tree;
    this.index = state.index;
    this.checkpointLog = state.checkpointLog;
    this.segments = state.segments;
    this.segFd = state.segFd;
    this.segPos = state.segPos;
    this.size = state.size;
    this.nextSeq = state.size;
    this.lastLeaf = state.lastLeaf;
    this.latest = state.latest;
    this.recovery = state.recovery;
    if (this.opts.checkpointIntervalMs > 0) {
      this.checkpointTimer = setInterval(() => {
        if (this.latest?.size !== this.size && !this.closed) this.signCheckpoint();
      }, this.opts.checkpointIntervalMs);
      this.checkpointTimer.unref();
    }
  }

  /**
   * Opens (or creates) the ledger in `dir`. Scans every segment: a torn tail left by a crash is
   * cut and reported in `recovery`; a damaged or altered entry before it refuses to open, naming
   * the entry. The on-disk tree is kept when it agrees with the segments and rebuilt otherwise.
   */
  static open(dir: string, opts: LedgerOptions): Ledger {
    mkdirSync(join(dir, 'segments'), { recursive: true });
    const meta = loadOrCreateMeta(dir, opts);
    const hasher = nativeTreeHasher;
    const recovery: RecoveryReport = { notes: [], tornEntriesCut: 0, treeRebuilt: false };
    let segments = listSegments(join(dir, 'segments'));

    // Checkpoints first: the newest one bounds what a torn tail may cut.
    const checkpointPath = join(dir, 'checkpoints.log');
    const checkpoints = readCheckpointLog(checkpointPath, meta, opts.signer.publicKey, recovery);

    const tree = new TreeStore(join(dir, 'tree'), hasher);
    const leaves = new RootsAt(hasher, checkpoints.map((cp) => cp.size));
    const scan = scanSegments(segments, hasher, (e) => leaves.append(e.leaf));
    if (scan.bad) {
      tree.close();
      throw new DataportError('DP_ERR_LEDGER_TAMPERED', `entry ${scan.bad.seq}: ${scan.bad.reason}`, { seq: scan.bad.seq });
    }
    const newest = checkpoints.at(-1);
    if (newest && newest.size > scan.size) {
      tree.close();
      throw new DataportError('DP_ERR_LEDGER_TAMPERED', `entry ${scan.size}: missing or cut, but the signed checkpoint at size ${newest.size} covers it`, { seq: scan.size });
    }
    for (const cp of checkpoints) {
      const root = leaves.rootAt(cp.size);
      if (root && !Buffer.from(root).equals(Buffer.from(cp.rootHash))) {
        tree.close();
        throw new DataportError('DP_ERR_LEDGER_TAMPERED', `the entries up to ${cp.size} do not match the signed checkpoint at that size`, { size: cp.size });
      }
    }
    if (scan.torn) {
      const seg = segments[scan.torn.segment]!;
      const fd = openSync(seg.path, 'r+');
      ftruncateSync(fd, Math.max(scan.torn.offset, 0));
      fsyncSync(fd);
      closeSync(fd);
      if (scan.torn.offset === 0) {
        // The crash came while a new segment's header was written: the file holds nothing yet.
        unlinkSync(seg.path);
        segments = segments.slice(0, -1);
      }
      recovery.tornEntriesCut = 1;
      recovery.notes.push(`torn tail cut after entry ${scan.torn.seq - 1}: ${scan.torn.reason}`);
    }

    // Derived files: index and tree. Keep them if they agree with the segments, else rebuild.
    const indexPath = join(dir, 'index.bin');
    const index = openSync(indexPath, existsSync(indexPath) ? 'r+' : 'w+');
    const indexOk = fileSize(index) >= scan.size * 8;
    // Derived data written while a crashed group's write was in flight may run ahead: cut it.
    tree.truncateTo(scan.size);
    const treeOk = indexOk && tree.adopt(scan.size, leaves.root());
    if (!treeOk || fileSize(index) !== scan.size * 8) {
      if (!treeOk) {
        recovery.treeRebuilt = true;
        if (scan.size > 0) recovery.notes.push(`tree and index rebuilt from ${scan.size} entries`);
        tree.reset();
        ftruncateSync(index, 0);
        const idx: Buffer[] = [];
        scanSegments(segments, hasher, (e) => {
          tree.append(e.leaf);
          const b = Buffer.allocUnsafe(8);
          b.writeUInt32BE(e.segment, 0);
          b.writeUInt32BE(e.offset, 4);
          idx.push(b);
          if (idx.length >= 65536) {
            tree.flush();
            writeAll(index, Buffer.concat(idx.splice(0)));
          }
        });
        tree.flush();
        if (idx.length) writeAll(index, Buffer.concat(idx));
      } else {
        ftruncateSync(index, scan.size * 8);
      }
    }

    // The segment appends go to: the last one, or a new first one.
    let segFd: number;
    let segPos: number;
    const last = segments.at(-1);
    if (last) {
      segFd = openSync(last.path, SEGMENT_APPEND);
      segPos = scan.end.segment === segments.length - 1 ? scan.end.offset : fileSize(segFd);
      if (segPos < SEGMENT_HEADER_SIZE) segPos = SEGMENT_HEADER_SIZE;
    } else {
      const path = join(dir, 'segments', segmentFileName(0));
      segFd = openSync(path, SEGMENT_CREATE, 0o644);
      writeAll(segFd, segmentHeader(0), 0);
      fsyncSync(segFd);
      fsyncDir(join(dir, 'segments'));
      segments = [{ firstSeq: 0, path }];
      segPos = SEGMENT_HEADER_SIZE;
    }
    const checkpointLog = openSync(checkpointPath, 'a');
    return new Ledger(dir, opts, meta, {
      tree, index, checkpointLog, segments, segFd, segPos, size: scan.size, lastLeaf: scan.size ? scan.lastLeaf : ZERO_HASH,
      latest: newest && newest.size === scan.size ? newest : undefined, recovery,
    });
  }

  /** Appends an entry; resolves once it is durable. Sequence numbers follow call order. */
  append(type: string, body: JsonValue | object): Promise<AppendResult> {
    try {
      return this.enqueue(type, body).durable;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Takes an entry into the log at once (its sequence number and time are fixed now) or throws
   * synchronously when it cannot be taken, so a caller can apply the same event to memory in the
   * same step; `durable` resolves once the entry is on stable storage.
   */
  enqueue(type: string, body: JsonValue | object): { seq: number; time: string; durable: Promise<AppendResult> } {
    if (this.closed) throw new DataportError('DP_ERR_LEDGER_CLOSED', 'no more appends');
    if (this.failure) throw this.failure;
    const time = this.timestamp();
    const leafInput = encodeEntry(this.nextSeq, this.lastLeaf, type, time, body);
    const seq = this.nextSeq++;
    const payload = leafInput.subarray(1);
    const leaf = this.hasher.prefixedLeafHash(leafInput);
    const prev = this.lastLeaf;
    this.lastLeaf = leaf;
    for (const f of this.followers) f({ seq, prev, type, time, body: body as JsonValue });
    const durable = new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ seq, payload, leaf, resolve, reject });
      if (!this.writing && !this.scheduled) {
        this.scheduled = true;
        // Let every append of this turn of the event loop join the group; appends made while a
        // group is being written wait and form the next one.
        setImmediate(() => void this.commitLoop());
      }
    });
    return { seq, time, durable };
  }

  private async commitLoop(): Promise<void> {
    this.scheduled = false;
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const take = this.opts.groupCommit ? this.opts.maxGroup : 1;
        const group = this.queue.splice(0, take);
        const started = performance.now();
        try {
          await this.commit(group);
        } catch (e) {
          // A failed write or fsync leaves the file's state unknown: stop accepting appends.
          this.failure = new DataportError('DP_ERR_LEDGER_CORRUPT', `write failed, ledger stopped: ${(e as Error).message}`);
          for (const p of [...group, ...this.queue.splice(0)]) p.reject(this.failure);
          break;
        }
        this.onCommit?.(group.length, performance.now() - started);
        for (const p of group) p.resolve({ seq: p.seq, leafHash: p.leaf });
      }
    } finally {
      this.writing = false;
      if (this.queue.length === 0) for (const f of this.idle.splice(0)) f();
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    if (this.segPos >= this.opts.maxSegmentBytes) this.rollSegment(group[0]!.seq);
    const buf = frameRecords(group.map((p) => p.payload));
    const startPos = this.segPos;
    const durable = this.writeDurably(buf, startPos);
    // While the write is in flight, update the derived data (tree, index): page cache is enough,
    // they are rebuilt from the segments if a crash leaves them ahead of or behind them.
    const idx = Buffer.allocUnsafe(8 * group.length);
    const segment = this.segments.length - 1;
    let pos = startPos;
    for (let i = 0; i < group.length; i++) {
      const p = group[i]!;
      idx.writeUInt32BE(segment, 8 * i);
      idx.writeUInt32BE(pos, 8 * i + 4);
      pos += RECORD_HEADER_SIZE + p.payload.length;
      this.tree.append(p.leaf);
    }
    this.tree.flush();
    writeAll(this.index, idx, this.size * 8);
    await durable;
    this.segPos = pos;
    this.size += group.length;
  }

  private async writeDurably(buf: Buffer, position: number): Promise<void> {
    let written = 0;
    while (written < buf.length) {
      const { bytesWritten } = await writeAsync(this.segFd, buf, written, buf.length - written, position + written);
      written += bytesWritten;
    }
  }

  private rollSegment(firstSeq: number): void {
    fsyncSync(this.segFd);
    closeSync(this.segFd);
    const path = join(this.dir, 'segments', segmentFileName(firstSeq));
    this.segFd = openSync(path, SEGMENT_CREATE, 0o644);
    writeAll(this.segFd, segmentHeader(firstSeq), 0);
    fsyncSync(this.segFd);
    fsyncDir(join(this.dir, 'segments'));
    this.segments.push({ firstSeq, path });
    this.segPos = SEGMENT_HEADER_SIZE;
  }

  get location(): string {
    return this.dir;
  }

  /**
   * Replays every entry taken so far to `apply`, then hands it each new one as it is taken (in
   * `enqueue`, before it is durable: a caller applies and answers once `durable` resolves).
   */
  follow(apply: (entry: LedgerEntry) => void): void {
    if (this.nextSeq !== this.size) throw new DataportError('DP_ERR_INTERNAL', 'follow the ledger before appending to it');
    for (const e of this.replay()) apply(e);
    this.followers.push(apply);
  }

  /** One process owns a file ledger: there is nothing newer to learn. */
  sync(): Promise<void> {
    return Promise.resolve();
  }

  async entry(seq: number): Promise<StoredEntry> {
    return this.get(seq);
  }

  /** Tree node reads so far (each proof costs O(log n) of them). */
  get treeReads(): number {
    return this.tree.reads;
  }

  /** False once closed or stopped by a failed write. */
  get healthy(): boolean {
    return !this.closed && this.failure === undefined;
  }

  /** Resolves when every append made so far is durable (or has failed). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * Every durable entry from `from` on, in order, read sequentially from the segments: how the
   * gateway rebuilds its control-plane state at start.
   */
  *replay(from = 0): Generator<LedgerEntry> {
    const end = this.size;
    for (let s = 0; s < this.segments.length; s++) {
      const next = this.segments[s + 1];
      if (next && next.firstSeq <= from) continue;
      const batch: LedgerEntry[] = [];
      let seq = this.segments[s]!.firstSeq;
      readRecords(this.segments[s]!.path, SEGMENT_HEADER_SIZE, (payload) => {
        if (seq >= from && seq < end) batch.push(decodeEntry(payload));
        seq++;
      });
      yield* batch;
      if (seq >= end) return;
    }
  }

  get(seq: number): StoredEntry {
    this.checkSeq(seq);
    const loc = Buffer.allocUnsafe(8);
    readSync(this.index, loc, 0, 8, seq * 8);
    const segment = loc.readUInt32BE(0);
    const offset = loc.readUInt32BE(4);
    const seg = this.segments[segment];
    if (!seg) throw new DataportError('DP_ERR_LEDGER_CORRUPT', `index points entry ${seq} at missing segment ${segment}`);
    let fd = this.readFds.get(segment);
    if (fd === undefined) {
      fd = openSync(seg.path, 'r');
      this.readFds.set(segment, fd);
    }
    const header = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
    readSync(fd, header, 0, RECORD_HEADER_SIZE, offset);
    const payload = Buffer.allocUnsafe(header.readUInt32BE(0));
    readSync(fd, payload, 0, payload.length, offset + RECORD_HEADER_SIZE);
    // Another entry where the index points: the derived index is wrong, not the log.
    return this.checkedEntry(seq, payload, 'DP_ERR_LEDGER_CORRUPT');
  }

  /** Appends the note to `checkpoints.log` and syncs it. */
  protected storeCheckpoint(cp: SignedCheckpoint): void {
    writeAll(this.checkpointLog, frameRecords([Buffer.from(cp.note, 'utf8')]));
    fdatasyncSync(this.checkpointLog);
  }

  /** Flushes pending appends, signs a final checkpoint and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await this.flush();
    if (!this.failure && (this.latest?.size !== this.size)) this.signCheckpoint();
    for (const fd of this.readFds.values()) closeSync(fd);
    this.readFds.clear();
    closeSync(this.segFd);
    closeSync(this.index);
    closeSync(this.checkpointLog);
    this.tree.close();
  }
}

/** Roots of the leaf sequence at the sizes asked for, computed while the scan streams by. */
class RootsAt {
  private readonly range: CompactRange;
  private readonly roots = new Map<number, Uint8Array>();
  private readonly wanted: Set<number>;

  constructor(hasher: TreeHasher, sizes: number[]) {
    this.range = new CompactRange(hasher);
    this.wanted = new Set(sizes);
    if (this.wanted.has(0)) this.roots.set(0, this.range.root());
  }

  append(leaf: Uint8Array): void {
    this.range.append(leaf);
    if (this.wanted.has(this.range.size)) this.roots.set(this.range.size, this.range.root());
  }

  root(): Uint8Array {
    return this.range.root();
  }

  rootAt(size: number): Uint8Array | undefined {
    return this.roots.get(size);
  }
}

function loadOrCreateMeta(dir: string, opts: LedgerOptions): LedgerMeta {
  const path = join(dir, 'ledger.json');
  const vkey = (origin: string) => verifierKey(origin, opts.signer.publicKey);
  if (existsSync(path)) {
    let meta: LedgerMeta;
    try {
      meta = JSON.parse(readFileSync(path, 'utf8')) as LedgerMeta;
    } catch (e) {
      throw new DataportError('DP_ERR_LEDGER_CORRUPT', `${path} is not valid JSON: ${(e as Error).message}`);
    }
    if (meta.format !== 'dataport-ledger' || meta.version !== 1) {
      throw new DataportError('DP_ERR_LEDGER_CORRUPT', `${path} is not a dataport ledger (format ${String(meta.format)} version ${String(meta.version)})`);
    }
    if (meta.did !== opts.signer.did) {
      throw new DataportError('DP_ERR_LEDGER_CORRUPT', `the ledger in ${dir} is signed by ${meta.did}, not by this gateway's key ${opts.signer.did}`);
    }
    return meta;
  }
  const origin = opts.origin ?? DEFAULT_ORIGIN;
  const meta: LedgerMeta = { format: 'dataport-ledger', version: 1, origin, did: opts.signer.did, verifierKey: vkey(origin) };
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(meta, null, 2) + '\n');
  renameSync(tmp, path);
  fsyncDir(dir);
  return meta;
}

function readCheckpointLog(path: string, meta: LedgerMeta, publicKey: Uint8Array, recovery: RecoveryReport): SignedCheckpoint[] {
  if (!existsSync(path)) return [];
  const out: SignedCheckpoint[] = [];
  let newestNote: string | undefined;
  const { problem } = readRecords(path, 0, (payload) => {
    const note = payload.toString('utf8');
    // Only the newest signature is checked at open; `ledger verify` checks every one.
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    const cp = parseCheckpoint(body);
    out.push({ size: cp.size, rootHash: cp.rootHash, note });
    newestNote = note;
  });
  if (problem?.kind === 'torn') {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, problem.offset);
    fsyncSync(fd);
    closeSync(fd);
    recovery.notes.push(`checkpoint log: torn tail cut (${problem.reason})`);
  } else if (problem) {
    throw new DataportError('DP_ERR_LEDGER_TAMPERED', `checkpoint log: ${problem.reason}`);
  }
  if (newestNote) openNote(newestNote, [{ name: meta.origin, publicKey }]);
  out.sort((a, b) => a.size - b.size);
  return out;
}

function fileSize(fd: number): number {
  return fstatSync(fd).size;
}

function writeAll(fd: number, buf: Buffer, position?: number): void {
  let done = 0;
  while (done < buf.length) {
    done += writeSync(fd, buf, done, buf.length - done, position === undefined ? null : position + done);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The store's ledger as the embedded file ledger (the demo, offline tools); refuses any other. */
export function fileLedger(ledger: LedgerStore): Ledger {
  if (!(ledger instanceof Ledger)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `this needs the embedded file ledger, not ${ledger.location}`);
  return ledger;
}
