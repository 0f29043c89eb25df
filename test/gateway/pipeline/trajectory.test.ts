// The trajectory stage on synthetic traces: points placed in metres east and north of a Beijing
// origin, so each test can say which rows must go and why. Distances are checked with a
// haversine written out here, not the stage's.
import t from 'tap';
import {
  DateMillisecond, Float64, Int32, Int64, RecordBatch, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Utf8, vectorFromArray, type DataType,
} from 'apache-arrow';
import type { TrajectoryPlan } from '../../../policies/pipeline/models.js';
import type { PipelinePlan } from '../../../policies/pipeline/plan.js';
import { createAnonymizer } from '../../../gateway/pipeline/stream.js';
import { compileGeofences, createTrajectoryStage, type TrajectoryStageOptions } from '../../../gateway/pipeline/trajectory/index.js';
import { thrown } from '../../helpers.js';
import { batchOf } from './helpers.js';

// ---- synthetic traces -----------------------------------------------------------------------

const ORIGIN = { lat: 39.9, lon: 116.4 };
const T0 = Date.UTC(2008, 9, 26, 6, 0, 0);
const R = 6_371_008.8;
const RAD = Math.PI / 180;
const METRES_PER_DEGREE = R * RAD;

interface LatLon { lat: number; lon: number }

/** The position `east` and `north` metres from the origin. */
function at(east: number, north: number): LatLon {
  return { lat: ORIGIN.lat + north / METRES_PER_DEGREE, lon: ORIGIN.lon + east / (METRES_PER_DEGREE * Math.cos(ORIGIN.lat * RAD)) };
}

function metresBetween(a: LatLon, b: LatLon): number {
  const h = Math.sin(((b.lat - a.lat) * RAD) / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(((b.lon - a.lon) * RAD) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** One row: id, vehicle, seconds after T0, metres east and north; lat/lon given outright for broken rows. */
interface Pt { id: number; v: string | null; s: number | null; e: number; n: number; lat?: number | null; lon?: number | null }

const pt = (id: number, v: string | null, s: number | null, e: number, n = 0): Pt => ({ id, v, s, e, n });
const position = (p: Pt): { lat: number | null; lon: number | null } => {
  const q = at(p.e, p.n);
  return { lat: p.lat === undefined ? q.lat : p.lat, lon: p.lon === undefined ? q.lon : p.lon };
};

/** Columns id, vehicle (Utf8), time (the given type, default Timestamp ms), lat, lon (Float64). */
function pointsBatch(points: Pt[], time: { type: DataType; value: (ms: number) => unknown } = { type: new TimestampMillisecond(), value: (ms) => ms }): RecordBatch {
  return batchOf({
    id: vectorFromArray(points.map((p) => p.id), new Int32()),
    vehicle: vectorFromArray(points.map((p) => p.v), new Utf8()),
    time: vectorFromArray(points.map((p) => (p.s === null ? null : time.value(T0 + p.s * 1000))) as never[], time.type),
    lat: vectorFromArray(points.map((p) => position(p).lat), new Float64()),
    lon: vectorFromArray(points.map((p) => position(p).lon), new Float64()),
  });
}

/** Consecutive points of one vehicle, one every 10 s, at the given metres east (and north). */
const track = (v: string, east: number[], north: number[] = [], firstId = 0): Pt[] => east.map((e, i) => pt(firstId + i, v, i * 10, e, north[i] ?? 0));

const plan = (rest: Partial<TrajectoryPlan> & { tripGapSeconds: number }): TrajectoryPlan => ({
  vehicleColumn: 'vehicle', timeColumn: 'time', latColumn: 'lat', lonColumn: 'lon', ...rest,
});

async function* stream(batches: RecordBatch[]): AsyncGenerator<RecordBatch> {
  for (const b of batches) yield b;
}

async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

/** Runs the stage: the output batches, the ids each kept, all ids in order, and the report. */
async function runStage(p: TrajectoryPlan, batches: RecordBatch[], options?: TrajectoryStageOptions) {
  const stage = createTrajectoryStage(p, options);
  const out = await collect(stage.run(stream(batches)));
  const perBatch = out.map((b) => [...b.getChild('id')!] as number[]);
  return { out, perBatch, ids: perBatch.flat(), report: stage.report() };
}

/** A GeoJSON ring around (east, north) metres, half-width `half`, counter-clockwise, closed. */
function square(east: number, north: number, half: number): number[][] {
  return [[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]].map(([x, y]) => {
    const q = at(east + x! * half, north + y! * half);
    return [q.lon, q.lat];
  });
}

// ---- trips ----------------------------------------------------------------------------------

t.test('a gap longer than tripGapSeconds starts a new trip; a gap of exactly tripGapSeconds does not', async (t) => {
  const points = [0, 10, 20, 80, 200, 210, 220].map((s, id) => pt(id, 'A', s, id * 100));
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 0 }), [pointsBatch(points)]);
  t.same(ids, [1, 2, 5], 'trimSeconds 0 drops each trip\'s first and last point: 0 and 80 s, 200 and 220 s');
  t.equal(report.trips, 2);
  t.equal(report.droppedTrim, 4);
});

