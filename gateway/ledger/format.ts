// On-disk format of the ledger.
//
// A segment file starts with a 16-byte header: the magic "DPLEDGR1" and the sequence number of
// its first entry (u64 BE). Records follow, each
//     u32 BE payload length | u32 BE CRC-32 of the payload | payload
// The payload of an entry record is the entry's leaf data, the exact bytes hashed into the
// RFC 9162 tree:
//     0x01 (entry format) | seq (u64 BE) | prev (32 bytes) | JCS({ type, time, body })
// where prev is the leaf hash of the entry before (32 zero bytes for entry 0): the hash chain.
// A binary envelope keeps seq and prev at fixed offsets, so a verifier checks the chain without
// parsing JSON, as RFC 9162's own TLS-encoded leaves do.
import { crc32 } from 'node:zlib';
import { canonicalize } from '../../crypto/jcs.js';
import { DataportError } from '../../crypto/errors.js';

export const SEGMENT_MAGIC = Buffer.from('DPLEDGR1', 'ascii');
export const SEGMENT_HEADER_SIZE = 16;
export const RECORD_HEADER_SIZE = 8;
export const ENTRY_FORMAT = 0x01;
export const ENTRY_HEADER_SIZE = 1 + 8 + 32;
/** No single entry may exceed this: a larger declared length is corruption, not data. */
export const MAX_RECORD_SIZE = 16 * 1024 * 1024;
export const ZERO_HASH = new Uint8Array(32);

const TYPE_PATTERN = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface LedgerEntry {
  seq: number;
  prev: Uint8Array;
  type: string;
  time: string;
  body: JsonValue;
}

export function segmentHeader(firstSeq: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_SIZE);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeBigUInt64BE(BigInt(firstSeq), 8);
  return header;
}

export function segmentFileName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.seg`;
}

/**
 * The leaf data of an entry, returned behind a 0x00 byte: `result.subarray(1)` is the payload
 * written to disk, and the whole buffer is the RFC 9162 leaf-hash input, so hashing needs no copy.
 */
export function encodeEntry(seq: number, prev: Uint8Array, type: string, time: string, body: unknown): Buffer {
  if (typeof type !== 'string' || type.length > 64 || !TYPE_PATTERN.test(type)) {
    throw new DataportError('DP_ERR_LEDGER_ENTRY_INVALID', `type ${JSON.stringify(type)} must be a lower-case dotted name of at most 64 characters`);
  }
  // JCS of { type, time, body }: the three keys are already in RFC 8785 order (body < time < type).
  const json = `{"body":${canonicalize(body)},"time":${JSON.stringify(time)},"type":${JSON.stringify(type)}}`;
  const length = Buffer.byteLength(json, 'utf8');
  if (length + ENTRY_HEADER_SIZE > MAX_RECORD_SIZE) {
    throw new DataportError('DP_ERR_LEDGER_ENTRY_INVALID', `entry of ${length} bytes exceeds ${MAX_RECORD_SIZE}`);
  }
  const out = Buffer.allocUnsafe(1 + ENTRY_HEADER_SIZE + length);
  out[0] = 0x00; // RFC 9162 leaf prefix
  out[1] = ENTRY_FORMAT;
  out.writeBigUInt64BE(BigInt(seq), 2);
  out.set(prev, 10);
  out.write(json, 1 + ENTRY_HEADER_SIZE, 'utf8');
  return out;
}

export function decodeEntry(payload: Uint8Array): LedgerEntry {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buf.length < ENTRY_HEADER_SIZE || buf[0] !== ENTRY_FORMAT) {
    throw new DataportError('DP_ERR_LEDGER_CORRUPT', 'entry has an unknown format byte or is too short');
  }
  const parsed = JSON.parse(buf.toString('utf8', ENTRY_HEADER_SIZE)) as { type: string; time: string; body: JsonValue };
  return {
    seq: Number(buf.readBigUInt64BE(1)),
    prev: Uint8Array.prototype.slice.call(buf, 9, ENTRY_HEADER_SIZE),
    type: parsed.type,
    time: parsed.time,
    body: parsed.body,
  };
}

/** Frames payloads as records into one buffer, ready for a single write. */
export function frameRecords(payloads: Uint8Array[], prefix?: Uint8Array): Buffer {
  let total = prefix?.length ?? 0;
  for (const p of payloads) total += RECORD_HEADER_SIZE + p.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  if (prefix) {
    out.set(prefix, 0);
    at = prefix.length;
  }
  for (const p of payloads) {
    out.writeUInt32BE(p.length, at);
    out.writeUInt32BE(crc32(p), at + 4);
    out.set(p, at + RECORD_HEADER_SIZE);
    at += RECORD_HEADER_SIZE + p.length;
  }
  return out;
}

export { crc32 };

/** The ISO 8601 time of entries appended now, formatted once per millisecond (appends come in bursts). */
export function entryClock(now: () => Date): () => string {
  let last = { ms: Number.NaN, iso: '' };
  return () => {
    const d = now();
    const ms = d.getTime();
    if (ms !== last.ms) last = { ms, iso: d.toISOString() };
    return last.iso;
  };
}
