// The trajectory stage on real GeoLife traces (../shared/data/geolife, read by the connector's own
// GPS reader; skipped, visibly, where the folder is absent). Trips, their true first and last
// points and the distances are worked out here with plain loops over the input rows, not with
// the stage's code, and the output is matched back to the input row by row.
import t, { type Test } from 'tap';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordBatch } from 'apache-arrow';
import { readGpsTrace } from '../../../connectors/sources/gps-trace.js';
import type { TrajectoryPlan } from '../../../policies/pipeline/models.js';
import type { PipelinePlan } from '../../../policies/pipeline/plan.js';
import { createAnonymizer } from '../../../gateway/pipeline/stream.js';
import { createTrajectoryStage, type TrajectoryStageOptions } from '../../../gateway/pipeline/trajectory/index.js';

// Tests run from the repository root; a build elsewhere (its own outDir, linking the repo's
// node_modules) finds the data beside the repository that node_modules belongs to.
const DATA = [
  join(process.cwd(), '../shared/data'),
  fileURLToPath(new URL('../../../../../shared/data', import.meta.url)),
  ...(existsSync(join(process.cwd(), 'node_modules')) ? [join(dirname(realpathSync(join(process.cwd(), 'node_modules'))), '../shared/data')] : []),
].find((dir) => existsSync(join(dir, 'geolife')));
const skip = DATA ? false : 'real data not found: ../shared/data/geolife is not here (CI has it)';
const CSV = join(DATA ?? '', 'geolife/geolife_trajectory.csv');
const PLT = join(DATA ?? '', 'geolife/plt');

const TRIM_METRES = 200;
const GAP_SECONDS = 300; // GeoLife logs every 1-5 s; the gaps over 5 minutes are where a recording stopped
const PLAN: TrajectoryPlan = {
  vehicleColumn: 'user_id', timeColumn: 'tracked_at', latColumn: 'latitude', lonColumn: 'longitude', tripGapSeconds: GAP_SECONDS, trimMetres: TRIM_METRES,
};

interface Rows { user: string[]; time: number[]; lat: number[]; lon: number[] }

function rowsOf(batches: RecordBatch[]): Rows {
  const column = <T>(name: string) => batches.flatMap((b) => [...b.getChild(name)!] as T[]);
  return { user: column<string>('user_id'), time: column<number>('tracked_at'), lat: column<number>('latitude'), lon: column<number>('longitude') };
}

const R = 6_371_008.8;
const RAD = Math.PI / 180;
function metres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const h = Math.sin(((lat2 - lat1) * RAD) / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(((lon2 - lon1) * RAD) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** For each input row, the input rows that start and end its trip (per user, split at gaps over GAP_SECONDS or time going back). */
function tripEnds(rows: Rows): { start: Int32Array; end: Int32Array; trips: number } {
  const n = rows.user.length;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  const previous = new Map<string, number>();
  const tripOf = new Int32Array(n);
  const firsts: number[] = [];
  const lasts: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = previous.get(rows.user[i]!);
    if (p === undefined || rows.time[i]! < rows.time[p]! || rows.time[i]! - rows.time[p]! > GAP_SECONDS * 1000) {
      firsts.push(i);
      lasts.push(i);
      tripOf[i] = firsts.length - 1;
    } else {
      tripOf[i] = tripOf[p]!;
      lasts[tripOf[i]!] = i;
    }
    previous.set(rows.user[i]!, i);
  }
  for (let i = 0; i < n; i++) {
    start[i] = firsts[tripOf[i]!]!;
    end[i] = lasts[tripOf[i]!]!;
  }
  return { start, end, trips: firsts.length };
}

/** Where each output row is in the input, matching in order; -1 entries if some output row is not an input row. */
function matchInOrder(input: Rows, output: Rows): number[] {
  const at: number[] = [];
  let j = 0;
  for (let k = 0; k < output.user.length; k++) {
    while (j < input.user.length && !(input.user[j] === output.user[k] && input.time[j] === output.time[k] && input.lat[j] === output.lat[k] && input.lon[j] === output.lon[k])) j++;
    at.push(j < input.user.length ? j++ : -1);
  }
  return at;
}

async function read(path: string, batchRows: number): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of readGpsTrace(path, { batchRows })) out.push(b);
  return out;
}

async function* stream(batches: RecordBatch[]): AsyncGenerator<RecordBatch> {
  yield* batches;
}