t.test('time going backwards starts a new trip', async (t) => {
  const points = [0, 10, 20, 5, 15, 25].map((s, id) => pt(id, 'A', s, id * 100));
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 0 }), [pointsBatch(points)]);
  t.same(ids, [1, 4]);
  t.equal(report.trips, 2);
});

// ---- trimming -------------------------------------------------------------------------------

t.test('trimMetres drops every point near the trip\'s first or last point, also halfway through the trip', async (t) => {
  // Home at (0, 0), work at (1650, 1100); the trip passes work at id 4 and comes back near home at id 6.
  const east = [0, 100, 300, 600, 1600, 600, 150, 400, 800, 1200, 1500, 1700, 1650];
  const north = [0, 0, 0, 0, 1150, 300, 50, 400, 800, 1000, 1100, 1050, 1100];
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, trimMetres: 200 }), [pointsBatch(track('A', east, north))]);
  t.same(ids, [2, 3, 5, 7, 8, 9]);
  t.equal(report.droppedTrim, 7);
  const home = at(0, 0);
  const work = at(1650, 1100);
  for (const id of ids) t.ok(metresBetween(at(east[id]!, north[id]!), home) > 200 && metresBetween(at(east[id]!, north[id]!), work) > 200, `id ${id} is far from both ends`);
});

t.test('trimSeconds drops the points within that many seconds of the trip\'s first or last time', async (t) => {
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 25 }), [pointsBatch(track('A', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => k * 100)))]);
  t.same(ids, [3, 4, 5, 6, 7], '30 s to 70 s of a 100 s trip');
  t.equal(report.droppedTrim, 6);
});

t.test('with trimMetres and trimSeconds, a point either one says is near an end is dropped', async (t) => {
  // Slow start (metres decide id 2), fast end (seconds decide ids 5 to 7).
  const seconds = [0, 20, 40, 60, 65, 80, 85, 90, 100];
  const east = [0, 20, 40, 200, 600, 1000, 1400, 1800, 2200];
  const points = seconds.map((s, id) => pt(id, 'A', s, east[id]!));
  const { ids } = await runStage(plan({ tripGapSeconds: 60, trimMetres: 150, trimSeconds: 30 }), [pointsBatch(points)]);
  t.same(ids, [3, 4]);
});

t.test('time trim alone decides a point as soon as the trip has run trimSeconds past it; distance trim waits for the end', async (t) => {
  const points = track('A', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => k * 100));
  const oneEach = points.map((p) => pointsBatch([p]));
  const seconds = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 25 }), oneEach);
  t.equal(seconds.report.maxHeldBatches, 4, 'a point 30 s on releases the point before it');
  const metres = await runStage(plan({ tripGapSeconds: 60, trimMetres: 50 }), oneEach);
  t.same(metres.ids, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.equal(metres.report.maxHeldBatches, 10, 'all but the first batch wait for the trip to end');
});

// ---- geofences ------------------------------------------------------------------------------

/** 17 points of one trip, every 100 m from 800 m west to 800 m east of the origin (id 8 at the origin). */
const crossing = () => track('A', Array.from({ length: 17 }, (_, i) => (i - 8) * 100));

