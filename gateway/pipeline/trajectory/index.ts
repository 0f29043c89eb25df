// Trajectory desensitisation, the first whole-transfer stage of the pipeline. What it does to the
// points of a transfer (the plan's `trajectory`):
//
// - A point is a row whose vehicle, time, latitude and longitude are all present, the time
//   readable and the position within WGS 84's ranges; any other row is dropped (fail closed,
//   `droppedInvalid`) and takes no part in the trips.
// - Each vehicle's points form trips: a point more than tripGapSeconds after the vehicle's
//   previous point, or earlier than it, starts a new trip (points are expected in time order per
//   vehicle; vehicles may interleave). A gap of exactly tripGapSeconds continues the trip.
// - trimMetres drops every point of a trip within that great-circle distance (haversine,
//   R = 6,371,008.8 m) of the trip's first point or of its last point, inclusive, wherever in the
//   trip it lies: a trip that passes home again halfway does not show home. trimSeconds drops the
//   points within that many seconds of the first or last time. With both, either one drops.
//   First and last points are those of the trip as it happened: a point dropped by a geofence
//   still starts or ends its trip.
// - geofences drops every point inside one of the polygons (geofence.ts).
// - A dropped point is counted once: invalid, else geofence, else trim.
//
// Coarsening what is left (grid, geohash, bucketTime) is the column steps' job, after this stage.
//
// The stage keeps the BatchStage contract: one output batch per input batch, in order, with the
// input's schema and its surviving rows in their order (possibly none). A point near a trip's end
// can only be decided once the trip has ended, that is at the vehicle's next point or at the end of
// the stream, so batches wait until every row of theirs is decided. Held in memory: those batches
// and, per vehicle, its last point and the undecided points of its current trip. A vehicle whose
// last trip is never followed by another point holds every batch after it until the stream ends;
// `maxHeldRows` bounds that: past it, the undecided points of the oldest held batch are dropped
// (fail closed, `droppedHeld`) and the batch goes out. A source that knows its order says so
// (`order`), and trips end sooner: in vehicle order when the next vehicle begins, in time order
// once the stream's time has passed a vehicle's last point by more than the gap. A stream that
// breaks the order it declared is refused (DP_ERR_VALIDATION), since the trips ended early may
// have been wrong.
import type { RecordBatch, Schema } from 'apache-arrow';
import { util } from 'apache-arrow';
import type { TrajectoryPlan } from '../../../policies/pipeline/models.js';
import { DataportError, quoteUntrusted as quote } from '../../../crypto/errors.js';
import type { BatchStage } from '../stage.js';
import { takeRows } from '../take.js';
import { compileGeofences, type Geofences } from './geofence.js';
import { pointLayout, readPoints, type PointLayout, type VehicleKey } from './points.js';
import { DROP, KEEP, Track, decide, type HeldBatch, type TripCounters, type TripRules } from './trips.js';

export { compileGeofences, type Geofences } from './geofence.js';
export { EARTH_RADIUS_M, haversineMetres } from './trips.js';

export interface TrajectoryReport {
  /** Distinct vehicles with at least one point. */
  vehicles: number;
  trips: number;
  batches: number;
  pointsIn: number;
  pointsOut: number;
  /** Near a trip's first or last point (trimMetres, trimSeconds). */
  droppedTrim: number;
  /** Inside a geofence. */
  droppedGeofence: number;
  /** Not a point: vehicle, time or position missing, unreadable or out of range. */
  droppedInvalid: number;
  /** Undecided when the hold limit was reached (fail closed). */
  droppedHeld: number;
  /** The most input batches held at once (1 when nothing waits). */
  maxHeldBatches: number;
  /** The most input rows held at once. */
  maxHeldRows: number;
}

export interface TrajectoryStageOptions {
  /** Rows of held batches past which the oldest held batch is forced out (default 1,000,000). */
  maxHeldRows?: number;
  /**
   * What the input guarantees beyond time order per vehicle: 'vehicle' (each vehicle's points
   * together, as the GeoLife reader gives them), 'time' (all points in time order, as a fleet
   * feed), or 'any' (the default: vehicles interleave freely).
   */
  order?: 'any' | 'vehicle' | 'time';
}

export const DEFAULT_MAX_HELD_ROWS = 1_000_000;