/** Runs the stage and checks the output against the trips worked out here; returns the figures. */
async function checkAgainstTrueTrips(t: Test, input: RecordBatch[], options?: TrajectoryStageOptions) {
  const stage = createTrajectoryStage(PLAN, options);
  const output: RecordBatch[] = [];
  for await (const b of stage.run(stream(input))) output.push(b);
  const rows = rowsOf(input);
  const kept = rowsOf(output);
  const { start, end, trips } = tripEnds(rows);

  t.equal(output.length, input.length, 'one output batch per input batch');
  t.ok(output.every((b, k) => b.schema.fields.map(String).join() === input[k]!.schema.fields.map(String).join()), 'schema unchanged');
  const at = matchInOrder(rows, kept);
  t.equal(at.indexOf(-1), -1, 'every output point is an input point, in input order');

  const tooClose = at.filter((i) => i >= 0 && (metres(rows.lat[i]!, rows.lon[i]!, rows.lat[start[i]!]!, rows.lon[start[i]!]!) <= TRIM_METRES
    || metres(rows.lat[i]!, rows.lon[i]!, rows.lat[end[i]!]!, rows.lon[end[i]!]!) <= TRIM_METRES));
  t.same(tooClose, [], `no output point within ${TRIM_METRES} m of its trip's true start or end`);

  const expected: number[] = [];
  for (let i = 0; i < rows.user.length; i++) {
    if (metres(rows.lat[i]!, rows.lon[i]!, rows.lat[start[i]!]!, rows.lon[start[i]!]!) > TRIM_METRES
      && metres(rows.lat[i]!, rows.lon[i]!, rows.lat[end[i]!]!, rows.lon[end[i]!]!) > TRIM_METRES) expected.push(i);
  }
  t.equal(at.length, expected.length, 'and every point farther than that is kept');
  t.equal(at.findIndex((i, k) => i !== expected[k]), -1, 'the same points');
  return { report: stage.report(), trips, points: rows.user.length };
}

t.test('GeoLife (trackintel CSV): trips of 5-minute gaps, 200 m trimmed at both ends of each', { skip }, async (t) => {
  const input = await read(CSV, 100);
  const { report, trips, points } = await checkAgainstTrueTrips(t, input);
  t.same([points, trips], [2293, 6]);
  t.same([report.pointsIn, report.trips, report.vehicles, report.pointsOut, report.droppedTrim, report.droppedInvalid], [2293, 6, 1, 1257, 1036, 0]);
  t.equal(report.batches, 23);
});

t.test('GeoLife (11 users\' .plt files, read user by user): trips of 5-minute gaps, 200 m trimmed at both ends of each', { skip }, async (t) => {
  const input = await read(PLT, 4096);
  const { report, trips, points } = await checkAgainstTrueTrips(t, input, { order: 'vehicle' });
  t.same([points, trips, input.length], [164_531, 481, 41]);
  t.same([report.pointsIn, report.trips, report.vehicles, report.pointsOut, report.droppedTrim, report.droppedInvalid], [164_531, 481, 11, 96_128, 68_403, 0]);
  t.equal(report.maxHeldBatches, 2, 'in vehicle order, a user\'s last trip ends when the next user begins');

  // Without the order, each user's last trip waits for the end of the stream, and so does every batch after it.
  const stage = createTrajectoryStage(PLAN);
  let pointsOut = 0;
  for await (const b of stage.run(stream(input))) pointsOut += b.numRows;
  t.same([pointsOut, stage.report().maxHeldBatches], [96_128, 41]);
});

t.test('GeoLife through createAnonymizer: trips trimmed, then users pseudonymised, positions on a 0.01° grid, times in 5-minute buckets', { skip }, async (t) => {
  const input = await read(CSV, 500);
  const plan: PipelinePlan = {
    version: 1, agreementId: 'urn:uuid:agreement-geolife', datasetId: 'geolife', trajectory: PLAN,
    columns: [
      { name: 'user_id', action: 'transform', steps: [{ op: 'pseudonymize' }] },
      { name: 'tracked_at', action: 'transform', steps: [{ op: 'bucketTime', seconds: 300 }] },
      { name: 'latitude', action: 'transform', steps: [{ op: 'grid', cellDegrees: 0.01 }] },
      { name: 'longitude', action: 'transform', steps: [{ op: 'grid', cellDegrees: 0.01 }] },
      { name: 'elevation', action: 'drop', reason: 'not needed' },
    ],
  };
  const anonymizer = createAnonymizer(plan, new Uint8Array(32).fill(3));
  const out: RecordBatch[] = [];
  for await (const b of anonymizer.run(stream(input))) out.push(b);
  const report = anonymizer.report();
  t.equal(out.length, input.length);
  t.same([report.trajectory?.pointsOut, report.rowsIn, report.rowsOut], [1257, 1257, 1257]);
  t.same(out[0]!.schema.fields.map((f) => f.name), ['user_id', 'tracked_at', 'latitude', 'longitude'], 'elevation dropped, accuracy never listed');
  const users = new Set(out.flatMap((b) => [...b.getChild('user_id')!]));
  t.equal(users.size, 1);
  t.match([...users][0], /^[0-9a-f]{32}$/);
  t.ok(out.every((b) => [...b.getChild('tracked_at')!].every((ms) => (ms as number) % 300_000 === 0)), 'times on 5-minute boundaries');
  const cells = new Set(out.flatMap((b) => [...b.getChild('latitude')!].map((lat, i) => `${lat},${b.getChild('longitude')!.get(i)}`)));
  t.ok(cells.size < 40, `${cells.size} distinct 0.01° cells for 1257 points`);
});