t.test('a geofence polygon drops the points inside it, but not those in its hole', async (t) => {
  const fence = { type: 'Polygon', coordinates: [square(0, 0, 450), square(0, 0, 150).reverse()] };
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, geofences: fence }), [pointsBatch(crossing())]);
  t.same(ids, [0, 1, 2, 3, 7, 8, 9, 13, 14, 15, 16], '200 to 400 m either side are inside; the hole keeps 100 m west to 100 m east');
  t.equal(report.droppedGeofence, 6);
  t.equal(report.droppedTrim, 0);
});

t.test('a MultiPolygon geofence drops the points inside any of its polygons', async (t) => {
  const fence = { type: 'MultiPolygon', coordinates: [[square(-500, 0, 150)], [square(500, 0, 150)]] };
  const { ids } = await runStage(plan({ tripGapSeconds: 60, geofences: fence }), [pointsBatch(crossing())]);
  t.same(ids, [0, 1, 5, 6, 7, 8, 9, 10, 11, 15, 16]);
});

t.test('a FeatureCollection of Polygon and MultiPolygon features drops the points inside any of them', async (t) => {
  const fence = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { name: 'hospital' }, geometry: { type: 'Polygon', coordinates: [square(-500, 0, 150)] } },
      { type: 'Feature', properties: null, geometry: { type: 'MultiPolygon', coordinates: [[square(0, 0, 150)], [square(500, 0, 150)]] } },
    ],
  };
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, geofences: fence }), [pointsBatch(crossing())]);
  t.same(ids, [0, 1, 5, 6, 10, 11, 15, 16]);
  t.equal(report.droppedGeofence, 9);
});

t.test('a point dropped by a geofence still starts its trip: the trim is measured from it', async (t) => {
  const fence = { type: 'Polygon', coordinates: [square(0, 0, 50)] };
  // id 0 is in the fence; id 1 is 100 m from it, id 2 200 m from it (but only 100 m from id 1).
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, trimMetres: 150, geofences: fence }), [pointsBatch(track('A', [0, 100, 200, 600]))]);
  t.same(ids, [2]);
  t.same([report.droppedGeofence, report.droppedTrim], [1, 2]);
});

t.test('bad geofences are refused up front with DP_ERR_VALIDATION saying where', async (t) => {
  const ring = square(0, 0, 100);
  const cases: [unknown, string][] = [
    [{ type: 'Point', coordinates: [116.4, 39.9] }, 'geofences.type: expected Polygon, MultiPolygon, Feature or FeatureCollection, got "Point"'],
    [{ type: 'Polygon', coordinates: [ring.slice(0, 4)] }, 'geofences.coordinates[0]: a linear ring must end at its first position (RFC 7946 3.1.6)'],
    [{ type: 'Polygon', coordinates: [[ring[0], ring[1], ring[0]]] }, 'geofences.coordinates[0]: a linear ring has 3 positions, it needs at least 4 (RFC 7946 3.1.6)'],
    [{ type: 'Polygon', coordinates: [] }, 'geofences.coordinates: a polygon needs an array of linear rings, the exterior ring first'],
    [{ type: 'Polygon', coordinates: [[[39.9, 116.3], [39.9, 116.5], [40, 116.5], [39.9, 116.3]]] }, 'geofences.coordinates[0][0]: [39.9, 116.3] is not a WGS 84 [longitude, latitude]'],
    [{ type: 'Polygon', coordinates: [[['116.4', 39.9], ...ring.slice(1)]] }, 'geofences.coordinates[0][0]: expected a [longitude, latitude] position, got ["116.4",39.9]'],
    [{ type: 'MultiPolygon', coordinates: [[ring], 'x'] }, 'geofences.coordinates[1]: a polygon needs an array of linear rings, the exterior ring first'],
    [{ type: 'Feature', geometry: { type: 'LineString', coordinates: ring } }, 'geofences.geometry: a geofence feature must be a Polygon or MultiPolygon, got a "LineString"'],
    [{ type: 'Feature', geometry: null }, 'geofences.geometry: a geofence feature must be a Polygon or MultiPolygon, got null'],
    [{ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] } }, { type: 'Polygon', coordinates: [ring] }] }, 'geofences.features[1]: is not a Feature'],
    [{ type: 'FeatureCollection' }, 'geofences.features: expected an array of features, got undefined'],
  ];
  for (const [geofences, message] of cases) {
    t.same(thrown(() => createTrajectoryStage(plan({ tripGapSeconds: 60, geofences: geofences as TrajectoryPlan['geofences'] }))), {
      code: 'DP_ERR_VALIDATION', message: `The request does not match its schema: trajectory ${message}`,
    }, message);
  }
});

