// npm run bench -- trajectory [--quick]
// The trajectory stage (gateway/pipeline/trajectory/) over a synthetic fleet: 2,000 vehicles
// driving trips of 5-second fixes with 20-minute stops, interleaved in time order, 1M points
// (200k with --quick) in batches of 8,192 rows with one extra column. In the same run:
//   - a passthrough stage (each batch yielded as it came): the floor of the harness;
//   - the naive version (row objects from toArray(), the whole transfer held, trips per vehicle
//     in arrays, batches rebuilt with vectorFromArray), the same decisions;
//   - the stage with trimMetres 200 + trimSeconds 60, without and with 1,000 geofence squares,
//     and declared in time order (order: 'time').
import { Float64, RecordBatch, TimestampMillisecond, Utf8, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { createTrajectoryStage, haversineMetres, type TrajectoryStageOptions } from '../gateway/pipeline/trajectory/index.js';
import type { GeoJsonObject, TrajectoryPlan } from '../policies/pipeline/models.js';
import { printTable, writeResults, type Row } from './report.js';

const BATCH_ROWS = 8192;
const VEHICLES = 2000;
const M_PER_DEGREE = 111_195;

function batchOf(columns: Record<string, Vector>): RecordBatch {
  return new RecordBatch(Object.fromEntries(Object.entries(columns).map(([name, v]) => [name, v.data[0]!])));
}

/**
 * The fleet, in time order: every 5 s each driving vehicle logs a fix 5-60 m from its last one;
 * after a trip of 100-400 fixes it parks for 20 minutes.
 */
function fleet(points: number): RecordBatch[] {
  let seed = 1;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const state = Array.from({ length: VEHICLES }, (_, v) => ({
    id: `京A${String(10000 + v)}`, lat: 39.7 + random() * 0.4, lon: 116.2 + random() * 0.4, left: Math.floor(random() * 400), parkedUntil: 0,
  }));
  const t0 = Date.UTC(2024, 0, 1);
  const vehicle: string[] = [];
  const time: number[] = [], lat: number[] = [], lon: number[] = [], speed: number[] = [];
  for (let round = 0; vehicle.length < points; round++) {
    state.forEach((s, v) => {
      if (s.parkedUntil > round || vehicle.length === points) return;
      if (s.left-- === 0) {
        s.parkedUntil = round + 240;
        s.left = 100 + Math.floor(random() * 300);
        return;
      }
      const step = 5 + random() * 55;
      const heading = random() * 2 * Math.PI;
      s.lat += (step * Math.cos(heading)) / M_PER_DEGREE;
      s.lon += (step * Math.sin(heading)) / (M_PER_DEGREE * Math.cos(s.lat * (Math.PI / 180)));
      vehicle.push(s.id);
      time.push(t0 + round * 5000 + v);
      lat.push(s.lat);
      lon.push(s.lon);
      speed.push(step / 5);
    });
  }
  const batches: RecordBatch[] = [];
  for (let start = 0; start < points; start += BATCH_ROWS) {
    const end = Math.min(points, start + BATCH_ROWS);
    batches.push(batchOf({
      vehicle: vectorFromArray(vehicle.slice(start, end), new Utf8()),
      time: vectorFromArray(time.slice(start, end), new TimestampMillisecond()),
      lat: makeVector(Float64Array.from(lat.slice(start, end))),
      lon: makeVector(Float64Array.from(lon.slice(start, end))),
      speed: makeVector(Float64Array.from(speed.slice(start, end))),
    }));
  }
  return batches;
}

function geofences(count: number): GeoJsonObject {
  let seed = 99;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const d = 150 / M_PER_DEGREE;
  return {
    type: 'MultiPolygon',
    coordinates: Array.from({ length: count }, () => {
      const lat = 39.7 + random() * 0.4, lon = 116.2 + random() * 0.4;
      return [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]];
    }),
  };
}

const PLAN: TrajectoryPlan = { vehicleColumn: 'vehicle', timeColumn: 'time', latColumn: 'lat', lonColumn: 'lon', tripGapSeconds: 300, trimMetres: 200, trimSeconds: 60 };

async function* stream(batches: RecordBatch[]): AsyncGenerator<RecordBatch> {
  yield* batches;
}

