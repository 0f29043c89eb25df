// The naive baseline of the data-plane benchmark: the gateway a first implementation would be.
// The provider serves NDJSON; the gateway reads it line by line, JSON.parse()s each row, applies
// the agreement's transforms to the row object (a fresh createHmac per identifier, no cache),
// JSON.stringify()s it, and writes NDJSON on to the consumer; a SHA-256 of every 64k input and
// output rows stands in for the ledger digests. Same transforms, same output values as the pipeline
// (tokens aside: another key), one row at a time.
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';
const DIGEST_ROWS = 65_536;

/** The geohash (geohash.org) of (lat, lon) with `precision` characters. */
export function geohash(lat: number, lon: number, precision: number): string {
  let latLo = -90, latHi = 90, lonLo = -180, lonHi = 180;
  let even = true;
  let bits = 0;
  let index = 0;
  let out = '';
  while (out.length < precision) {
    if (even) {
      const mid = (lonLo + lonHi) / 2;
      if (lon >= mid) { index = index * 2 + 1; lonLo = mid; } else { index *= 2; lonHi = mid; }
    } else {
      const mid = (latLo + latHi) / 2;
      if (lat >= mid) { index = index * 2 + 1; latLo = mid; } else { index *= 2; latHi = mid; }
    }
    even = !even;
    if (++bits === 5) {
      out += BASE32[index];
      bits = 0;
      index = 0;
    }
  }
  return out;
}

export interface NaiveKeys {
  vin: Buffer;
  driver_id: Buffer;
}

type Row = Record<string, unknown>;

/** The plan of the benchmark, applied to one row object in place. */
export function transformRow(row: Row, keys: NaiveKeys): Row {
  row.vin = createHmac('sha256', keys.vin).update(String(row.vin)).digest('hex').slice(0, 32);
  row.driver_id = createHmac('sha256', keys.driver_id).update(String(row.driver_id)).digest('hex').slice(0, 32);
  delete row.plate;
  row.tracked_at = Math.floor(Number(row.tracked_at) / 60_000) * 60_000;
  row.latitude = geohash(Number(row.latitude), Number(row.longitude), 7);
  delete row.longitude;
  if (row.note !== null && row.note !== undefined) row.note = '[REDACTED]';
  return row;
}

/**
 * The naive gateway: GET /data?upstream=<provider url> pulls the provider's NDJSON and streams
 * the transformed rows back, waiting for the consumer whenever its socket is full.
 */
export function naiveGateway(keys: NaiveKeys): Server {
  return createServer((req, res) => {
    const upstream = new URL(req.url ?? '/', 'http://x').searchParams.get('upstream');
    if (!upstream) {
      res.writeHead(400).end('upstream?');
      return;
    }
    get(upstream, (input) => void relay(input, res, keys).catch((e: unknown) => res.destroy(e as Error)));
  });
}

async function relay(input: IncomingMessage, res: ServerResponse, keys: NaiveKeys): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const digests: string[] = [];
  let inHash = createHash('sha256');
  let outHash = createHash('sha256');
  let rows = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line === '') continue;
    inHash.update(line);
    const out = JSON.stringify(transformRow(JSON.parse(line) as Row, keys)) + '\n';
    outHash.update(out);
    if (++rows % DIGEST_ROWS === 0) {
      digests.push(inHash.digest('hex'), outHash.digest('hex'));
      inHash = createHash('sha256');
      outHash = createHash('sha256');
    }
    if (!res.write(out)) await once(res, 'drain');
  }
  digests.push(inHash.digest('hex'), outHash.digest('hex'));
  res.end();
}

/** The provider: its NDJSON file, as it lies on disk. */
export function ndjsonProvider(path: string): Server {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    createReadStream(path, { highWaterMark: 1 << 16 }).pipe(res);
  });
}

export async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The consumer: reads the response, counting rows (lines) and bytes; `onFirst` sees the first line. */
export function consumeNdjson(url: string, onFirst?: (line: string) => void): Promise<{ rows: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`naive gateway answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let rows = 0;
      let bytes = 0;
      let head: Buffer[] | undefined = onFirst ? [] : undefined;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows++;
        if (head) {
          head.push(chunk);
          if (rows > 0) {
            const all = Buffer.concat(head);
            onFirst!(all.subarray(0, all.indexOf(10)).toString('utf8'));
            head = undefined;
          }
        }
      });
      res.once('end', () => resolve({ rows, bytes }));
      res.once('error', reject);
    }).once('error', reject);
  });
}