t.test('many geofences: the grid index finds exactly the polygons a brute-force scan finds', async (t) => {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const polygons = Array.from({ length: 3000 }, () => {
    const e = (random() - 0.5) * 40_000, n = (random() - 0.5) * 40_000, r = 50 + random() * 400;
    const q = [at(e - r, n - r), at(e + r, n - r * random()), at(e + r * random(), n + r)].map((p) => [p.lon, p.lat]);
    return [...q, q[0]!];
  });
  const fences = compileGeofences({ type: 'MultiPolygon', coordinates: polygons.map((ring) => [ring]) });
  const boxes = polygons.map((ring) => [Math.min(...ring.map((q) => q[0]!)), Math.max(...ring.map((q) => q[0]!)), Math.min(...ring.map((q) => q[1]!)), Math.max(...ring.map((q) => q[1]!))]);
  const inTriangle = (ring: number[][], p: LatLon, i: number) => {
    const [w, e, s, n] = boxes[i]!;
    if (p.lon < w! || p.lon > e! || p.lat < s! || p.lat > n!) return false;
    let odd = false;
    for (let k = 1; k < ring.length; k++) {
      const [x1, y1] = ring[k - 1]!, [x2, y2] = ring[k]!;
      if ((y1! > p.lat) !== (y2! > p.lat) && p.lon < ((x2! - x1!) * (p.lat - y1!)) / (y2! - y1!) + x1!) odd = !odd;
    }
    return odd;
  };
  let inside = 0;
  let mismatches = 0;
  for (let k = 0; k < 5_000; k++) {
    const p = at((random() - 0.5) * 44_000, (random() - 0.5) * 44_000);
    const expected = polygons.some((ring, i) => inTriangle(ring, p, i));
    if (expected) inside++;
    if (fences.contains(p.lat, p.lon) !== expected) mismatches++;
  }
  t.equal(fences.polygons, 3000);
  t.equal(mismatches, 0);
  t.ok(inside > 100, `${inside} of 5000 points fall in some polygon`);
});

// ---- rows that are not points ---------------------------------------------------------------

t.test('rows without a vehicle, a time or a valid position are dropped and take no part in the trips', async (t) => {
  const points: Pt[] = [
    pt(0, 'A', 0, 0),
    pt(1, null, 10, 100),
    pt(2, 'A', null, 200),
    { ...pt(3, 'A', 20, 300), lat: NaN },
    { ...pt(4, 'A', 500, 400), lat: 91 }, // would split the trip if it counted
    { ...pt(5, 'A', 30, 500), lon: -181 },
    { ...pt(6, 'A', 35, 600), lon: null },
    pt(7, 'A', 40, 700),
    pt(8, 'A', 50, 800),
    pt(9, 'A', 60, 900),
  ];
  const { ids, report } = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 0 }), [pointsBatch(points)]);
  t.same(ids, [7, 8]);
  t.same([report.droppedInvalid, report.trips, report.vehicles], [6, 1, 1]);
});

