// Sequential reading of record files (segments, the checkpoint log), shared by `Ledger.open` and
// the offline verifier. Classifies what it finds at the end of a file: a *torn* record (the write
// of an unacknowledged group was cut short by a crash) or a *corrupt* one (bytes that are all
// there but wrong: damage or tampering).
import { closeSync, openSync, readdirSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import {
  crc32, ENTRY_FORMAT, ENTRY_HEADER_SIZE, MAX_RECORD_SIZE, RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE, SEGMENT_MAGIC, ZERO_HASH,
} from './format.js';
import type { TreeHasher } from '../../crypto/merkle.js';

export interface RecordProblem {
  kind: 'torn' | 'corrupt';
  offset: number;
  reason: string;
}

const CHUNK = 8 * 1024 * 1024;

/**
 * Reads the records of one file from `start`. Calls `onRecord(payload, offset, leafInput)` for
 * each good record and returns the first problem, if any. `leafInput` is the payload preceded by
 * a 0x00 byte (written over the last byte of the already checked CRC), so the RFC 9162 leaf hash
 * needs no copy. Both are views of a reused buffer, valid only during the call.
 */
export function readRecords(path: string, start: number, onRecord: (payload: Buffer, offset: number, leafInput: Buffer) => void): { end: number; problem?: RecordProblem } {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(CHUNK);
    let bufStart = start; // file offset of buf[0]
    let bufLen = 0;
    let pos = start;
    const fill = (need: number): boolean => {
      // make buf hold [pos, pos + need) if the file has it
      if (pos + need > fileSize) return false;
      if (pos >= bufStart && pos + need <= bufStart + bufLen) return true;
      if (need > buf.length) buf = Buffer.allocUnsafe(Math.max(need, CHUNK));
      const want = Math.min(buf.length, fileSize - pos);
      let got = 0;
      while (got < want) got += readSync(fd, buf, got, want - got, pos + got);
      bufStart = pos;
      bufLen = got;
      return true;
    };
    while (pos < fileSize) {
      const remaining = fileSize - pos;
      if (!fill(Math.min(RECORD_HEADER_SIZE, remaining)) || remaining < RECORD_HEADER_SIZE) {
        return { end: pos, problem: tornOrCorrupt(fd, pos, fileSize, `record header at byte ${pos} is incomplete (${remaining} of ${RECORD_HEADER_SIZE} bytes)`) };
      }
      const at = pos - bufStart;
      const length = buf.readUInt32BE(at);
      const crc = buf.readUInt32BE(at + 4);
      if (length > MAX_RECORD_SIZE || length === 0) {
        return { end: pos, problem: tornOrCorrupt(fd, pos, fileSize, `record at byte ${pos} declares an impossible length ${length}`, 'corrupt') };
      }
      if (RECORD_HEADER_SIZE + length > remaining) {
        return { end: pos, problem: tornOrCorrupt(fd, pos, fileSize, `record at byte ${pos} is incomplete (${remaining - RECORD_HEADER_SIZE} of ${length} payload bytes)`) };
      }
      fill(RECORD_HEADER_SIZE + length);
      const p0 = pos - bufStart + RECORD_HEADER_SIZE;
      const payload = buf.subarray(p0, p0 + length);
      if (crc32(payload) !== crc) {
        return { end: pos, problem: tornOrCorrupt(fd, pos, fileSize, `record at byte ${pos} fails its CRC-32 check`, 'corrupt') };
      }
      buf[p0 - 1] = 0x00;
      onRecord(payload, pos, buf.subarray(p0 - 1, p0 + length));
      pos += RECORD_HEADER_SIZE + length;
    }
    return { end: pos };
  } finally {
    closeSync(fd);
  }
}

/** A tail of zero bytes is what some file systems leave after a crash: torn, whatever it says. */
function tornOrCorrupt(fd: number, pos: number, fileSize: number, reason: string, kind: 'torn' | 'corrupt' = 'torn'): RecordProblem {
  const rest = Buffer.alloc(Math.min(fileSize - pos, 1024 * 1024));
  readSync(fd, rest, 0, rest.length, pos);
  if (fileSize - pos <= rest.length && rest.every((b) => b === 0)) return { kind: 'torn', offset: pos, reason: `zero-filled tail at byte ${pos}` };
  return { kind, offset: pos, reason };
}