async function* passthrough(input: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch> {
  for await (const b of input) yield b;
}

interface Point { vehicle: string; time: number; lat: number; lon: number; speed: number }

/** The same decisions, written the obvious way: every row an object, the whole transfer in memory. */
async function* naive(input: AsyncIterable<RecordBatch>, plan: TrajectoryPlan): AsyncGenerator<RecordBatch> {
  const batches: Point[][] = [];
  for await (const b of input) batches.push(b.toArray().map((r) => r.toJSON() as unknown as Point));
  const keep = batches.map((rows) => rows.map(() => true));
  const trips = new Map<string, { b: number; i: number }[]>();
  const decide = (trip: { b: number; i: number }[]) => {
    const first = batches[trip[0]!.b]![trip[0]!.i]!, last = batches[trip.at(-1)!.b]![trip.at(-1)!.i]!;
    for (const { b, i } of trip) {
      const p = batches[b]![i]!;
      const near = haversineMetres(p.lat, p.lon, first.lat, first.lon) <= plan.trimMetres! || haversineMetres(p.lat, p.lon, last.lat, last.lon) <= plan.trimMetres!
        || p.time - first.time <= plan.trimSeconds! * 1000 || last.time - p.time <= plan.trimSeconds! * 1000;
      if (near) keep[b]![i] = false;
    }
  };
  batches.forEach((rows, b) => rows.forEach((p, i) => {
    const trip = trips.get(p.vehicle);
    const prev = trip?.at(-1);
    const before = prev && batches[prev.b]![prev.i]!;
    if (trip && before && p.time >= before.time && p.time - before.time <= plan.tripGapSeconds * 1000) trip.push({ b, i });
    else {
      if (trip) decide(trip);
      trips.set(p.vehicle, [{ b, i }]);
    }
  }));
  for (const trip of trips.values()) decide(trip);
  for (const [b, rows] of batches.entries()) {
    const kept = rows.filter((_, i) => keep[b]![i]);
    yield batchOf({
      vehicle: vectorFromArray(kept.map((p) => p.vehicle), new Utf8()),
      time: vectorFromArray(kept.map((p) => p.time), new TimestampMillisecond()),
      lat: vectorFromArray(kept.map((p) => p.lat), new Float64()),
      lon: vectorFromArray(kept.map((p) => p.lon), new Float64()),
      speed: vectorFromArray(kept.map((p) => p.speed), new Float64()),
    });
  }
}

/** Median wall time of `runs` runs after a warm-up, and what the last run gave. */
async function time(runs: number, make: () => AsyncGenerator<RecordBatch>): Promise<{ ms: number; rows: number }> {
  let rows = 0;
  const samples: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    rows = 0;
    for await (const b of make()) rows += b.numRows;
    if (r > 0) samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, rows };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const points = quick ? 200_000 : 1_000_000;
  const runs = quick ? 3 : 5;
  const batches = fleet(points);
  const fences = geofences(1000);
  const rows: Row[] = [];
  let baseline = 0;
  const add = async (implementation: string, make: () => AsyncGenerator<RecordBatch>, report?: () => { maxHeldBatches: number }) => {
    const { ms, rows: out } = await time(runs, make);
    if (rows.length === 0) baseline = ms;
    rows.push({
      implementation, points, 'points out': out, ms, 'Mpoints/s': points / ms / 1000, 'x passthrough': ms / baseline, 'held batches (max)': report?.().maxHeldBatches ?? 1,
    });
  };
  await add('passthrough (baseline)', () => passthrough(stream(batches)));
  await add('naive row objects, whole transfer held', () => naive(stream(batches), PLAN), () => ({ maxHeldBatches: batches.length }));
  for (const [name, plan, options] of [
    ['stage: trim 200 m + 60 s', PLAN, {}],
    ['stage: trim + 1,000 geofences', { ...PLAN, geofences: fences }, {}],
    ['stage: trim, order: time', PLAN, { order: 'time' }],
  ] as [string, TrajectoryPlan, TrajectoryStageOptions][]) {
    let stage = createTrajectoryStage(plan, options);
    await add(name, () => (stage = createTrajectoryStage(plan, options)).run(stream(batches)), () => stage.report());
  }
  printTable(`trajectory stage, ${points.toLocaleString('en-US')} points of ${VEHICLES.toLocaleString('en-US')} vehicles in ${batches.length} batches (median of ${runs})`, rows);
  writeResults('trajectory', { quick, points, vehicles: VEHICLES, batches: batches.length, rows });
}