t.test('the time column may be a Timestamp of any unit, a Date or ISO 8601 text with or without an offset', async (t) => {
  const points = [0, 10, 20, 30, 200, 210, 220].map((s, id) => pt(id, 'A', s, id * 100));
  const iso = (ms: number, zone: number, fraction = '') => {
    const local = new Date(ms + zone * 60_000).toISOString().slice(0, 19);
    const sign = zone < 0 ? '-' : '+';
    const z = zone === 0 ? 'Z' : `${sign}${String(Math.floor(Math.abs(zone) / 60)).padStart(2, '0')}:${String(Math.abs(zone) % 60).padStart(2, '0')}`;
    return `${local}${fraction}${z}`;
  };
  const encodings: [string, DataType, (ms: number) => unknown][] = [
    ['timestamp[s]', new TimestampSecond(), (ms) => ms],
    ['timestamp[ns]', new TimestampNanosecond(), (ms) => ms],
    ['date[ms]', new DateMillisecond(), (ms) => new Date(ms)],
    ['text, UTC', new Utf8(), (ms) => iso(ms, 0)],
    ['text, +08:00 with a fraction', new Utf8(), (ms) => iso(ms, 480, '.250')],
    ['text, -03:30', new Utf8(), (ms) => iso(ms, -210)],
  ];
  const base = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 0 }), [pointsBatch(points)]);
  t.same([base.ids, base.report.trips], [[1, 2, 5], 2]);
  for (const [name, type, value] of encodings) {
    const { ids, report } = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 0 }), [pointsBatch(points, { type, value })]);
    t.same([ids, report.trips], [[1, 2, 5], 2], name);
  }
  const { ids } = await runStage(plan({ tripGapSeconds: 60, trimSeconds: 0 }), [pointsBatch(points, { type: new Utf8(), value: (ms) => (ms === T0 + 10_000 ? '26/10/2008' : iso(ms, 0)) })]);
  t.same(ids, [2, 5], 'unreadable text is not a time: the row is dropped');
});

t.test('columns missing from the input, or of a type that cannot work, are refused with DP_ERR_VALIDATION naming them', async (t) => {
  const batch = pointsBatch(track('A', [0, 100]));
  const err = (message: string) => ({ code: 'DP_ERR_VALIDATION', message: `The request does not match its schema: trajectory: ${message}` });
  await t.rejects(runStage(plan({ tripGapSeconds: 60, trimMetres: 1, vehicleColumn: 'car', latColumn: 'y' }), [batch]),
    err('columns "car" (vehicleColumn), "y" (latColumn) not in the input schema'));
  const textLat = batchOf({ vehicle: batch.getChild('vehicle')!, time: batch.getChild('time')!, lat: vectorFromArray(['39.9', '39.9'], new Utf8()), lon: batch.getChild('lon')! });
  await t.rejects(runStage(plan({ tripGapSeconds: 60, trimMetres: 1 }), [textLat]), err('"lat" needs numbers (degrees), got Utf8'));
  const epochTime = batchOf({ vehicle: batch.getChild('vehicle')!, time: vectorFromArray([1n, 2n], new Int64()), lat: batch.getChild('lat')!, lon: batch.getChild('lon')! });
  await t.rejects(runStage(plan({ tripGapSeconds: 60, trimMetres: 1 }), [epochTime]), err('"time" needs a Timestamp, a Date or ISO 8601 text, got Int64'));
});

t.test('a plan whose numbers cannot work is refused when the stage is made', async (t) => {
  const message = (p: TrajectoryPlan) => thrown(() => createTrajectoryStage(p)).message.replace('The request does not match its schema: ', '');
  t.equal(message(plan({ tripGapSeconds: 0, trimMetres: 1 })), 'trajectory: tripGapSeconds 0 is not a positive number');
  t.equal(message(plan({ tripGapSeconds: 60, trimMetres: -1 })), 'trajectory: trimMetres -1 is not a number >= 0');
  t.equal(message(plan({ tripGapSeconds: 60, trimSeconds: NaN })), 'trajectory: trimSeconds NaN is not a number >= 0');
  t.equal(message(plan({ tripGapSeconds: 60, trimMetres: 1, lonColumn: 'lat' })), 'trajectory: vehicleColumn, timeColumn, latColumn and lonColumn must be four different columns, got "vehicle", "time", "lat", "lat"');
});

t.test('a batch whose schema differs from the first batch\'s is refused', async (t) => {
  const first = pointsBatch(track('A', [0, 100]));
  const second = pointsBatch(track('A', [0, 100]), { type: new Utf8(), value: (ms) => new Date(ms).toISOString() });
  await t.rejects(runStage(plan({ tripGapSeconds: 60, trimMetres: 1 }), [first, second]), {
    code: 'DP_ERR_VALIDATION', message: "The request does not match its schema: trajectory: a batch schema differs from the first batch's",
  });
});