export interface SegmentInfo {
  firstSeq: number;
  path: string;
}

export function listSegments(segmentDir: string): SegmentInfo[] {
  let names: string[];
  try {
    names = readdirSync(segmentDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d{20}\.seg$/.test(n))
    .sort()
    .map((n) => ({ firstSeq: Number(n.slice(0, 20)), path: join(segmentDir, n) }));
}

export interface ScannedEntry {
  seq: number;
  leaf: Uint8Array;
  segment: number;
  offset: number;
  payload: Buffer;
}

export interface ScanResult {
  size: number;
  lastLeaf: Uint8Array;
  /** A torn tail cut from the last segment (only reported; the caller decides whether to cut). */
  torn?: { segment: number; offset: number; seq: number; reason: string };
  /** The first corrupt or altered entry; entries before it are sound. */
  bad?: { seq: number; segment: number; offset: number; reason: string };
  /** Segment index and byte length where the valid data of the last segment ends. */
  end: { segment: number; offset: number };
}

/**
 * Walks every segment in order, checking framing, CRC, sequence numbers and the hash chain, and
 * hands each good entry with its RFC 9162 leaf hash to `onEntry`.
 */
export function scanSegments(segments: SegmentInfo[], hasher: TreeHasher, onEntry: (e: ScannedEntry) => void): ScanResult {
  let seq = 0;
  let lastLeaf: Uint8Array = ZERO_HASH;
  let end = { segment: 0, offset: 0 };
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    const isLast = s === segments.length - 1;
    const bad = (reason: string, offset: number): ScanResult => ({ size: seq, lastLeaf, end, bad: { seq, segment: s, offset, reason: `${reason} (segment ${seg.path})` } });
    if (seg.firstSeq !== seq) return bad(`segment starts at entry ${seg.firstSeq}, want ${seq}`, 0);
    const header = readHeader(seg.path);
    if (header.length < SEGMENT_HEADER_SIZE) {
      if (isLast) return { size: seq, lastLeaf, end: { segment: s, offset: 0 }, torn: { segment: s, offset: 0, seq, reason: 'segment header is incomplete' } };
      return bad('segment header is incomplete', 0);
    }
    if (!header.subarray(0, 8).equals(SEGMENT_MAGIC) || Number(header.readBigUInt64BE(8)) !== seg.firstSeq) {
      return bad('segment header is damaged', 0);
    }
    let chainError: { offset: number; reason: string } | undefined;
    const { end: segEnd, problem } = readRecords(seg.path, SEGMENT_HEADER_SIZE, (payload, offset, leafInput) => {
      if (chainError) return;
      if (payload.length < ENTRY_HEADER_SIZE || payload[0] !== ENTRY_FORMAT) {
        chainError = { offset, reason: `record at byte ${offset} is not an entry of format ${ENTRY_FORMAT}` };
        return;
      }
      const recordedSeq = Number(payload.readBigUInt64BE(1));
      if (recordedSeq !== seq) {
        chainError = { offset, reason: `record at byte ${offset} says it is entry ${recordedSeq}` };
        return;
      }
      if (!payload.subarray(9, ENTRY_HEADER_SIZE).equals(lastLeaf)) {
        chainError = {
          offset,
          reason: seq === 0 ? 'entry 0 does not start the chain with a zero hash' : `the previous entry's hash does not match the prev recorded by entry ${seq}`,
        };
        if (seq > 0) seq--; // name the entry whose hash changed
        return;
      }
      const leaf = hasher.prefixedLeafHash(leafInput);
      onEntry({ seq, leaf, segment: s, offset, payload });
      lastLeaf = leaf;
      seq++;
    });
    if (chainError) return bad(chainError.reason, chainError.offset);
    end = { segment: s, offset: segEnd };
    if (problem) {
      if (problem.kind === 'torn' && isLast) return { size: seq, lastLeaf, end, torn: { segment: s, offset: problem.offset, seq, reason: problem.reason } };
      return bad(problem.reason, problem.offset);
    }
  }
  return { size: seq, lastLeaf, end };
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(SEGMENT_HEADER_SIZE);
    const n = readSync(fd, buf, 0, SEGMENT_HEADER_SIZE, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
