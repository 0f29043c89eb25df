// `dataport ledger show`: prints entries straight from the segment files (read-only, no key).
import { join } from 'node:path';
import { toBase64 } from '../crypto/bytes.js';
import { decodeEntry, SEGMENT_HEADER_SIZE } from '../gateway/ledger/format.js';
import { listSegments, readRecords } from '../gateway/ledger/scan.js';

export function showLedger(dir: string, from: number, limit: number, json: boolean, out: NodeJS.WritableStream): void {
  const segments = listSegments(join(dir, 'segments'));
  let shown = 0;
  for (let s = 0; s < segments.length && shown < limit; s++) {
    const next = segments[s + 1];
    if (next && next.firstSeq <= from) continue; // the whole segment is before `from`
    let seq = segments[s]!.firstSeq;
    readRecords(segments[s]!.path, SEGMENT_HEADER_SIZE, (payload) => {
      if (seq++ < from || shown >= limit) return;
      const e = decodeEntry(payload);
      shown++;
      out.write(json
        ? JSON.stringify({ seq: e.seq, time: e.time, type: e.type, body: e.body, prev: toBase64(e.prev) }) + '\n'
        : `#${e.seq} ${e.time} ${e.type} ${JSON.stringify(e.body)}\n`);
    });
  }
}