// ---- the stage contract ---------------------------------------------------------------------

/** The kept ids, worked out the plain way: whole trips in hand, every rule checked on every point. */
function expectedKept(points: Pt[], p: { gap: number; metres: number; seconds: number; fenced: (q: LatLon) => boolean }): Set<number> {
  const trips: Pt[][] = [];
  const current = new Map<string, Pt[]>();
  for (const q of points) {
    const { lat, lon } = position(q);
    if (q.v === null || q.s === null || lat === null || lon === null) continue;
    const trip = current.get(q.v);
    const prev = trip?.at(-1);
    if (!trip || !prev || q.s < prev.s! || q.s - prev.s! > p.gap) {
      const fresh = [q];
      trips.push(fresh);
      current.set(q.v, fresh);
    } else {
      trip.push(q);
    }
  }
  const kept = new Set<number>();
  for (const trip of trips) {
    const first = trip[0]!, last = trip.at(-1)!;
    for (const q of trip) {
      const here = at(q.e, q.n);
      if (p.fenced(here)) continue;
      const near = metresBetween(here, at(first.e, first.n)) <= p.metres || metresBetween(here, at(last.e, last.n)) <= p.metres
        || q.s! - first.s! <= p.seconds || last.s! - q.s! <= p.seconds;
      if (!near) kept.add(q.id);
    }
  }
  return kept;
}

t.test('interleaved vehicles over many small batches: one output batch per input batch, in order, each with its own surviving rows', async (t) => {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const vehicles = ['京A12345', '京B67890', 'Z', '沪C00001'].map((v) => ({ v, s: 0, e: (random() - 0.5) * 2000, n: (random() - 0.5) * 2000 }));
  const points: Pt[] = [];
  for (let id = 0; id < 600; id++) {
    const w = vehicles[Math.floor(random() * vehicles.length)]!;
    const r = random();
    w.s += r < 0.05 ? 200 + random() * 400 : r < 0.07 ? -30 : 5 + random() * 20; // gaps, time going backwards, driving
    w.e += (random() - 0.5) * 300;
    w.n += (random() - 0.5) * 300;
    points.push(pt(id, w.v, Math.round(w.s), w.e, w.n));
  }
  const batches: RecordBatch[] = [];
  for (let k = 0; k < points.length;) {
    const size = Math.floor(random() * 7); // 0 to 6 rows, empty batches included
    batches.push(pointsBatch(points.slice(k, k + size)));
    k += size;
  }
  const [sw, ne] = [at(-600, -600), at(600, 600)];
  const fence = { type: 'Polygon', coordinates: [square(0, 0, 600)] };
  const fenced = (q: LatLon) => q.lat > sw.lat && q.lat < ne.lat && q.lon > sw.lon && q.lon < ne.lon;
  const kept = expectedKept(points, { gap: 120, metres: 150, seconds: 20, fenced });

  const { out, perBatch, ids, report } = await runStage(plan({ tripGapSeconds: 120, trimMetres: 150, trimSeconds: 20, geofences: fence }), batches);
  t.equal(out.length, batches.length);
  t.same(perBatch, batches.map((b) => ([...b.getChild('id')!] as number[]).filter((id) => kept.has(id))));
  t.same(ids, points.map((p) => p.id).filter((id) => kept.has(id)));
  t.equal(report.pointsOut, kept.size);
  t.equal(report.pointsIn, 600);
  t.equal(report.vehicles, 4);
  t.equal(report.pointsIn, report.pointsOut + report.droppedTrim + report.droppedGeofence + report.droppedInvalid + report.droppedHeld);
  t.ok(kept.size > 100 && report.droppedGeofence > 0 && report.trips > 20, `${kept.size} kept, ${report.droppedGeofence} fenced, ${report.trips} trips`);
  t.ok(report.maxHeldBatches > 1, `batches waited (up to ${report.maxHeldBatches})`);

  // Time trim alone decides points while their trips go on: the same rows as deciding at the end.
  const bySeconds = await runStage(plan({ tripGapSeconds: 120, trimSeconds: 60 }), batches);
  const keptBySeconds = expectedKept(points, { gap: 120, metres: -1, seconds: 60, fenced: () => false });
  t.same(bySeconds.perBatch, batches.map((b) => ([...b.getChild('id')!] as number[]).filter((id) => keptBySeconds.has(id))));
  t.ok(bySeconds.report.maxHeldBatches < report.maxHeldBatches, `fewer batches wait: ${bySeconds.report.maxHeldBatches} against ${report.maxHeldBatches}`);
});

