// Every transform of the pipeline on the real files (CDISC DM and GeoLife, ../shared/data), read
// by the connector's own source readers; each assertion is an independent check of what the op
// promises, not a re-run of its code.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { createPipeline } from '../../../gateway/pipeline/apply.js';
import { readSource } from '../../../connectors/sources/index.js';
import type { PipelinePlan } from '../../../policies/pipeline/index.js';

const DATA = join(process.cwd(), '../shared/data');
const skip = existsSync(DATA) ? false : `real data not found at ${DATA}`;
const SECRET = new Uint8Array(32).fill(5);

async function all(path: string, format: 'csv' | 'gps-trace'): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of readSource(path, format)) out.push(b);
  return out;
}

const col = (batches: RecordBatch[], name: string) => batches.flatMap((b) => [...b.getChild(name)!]);

t.test('CDISC DM: pseudonymize, dateShift, truncateDate, topBottomCode, hierarchy, mask, redact, suppress', { skip }, async (t) => {
  const input = await all(join(DATA, 'cdiscpilot01/dm.csv'), 'csv');
  const races = [...new Set(col(input, 'RACE').map(String))];
  const plan: PipelinePlan = {
    version: 1, agreementId: 'urn:uuid:a', datasetId: 'dm', subjectColumn: 'USUBJID',
    columns: [
      { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize', length: 20 }] },
      { name: 'RFSTDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 30 }] },
      { name: 'RFENDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 30 }] },
      { name: 'BRTHDTC', action: 'transform', steps: [{ op: 'truncateDate', unit: 'year' }] },
      { name: 'AGE', action: 'transform', steps: [{ op: 'topBottomCode', min: 60, max: 85 }] },
      { name: 'RACE', action: 'transform', steps: [{ op: 'hierarchy', level: 1, levels: races.map((r) => [r, r === 'WHITE' ? 'WHITE' : 'OTHER']) }] },
      { name: 'STUDYID', action: 'transform', steps: [{ op: 'mask', keepLast: 2 }] },
      { name: 'ETHNIC', action: 'transform', steps: [{ op: 'redact' }] },
      { name: 'ARM', action: 'transform', steps: [{ op: 'suppress' }] },
      { name: 'SEX', action: 'keep' },
    ],
  };
  const p = createPipeline(plan, SECRET);
  const out = input.map((b) => p.apply(b));
  t.equal(out.reduce((n, b) => n + b.numRows, 0), 306);
  const ids = col(out, 'USUBJID').map(String);
  t.ok(ids.every((x) => /^[0-9a-f]{20}$/.test(x)) && new Set(ids).size === 306, 'pseudonymize: 306 distinct 20-hex tokens');
  const before = col(input, 'RFSTDTC').map((x) => (x === null ? null : Date.parse(String(x))));
  const after = col(out, 'RFSTDTC').map((x) => (x === null ? null : Date.parse(String(x))));
  const endB = col(input, 'RFENDTC').map((x) => (x === null ? null : Date.parse(String(x))));
  const endA = col(out, 'RFENDTC').map((x) => (x === null ? null : Date.parse(String(x))));
  let kept = 0;
  for (let i = 0; i < 306; i++) {
    if (before[i] === null || after[i] === null) continue;
    const shift = (after[i]! - before[i]!) / 86400000;
    if (Math.abs(shift) > 30) t.fail(`row ${i}: shifted ${shift} days`);
    if (endB[i] !== null && endA[i] !== null && endA[i]! - after[i]! === endB[i]! - before[i]!) kept++;
  }
  t.ok(kept > 250, `dateShift: within ±30 days, and the study period length kept for ${kept} subjects`);
  t.ok(col(out, 'BRTHDTC').every((x) => x === null || /^\d{4}(-01-01)?/.test(String(x))), 'truncateDate: years only');
  t.ok(col(out, 'AGE').every((x) => x === null || (Number(x) >= 60 && Number(x) <= 85)), 'topBottomCode: ages clamped to [60, 85]');
  t.same([...new Set(col(out, 'RACE').map(String))].sort(), ['OTHER', 'WHITE'], 'hierarchy: two groups');
  t.ok(col(out, 'STUDYID').every((x) => x === '**********01'), 'mask: all but the last two characters hidden');
  t.ok(col(out, 'ETHNIC').every((x) => x === null || x === '[REDACTED]'), 'redact');
  t.ok(col(out, 'ARM').every((x) => x === null), 'suppress');
  t.same(col(out, 'SEX'), col(input, 'SEX'), 'keep');
  t.equal(out[0]!.schema.fields.length, 10, 'the 18 unlisted DM columns never left');
});

t.test('GeoLife: grid, geohash, bucketTime, laplace and interval on real traces', { skip }, async (t) => {
  const input = await all(join(DATA, 'geolife/plt'), 'gps-trace');
  const plan: PipelinePlan = {
    version: 1, agreementId: 'urn:uuid:a', datasetId: 'gps',
    columns: [
      { name: 'user_id', action: 'transform', steps: [{ op: 'pseudonymize' }] },
      { name: 'tracked_at', action: 'transform', steps: [{ op: 'bucketTime', seconds: 300 }] },
      { name: 'latitude', action: 'transform', steps: [{ op: 'grid', cellDegrees: 0.01 }] },
      { name: 'longitude', action: 'transform', steps: [{ op: 'laplace', scale: 0.001 }] },
      { name: 'altitude_m', action: 'transform', steps: [{ op: 'interval', width: 50 }] },
    ],
  };
  const pipeline = createPipeline(plan, SECRET);
  const out = input.map((b) => pipeline.apply(b));
  const rows = out.reduce((n, b) => n + b.numRows, 0);
  t.equal(rows, 164531, 'every point of the 11 users');
  t.ok(col(out, 'latitude').every((x) => x === null || Math.abs(((Number(x) - 0.005) / 0.01) - Math.round((Number(x) - 0.005) / 0.01)) < 1e-6), 'grid: latitudes at 0.01° cell centres');
  const lonIn = col(input, 'longitude').map(Number);
  const noise = col(out, 'longitude').map((x, i) => Number(x) - lonIn[i]!);
  const mad = noise.reduce((s, d) => s + Math.abs(d), 0) / noise.length;
  t.ok(mad > 0.0008 && mad < 0.0012, `laplace: mean absolute noise ${mad.toFixed(5)} ≈ scale 0.001`);
  t.ok(col(out, 'tracked_at').every((x) => x === null || Number(x) % 300000 === 0), 'bucketTime: 5-minute buckets');
  t.ok(col(out, 'altitude_m').every((x) => x === null || /^\[-?\d+, -?\d+\)$/.test(String(x))), 'interval: 50 m bands');
  const hashed = createPipeline({ ...plan, columns: [{ name: 'latitude', action: 'transform', steps: [{ op: 'geohash', precision: 5, lonColumn: 'longitude' }] }, { name: 'longitude', action: 'drop', reason: 'in the geohash' }] }, SECRET).apply(input[0]!);
  t.ok([...hashed.getChild('latitude')!].every((c) => /^wx4[0-9b-hjkmnp-z]{2}$/.test(String(c))), 'geohash: Beijing cells');
});
