// `dataport ledger show`: prints entries straight from the segment files or the PostgreSQL
// entries table (read-only, no key).
import { join } from 'node:path';
import { toBase64 } from '../crypto/bytes.js';
import { decodeEntry, SEGMENT_HEADER_SIZE } from '../gateway/ledger/format.js';
import { listSegments, readRecords } from '../gateway/ledger/scan.js';
import { connectPg } from '../gateway/store/pg.js';
import type { LedgerEntry } from '../gateway/ledger/format.js';

export function showLedger(dir: string, from: number, limit: number, json: boolean, out: NodeJS.WritableStream): void {
  const segments = listSegments(join(dir, 'segments'));
  let shown = 0;
  for (let s = 0; s < segments.length && shown < limit; s++) {
    const next = segments[s + 1];
    if (next && next.firstSeq <= from) continue; // the whole segment is before `from`
    let seq = segments[s]!.firstSeq;
    readRecords(segments[s]!.path, SEGMENT_HEADER_SIZE, (payload) => {
      if (seq++ < from || shown >= limit) return;
      shown++;
      out.write(formatEntry(decodeEntry(payload), json));
    });
  }
}

export async function showPgLedger(url: string, from: number, limit: number, json: boolean, out: NodeJS.WritableStream): Promise<void> {
  const pool = await connectPg(url, { max: 1, applicationName: 'dataport ledger show' });
  try {
    const { rows } = await pool.query<{ payload: Buffer }>('SELECT payload FROM dataport_ledger_entries WHERE seq >= $1 ORDER BY seq LIMIT $2', [from, limit]);
    for (const row of rows) out.write(formatEntry(decodeEntry(row.payload), json));
  } finally {
    await pool.end();
  }
}

function formatEntry(e: LedgerEntry, json: boolean): string {
  return json
    ? JSON.stringify({ seq: e.seq, time: e.time, type: e.type, body: e.body, prev: toBase64(e.prev) }) + '\n'
    : `#${e.seq} ${e.time} ${e.type} ${JSON.stringify(e.body)}\n`;
}