t.test('the output has the input\'s schema; a batch left with no rows still goes out, one left whole goes out as it came', async (t) => {
  const batches = [
    pointsBatch([pt(0, 'A', 0, 0), pt(1, 'B', 0, 5000)]), // both trips' first points: no survivors
    pointsBatch([pt(2, 'A', 10, 1000), pt(3, 'B', 10, 6000)]),
    pointsBatch([pt(4, 'A', 20, 2000), pt(5, 'B', 20, 7000)]),
  ];
  const { out, perBatch } = await runStage(plan({ tripGapSeconds: 60, trimMetres: 100 }), batches);
  t.same(perBatch, [[], [2, 3], []]);
  t.equal(out[0]!.numRows, 0);
  t.equal(out[1], batches[1], 'nothing dropped: the same batch object');
  for (const b of out) t.same(b.schema.fields.map((f) => [f.name, String(f.type)]), batches[0]!.schema.fields.map((f) => [f.name, String(f.type)]));
});

t.test('past maxHeldRows the oldest batch goes out with its undecided points dropped (fail closed)', async (t) => {
  // Vehicles one after the other: a vehicle's last trip only ends with the stream.
  const points = ['A', 'B', 'C'].flatMap((v, k) => track(v, Array.from({ length: 20 }, (_, i) => i * 100), [], k * 20));
  const batches = Array.from({ length: 12 }, (_, k) => pointsBatch(points.slice(k * 5, k * 5 + 5)));
  const unbounded = await runStage(plan({ tripGapSeconds: 60, trimMetres: 50 }), batches);
  t.equal(unbounded.ids.length, 54, 'each trip loses its first and last point');
  t.same([unbounded.report.maxHeldBatches, unbounded.report.maxHeldRows, unbounded.report.droppedHeld], [12, 60, 0]);

  const bounded = await runStage(plan({ tripGapSeconds: 60, trimMetres: 50 }), batches, { maxHeldRows: 10 });
  t.equal(bounded.out.length, 12);
  t.same(bounded.ids, [50, 51, 52, 53, 54, 55, 56, 57, 58], 'only C\'s last two batches were still held when its trip ended');
  t.same([bounded.report.droppedHeld, bounded.report.droppedTrim, bounded.report.maxHeldRows], [47, 4, 15]);
});

t.test('a stream declared in time order ends a trip once the stream has passed its last point by more than the gap', async (t) => {
  // A drives once and is not seen again; B and C drive, pause 15 minutes and drive again. All points in time order.
  const drives = { A: [0], B: [0, 1], C: [0, 1] };
  const points = Object.entries(drives).flatMap(([v, trips], k) => trips.flatMap((trip) => Array.from({ length: 12 }, (_, i) => ({
    v, s: trip * 1200 + i * 30 + k, e: k * 5000 + (i - 6) * 120, n: trip * 3000,
  })))).sort((a, b) => a.s - b.s).map((q, id) => pt(id, q.v, q.s, q.e, q.n));
  const batches = Array.from({ length: 10 }, (_, k) => pointsBatch(points.slice(k * 6, k * 6 + 6)));
  const kept = expectedKept(points, { gap: 300, metres: 250, seconds: -1, fenced: () => false });
  const any = await runStage(plan({ tripGapSeconds: 300, trimMetres: 250 }), batches);
  const timed = await runStage(plan({ tripGapSeconds: 300, trimMetres: 250 }), batches, { order: 'time' });
  t.same(any.ids, [...kept].sort((a, b) => a - b));
  t.same(timed.ids, any.ids);
  t.same(timed.perBatch, any.perBatch);
  t.same([any.report.maxHeldBatches, timed.report.maxHeldBatches], [9, 6], 'the first trips go out before the stream ends');
});

