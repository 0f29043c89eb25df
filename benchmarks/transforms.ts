// npm run bench -- transforms [--quick]
// 1. Keyed pseudonyms over one Utf8 column of 1M values (200k with --quick), VIN-like, with 10k
//    distinct values (most rows are cache hits) and with all values distinct (every row an HMAC):
//    the columnar kernel with each HMAC backend (cached key states vs node:crypto createHmac),
//    beside the baseline a row-at-a-time gateway would write (a JS string per row, createHmac,
//    hex digest, no cache) in the same process.
// 2. A whole DM-like plan (pseudonymize, dateShift, interval, geohash, keep, drop) over one batch:
//    createPipeline().apply() against the naive version (row objects from toArray(), one output
//    object per row with a Map cache for tokens and offsets, vectors rebuilt from the objects).
import { createHmac } from 'node:crypto';
import { Float64, Int32, RecordBatch, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { columnKey, dateShiftKey } from '../crypto/pseudonym-keys.js';
import { createPipeline } from '../gateway/pipeline/apply.js';
import type { HmacBackend } from '../gateway/pipeline/transforms/keyed-hash.js';
import type { PipelinePlan } from '../gateway/pipeline/transforms/types.js';
import { printTable, writeResults, type Row } from './report.js';

const SECRET = new Uint8Array(32).fill(42);
const AGREEMENT = 'urn:uuid:bench-agreement';

/** Median wall time in ms of `runs` calls after one warm-up call. */
function time(runs: number, fn: () => unknown): number {
  fn();
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const vin = (i: number) => `LSGJA52U${String(i).padStart(9, '0')}`;

function batchOf(columns: Record<string, Vector>): RecordBatch {
  return new RecordBatch(Object.fromEntries(Object.entries(columns).map(([name, v]) => [name, v.data[0]!])));
}

// ---- 1. pseudonymize ----------------------------------------------------------------------

function pseudonymizeCase(n: number, distinct: number, runs: number): Row[] {
  const values = Array.from({ length: n }, (_, i) => vin((i * 7919) % distinct));
  const batch = batchOf({ VIN: vectorFromArray(values, new Utf8()) });
  const plan: PipelinePlan = { version: 1, agreementId: AGREEMENT, datasetId: 'bench', columns: [{ name: 'VIN', action: 'transform', steps: [{ op: 'pseudonymize' }] }] };
  const columnar = (hmacBackend: HmacBackend) => () => createPipeline(plan, SECRET, { hmacBackend }).apply(batch);
  const key = columnKey(SECRET, AGREEMENT, 'VIN');
  const naive = () => values.map((v) => createHmac('sha256', key).update(v).digest('hex').slice(0, 32));
  // Same tokens, or the comparison is meaningless.
  if (createPipeline(plan, SECRET).apply(batch).getChild('VIN')!.get(n - 1) !== naive().at(-1)) throw new Error('token mismatch');
  const baseline = time(runs, naive);
  const rows: Row[] = [];
  const add = (implementation: string, ms: number) => rows.push({
    distinct: distinct === n ? 'all' : distinct, implementation, values: n, ms, 'Mvalues/s': n / ms / 1000, speedup: baseline / ms,
  });
  add('per-row createHmac (baseline)', baseline);
  add('columnar, node:crypto createHmac', time(runs, columnar('node')));
  add('columnar, cached key states', time(runs, columnar('cached')));
  return rows;
}

// ---- 2. a whole plan ----------------------------------------------------------------------

const DM_PLAN: PipelinePlan = {
  version: 1, agreementId: AGREEMENT, datasetId: 'bench-dm', subjectColumn: 'USUBJID',
  columns: [
    { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize' }] },
    { name: 'RFSTDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 180 }] },
    { name: 'AGE', action: 'transform', steps: [{ op: 'interval', width: 10 }] },
    { name: 'LAT', action: 'transform', steps: [{ op: 'geohash', precision: 6, lonColumn: 'LON' }] },
    { name: 'LON', action: 'drop', reason: 'in the geohash' },
    { name: 'SEX', action: 'keep' },
  ],
};

interface DmRow { USUBJID: string; RFSTDTC: string; AGE: number; LAT: number; LON: number; SEX: string; SITEID: string }

function dmBatch(n: number, subjects: number): RecordBatch {
  const pick = <T>(f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
  const subject = (i: number) => (i * 104729) % subjects;
  return batchOf({
    USUBJID: vectorFromArray(pick((i) => `01-701-${String(subject(i)).padStart(6, '0')}`), new Utf8()),
    RFSTDTC: vectorFromArray(pick((i) => new Date(Date.UTC(2014, 0, 1) + (i % 1000) * 86_400_000).toISOString().slice(0, 10)), new Utf8()),
    AGE: vectorFromArray(pick((i) => 18 + (subject(i) % 70)), new Int32()),
    LAT: vectorFromArray(pick((i) => 39.9 + (i % 997) / 10_000), new Float64()),
    LON: vectorFromArray(pick((i) => 116.4 + (i % 991) / 10_000), new Float64()),
    SEX: vectorFromArray(pick((i) => (i % 2 ? 'F' : 'M')), new Utf8()),
    SITEID: vectorFromArray(pick((i) => String(700 + (i % 20))), new Utf8()),
  });
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';
function geohashOf(lat: number, lon: number, chars: number): string {
  let latLo = -90, latHi = 90, lonLo = -180, lonHi = 180, even = true, out = '';
  while (out.length < chars) {
    let index = 0;
    for (let bit = 0; bit < 5; bit++, even = !even) {
      const [lo, hi, v] = even ? [lonLo, lonHi, lon] : [latLo, latHi, lat];
      const mid = (lo + hi) / 2;
      index = index * 2 + (v >= mid ? 1 : 0);
      if (even) { if (v >= mid) lonLo = mid; else lonHi = mid; } else if (v >= mid) latLo = mid; else latHi = mid;
    }
    out += BASE32[index];
  }
  return out;
}

/** The same plan, row by row, as one would write it without Arrow's columns in mind. */
function naiveDm(batch: RecordBatch): RecordBatch {
  const tokenKey = columnKey(SECRET, AGREEMENT, 'USUBJID');
  const shiftKey = dateShiftKey(SECRET, AGREEMENT);
  const tokens = new Map<string, string>();
  const offsets = new Map<string, number>();
  const out = (batch.toArray() as unknown as DmRow[]).map((r) => {
    let token = tokens.get(r.USUBJID);
    if (token === undefined) tokens.set(r.USUBJID, (token = createHmac('sha256', tokenKey).update(r.USUBJID).digest('hex').slice(0, 32)));
    let offset = offsets.get(r.USUBJID);
    if (offset === undefined) {
      const t = createHmac('sha256', shiftKey).update(r.USUBJID).digest();
      offsets.set(r.USUBJID, (offset = (t.readUIntBE(0, 6) % 361) - 180));
    }
    const lo = Math.floor(r.AGE / 10) * 10;
    return {
      USUBJID: token,
      RFSTDTC: new Date(Date.parse(`${r.RFSTDTC}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10),
      AGE: `[${lo}, ${lo + 10})`,
      LAT: geohashOf(r.LAT, r.LON, 6),
      SEX: r.SEX,
    };
  });
  const column = (name: keyof (typeof out)[number]) => vectorFromArray(out.map((o) => o[name]), new Utf8());
  return batchOf({ USUBJID: column('USUBJID'), RFSTDTC: column('RFSTDTC'), AGE: column('AGE'), LAT: column('LAT'), SEX: column('SEX') });
}

function planCase(n: number, subjects: number, runs: number): Row[] {
  const batch = dmBatch(n, subjects);
  const columnar = () => createPipeline(DM_PLAN, SECRET).apply(batch);
  const a = columnar();
  const b = naiveDm(batch);
  for (const name of ['USUBJID', 'RFSTDTC', 'AGE', 'LAT', 'SEX']) {
    if (a.getChild(name)!.get(n - 1) !== b.getChild(name)!.get(n - 1)) throw new Error(`${name} differs between the implementations`);
  }
  const baseline = time(runs, () => naiveDm(batch));
  const candidate = time(runs, columnar);
  const row = (implementation: string, ms: number): Row => ({ implementation, rows: n, subjects, ms, 'Mrows/s': n / ms / 1000, speedup: baseline / ms });
  return [row('row objects (baseline)', baseline), row('columnar createPipeline().apply()', candidate)];
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const n = quick ? 200_000 : 1_000_000;
  const runs = quick ? 3 : 5;
  const pseudonyms = [...pseudonymizeCase(n, 10_000, runs), ...pseudonymizeCase(n, n, runs)];
  printTable(`pseudonymize, one Utf8 column of ${n.toLocaleString('en-US')} values (median of ${runs})`, pseudonyms);
  const plan = planCase(quick ? 100_000 : 500_000, 10_000, runs);
  printTable('DM-like plan: pseudonymize, dateShift, interval, geohash, keep, drop (median)', plan);
  writeResults('transforms', { quick, pseudonyms, plan });
}