export function createTrajectoryStage(plan: TrajectoryPlan, options: TrajectoryStageOptions = {}): BatchStage<TrajectoryReport> {
  const rules = checkPlan(plan);
  const maxHeld = options.maxHeldRows ?? DEFAULT_MAX_HELD_ROWS;
  if (!Number.isSafeInteger(maxHeld) || maxHeld < 0) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `trajectory: maxHeldRows ${maxHeld} is not a non-negative integer`);
  const order = options.order ?? 'any';
  if (order !== 'any' && order !== 'vehicle' && order !== 'time') throw new DataportError('DP_ERR_INVALID_ARGUMENT', `trajectory: order ${quote(String(order))} is not 'any', 'vehicle' or 'time'`);
  const fences: Geofences | undefined = plan.geofences === undefined ? undefined : compileGeofences(plan.geofences);

  const counters: TripCounters = { trips: 0, droppedTrim: 0 };
  const report: Omit<TrajectoryReport, 'vehicles' | 'trips' | 'droppedTrim'> = {
    batches: 0, pointsIn: 0, pointsOut: 0, droppedGeofence: 0, droppedInvalid: 0, droppedHeld: 0, maxHeldBatches: 0, maxHeldRows: 0,
  };
  const tracks = new Map<VehicleKey, Track>();
  const open = new Set<Track>();
  const queue = new BatchQueue();
  let heldRows = 0;
  let layout: { schema: Schema; points: PointLayout } | undefined;
  // The vehicle of the last point, and its track (consecutive rows are mostly one vehicle's).
  let currentKey: VehicleKey | undefined;
  let current: Track | undefined;
  // order 'time': the latest time so far, and the tracks by their last point's time, oldest first.
  let watermark = -Infinity;
  const byLastTime = new Set<Track>();

  /** Reads one batch's points and decides what can be decided now. */
  function take(batch: RecordBatch): void {
    if (!layout) layout = { schema: batch.schema, points: pointLayout(plan, batch.schema) };
    else if (batch.schema !== layout.schema) sameSchema(layout.schema, batch.schema);
    const n = batch.numRows;
    const held: HeldBatch<RecordBatch> = { batch, decision: new Uint8Array(n), undecided: n };
    queue.push(held);
    heldRows += n;
    report.batches++;
    report.pointsIn += n;
    report.maxHeldBatches = Math.max(report.maxHeldBatches, queue.size);
    report.maxHeldRows = Math.max(report.maxHeldRows, heldRows);
    const p = readPoints(batch, layout.points);
    for (let i = 0; i < n; i++) {
      if (p.usable[i] === 0) {
        decide(held, i, DROP);
        report.droppedInvalid++;
        continue;
      }
      const key = p.vehicle(i);
      if (current === undefined || key !== currentKey) {
        let track = tracks.get(key);
        if (!track) tracks.set(key, (track = new Track(rules, counters, open)));
        if (order === 'vehicle' && current !== undefined && track !== current) {
          // Vehicle order: the previous vehicle has no more points, its trip is over.
          if (track.finished) throw orderBroken(`row ${i} of batch ${report.batches - 1} is a vehicle seen before other vehicles' points`, 'vehicle');
          current.endTrip();
          current.finished = true;
        }
        current = track;
        currentKey = key;
      }
      const time = p.time[i]!, lat = p.lat[i]!, lon = p.lon[i]!;
      if (order === 'time') {
        if (time < watermark) throw orderBroken(`row ${i} of batch ${report.batches - 1} is earlier than a point before it`, 'time');
        watermark = time;
        byLastTime.delete(current);
        byLastTime.add(current);
      }
      current.advance(time, lat, lon);
      if (fences?.contains(lat, lon)) {
        decide(held, i, DROP);
        report.droppedGeofence++;
      } else {
        current.place(held, i);
      }
    }
    if (order === 'time') {
      // Time order: a vehicle's next point is at watermark or later, so a trip whose last point is
      // more than the gap before it is over.
      for (const track of byLastTime) {
        if (watermark - track.lastTime <= rules.gapMs) break;
        track.endTrip();
        byLastTime.delete(track);
      }
    }
  }

  /** Fail closed past the hold limit: the oldest batch's undecided points are dropped. */
  function forceOut(oldest: HeldBatch<RecordBatch>): void {
    for (const track of open) report.droppedHeld += track.dropPendingIn(oldest);
    // Every undecided row is pending in some trip; a row that is not would be a bug here.
    if (oldest.undecided > 0) throw new DataportError('DP_ERR_INTERNAL', 'trajectory: a held batch has rows no trip accounts for');
  }

  /** The decided batches at the head of the queue, as output batches. */
  function* ready(): Generator<RecordBatch> {
    for (let held = queue.first; held !== undefined && held.undecided === 0; held = queue.first) {
      queue.shift();
      heldRows -= held.batch.numRows;
      yield output(held);
    }
  }

  function output(held: HeldBatch<RecordBatch>): RecordBatch {
    const { batch, decision } = held;
    let kept = 0;
    for (let i = 0; i < decision.length; i++) if (decision[i] === KEEP) kept++;
    report.pointsOut += kept;
    if (kept === batch.numRows) return batch;
    const rows = new Int32Array(kept);
    for (let i = 0, k = 0; i < decision.length; i++) if (decision[i] === KEEP) rows[k++] = i;
    return takeRows(batch, rows);
  }

  return {
    async *run(input) {
      for await (const batch of input) {
        take(batch);
        yield* ready();
        for (let oldest = queue.first; oldest !== undefined && heldRows > maxHeld; oldest = queue.first) {
          forceOut(oldest);
          yield* ready();
        }
      }
      for (const track of tracks.values()) track.endTrip();
      yield* ready();
      if (queue.size > 0) throw new DataportError('DP_ERR_INTERNAL', `trajectory: ${queue.size} batches left undecided at the end of the stream`);
    },
    report: () => ({
      vehicles: tracks.size,
      trips: counters.trips,
      batches: report.batches,
      pointsIn: report.pointsIn,
      pointsOut: report.pointsOut,
      droppedTrim: counters.droppedTrim,
      droppedGeofence: report.droppedGeofence,
      droppedInvalid: report.droppedInvalid,
      droppedHeld: report.droppedHeld,
      maxHeldBatches: report.maxHeldBatches,
      maxHeldRows: report.maxHeldRows,
    }),
  };
}