t.test('a stream that breaks the order it declared is refused', async (t) => {
  const byVehicle = [pointsBatch([pt(0, 'A', 0, 0), pt(1, 'B', 0, 0)]), pointsBatch([pt(2, 'A', 10, 100)])];
  await t.rejects(runStage(plan({ tripGapSeconds: 60, trimMetres: 50 }), byVehicle, { order: 'vehicle' }), {
    code: 'DP_ERR_VALIDATION', message: "The request does not match its schema: trajectory: the input was declared in vehicle order, but row 0 of batch 1 is a vehicle seen before other vehicles' points",
  });
  const byTime = [pointsBatch([pt(0, 'A', 10, 0), pt(1, 'B', 5, 0)])];
  await t.rejects(runStage(plan({ tripGapSeconds: 60, trimMetres: 50 }), byTime, { order: 'time' }), {
    code: 'DP_ERR_VALIDATION', message: 'The request does not match its schema: trajectory: the input was declared in time order, but row 1 of batch 0 is earlier than a point before it',
  });
});

// ---- the whole pipeline ---------------------------------------------------------------------

t.test('createAnonymizer runs the trajectory stage, then the column steps: pseudonymous vehicles, grid positions, 5-minute times', async (t) => {
  const points = [...track('京A12345', Array.from({ length: 30 }, (_, i) => i * 150)), ...track('京B67890', Array.from({ length: 30 }, (_, i) => -i * 150), [], 30)]
    .sort((a, b) => a.s! - b.s! || a.id - b.id);
  const batches = Array.from({ length: 6 }, (_, k) => pointsBatch(points.slice(k * 10, k * 10 + 10)));
  const pipeline: PipelinePlan = {
    version: 1, agreementId: 'urn:uuid:agreement-trajectory', datasetId: 'fleet',
    trajectory: plan({ tripGapSeconds: 300, trimMetres: 500 }),
    columns: [
      { name: 'vehicle', action: 'transform', steps: [{ op: 'pseudonymize', length: 16 }] },
      { name: 'time', action: 'transform', steps: [{ op: 'bucketTime', seconds: 300 }] },
      { name: 'lat', action: 'transform', steps: [{ op: 'grid', cellDegrees: 0.01 }] },
      { name: 'lon', action: 'transform', steps: [{ op: 'grid', cellDegrees: 0.01 }] },
      { name: 'id', action: 'keep' },
    ],
  };
  const anonymizer = createAnonymizer(pipeline, new Uint8Array(32).fill(9));
  const out = await collect(anonymizer.run(stream(batches)));
  const report = anonymizer.report();
  const stageOnly = await runStage(pipeline.trajectory!, batches);

  t.equal(out.length, 6, 'one output batch per input batch');
  t.same(out.flatMap((b) => [...b.getChild('id')!]), stageOnly.ids, 'the rows the stage kept, in order');
  t.equal(stageOnly.ids.length, 2 * (30 - 8), 'each trip loses the points within 500 m of either end: 4 at each');
  t.same(report.trajectory, stageOnly.report);
  t.equal(report.rowsIn, stageOnly.ids.length, 'the column steps see only the survivors');
  const vehicles = out.flatMap((b) => [...b.getChild('vehicle')!] as string[]);
  t.ok(vehicles.every((v) => /^[0-9a-f]{16}$/.test(v)), 'vehicles are 16-hex pseudonyms');
  t.equal(new Set(vehicles).size, 2);
  t.ok(out.flatMap((b) => [...b.getChild('time')!] as number[]).every((ms) => ms % 300_000 === 0), 'times on 5-minute boundaries');
  const onGrid = (x: number) => Math.abs(x * 100 - Math.floor(x * 100) - 0.5) < 1e-6;
  t.ok(out.flatMap((b) => [...b.getChild('lat')!, ...b.getChild('lon')!] as number[]).every(onGrid), 'positions at centres of 0.01° cells');
});