/** The plan's numbers as the stage uses them; DP_ERR_VALIDATION if one cannot work. */
function checkPlan(plan: TrajectoryPlan): TripRules {
  const fail = (problem: string): never => {
    throw new DataportError('DP_ERR_VALIDATION', `trajectory: ${problem}`);
  };
  if (typeof plan !== 'object' || plan === null) fail('the plan is not an object');
  for (const key of ['vehicleColumn', 'timeColumn', 'latColumn', 'lonColumn'] as const) {
    if (typeof plan[key] !== 'string' || plan[key].length === 0) fail(`${key} is not a column name`);
  }
  const names = [plan.vehicleColumn, plan.timeColumn, plan.latColumn, plan.lonColumn];
  if (new Set(names).size !== names.length) fail(`vehicleColumn, timeColumn, latColumn and lonColumn must be four different columns, got ${names.map(quote).join(', ')}`);
  const { tripGapSeconds: gap, trimMetres, trimSeconds } = plan;
  if (typeof gap !== 'number' || !Number.isFinite(gap) || gap <= 0) fail(`tripGapSeconds ${String(gap)} is not a positive number`);
  if (trimMetres !== undefined && (typeof trimMetres !== 'number' || !Number.isFinite(trimMetres) || trimMetres < 0)) fail(`trimMetres ${String(trimMetres)} is not a number >= 0`);
  if (trimSeconds !== undefined && (typeof trimSeconds !== 'number' || !Number.isFinite(trimSeconds) || trimSeconds < 0)) fail(`trimSeconds ${String(trimSeconds)} is not a number >= 0`);
  return { gapMs: gap * 1_000, trimMetres, trimMs: trimSeconds === undefined ? undefined : trimSeconds * 1_000 };
}

function orderBroken(problem: string, order: string): DataportError {
  return new DataportError('DP_ERR_VALIDATION', `trajectory: the input was declared in ${order} order, but ${problem}`);
}

function sameSchema(first: Schema, next: Schema): void {
  const a = first.fields;
  const b = next.fields;
  if (a.length !== b.length || a.some((f, i) => f.name !== b[i]!.name || !util.compareTypes(f.type, b[i]!.type))) {
    throw new DataportError('DP_ERR_VALIDATION', 'trajectory: a batch schema differs from the first batch\'s', { reason: 'DP_ERR_SCHEMA_MISMATCH' });
  }
}

/** Held batches, oldest first (a head index instead of Array.shift, which copies). */
class BatchQueue {
  #items: (HeldBatch<RecordBatch> | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  get first(): HeldBatch<RecordBatch> | undefined {
    return this.#items[this.#head];
  }

  push(held: HeldBatch<RecordBatch>): void {
    this.#items.push(held);
  }

  shift(): void {
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
