// The vehicle telemetry table of the data-plane benchmark, written once per size as an Arrow IPC
// stream (what the provider connector serves) and as NDJSON (what the naive baseline reads).
// Positions and times are the real GeoLife points, cycled; each pass over them is shifted in time
// past the previous one and driven by other vehicles, so times keep increasing and a VIN is one
// GeoLife user in one pass (about 200 vehicles, two drivers each, one per trip).
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import {
  AsyncByteQueue, Field, Float64, RecordBatch, RecordBatchStreamWriter, Schema, Struct, TimestampMillisecond, Utf8, makeData,
  type Data, type DataType,
} from 'apache-arrow';
import { readSource } from '../connectors/sources/index.js';

export const GEOLIFE_PLT = '../shared/data/geolife/plt';
export const BATCH_ROWS = 65_536;
const VEHICLES = 200;
/** A new trip (and maybe another driver) after a gap this long. */
const TRIP_GAP_MS = 30 * 60_000;
/** Above this a GeoLife step is taken for a GPS jump, not driving. */
const MAX_SPEED_MPS = 60;

/** The published schema: names, Arrow types and roles (see policies/pipeline/README.md). */
export const TELEMETRY_FIELDS = [
  { name: 'vin', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'driver_id', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'plate', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'tracked_at', type: 'timestamp[ms]', role: 'quasi-identifier', category: 'location' },
  { name: 'latitude', type: 'float64', role: 'quasi-identifier', category: 'location' },
  { name: 'longitude', type: 'float64', role: 'quasi-identifier', category: 'location' },
  { name: 'speed', type: 'float64', role: 'other' },
  { name: 'heading', type: 'float64', role: 'other' },
  { name: 'note', type: 'utf8', role: 'other' },
] as const;

export type TelemetryRow = {
  vin: string; driver_id: string; plate: string; tracked_at: number;
  latitude: number; longitude: number; speed: number; heading: number; note: string;
};

/** The points every row is built from: one entry per GeoLife point, in user and time order. */
export interface BasePoints {
  source: string;
  count: number;
  users: number;
  user: Int32Array;
  trip: Int32Array;
  at: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  speed: Float64Array;
  heading: Float64Array;
  /** How far one pass is shifted in time after the previous one (ms). */
  passMs: number;
}

/** The GeoLife points, or (without ../shared/data) Beijing-like synthetic traces of 11 users. */
export async function loadBasePoints(): Promise<BasePoints> {
  const users: string[] = [];
  const user: number[] = [];
  const at: number[] = [];
  const lat: number[] = [];
  const lon: number[] = [];
  let source: string;
  if (existsSync(GEOLIFE_PLT)) {
    source = `GeoLife ${GEOLIFE_PLT}`;
    for await (const batch of readSource(GEOLIFE_PLT, 'gps-trace')) {
      const ids = batch.getChild('user_id')!;
      const times = batch.getChild('tracked_at')!.data[0]!.values as BigInt64Array;
      const lats = batch.getChild('latitude')!.data[0]!.values as Float64Array;
      const lons = batch.getChild('longitude')!.data[0]!.values as Float64Array;
      for (let i = 0; i < batch.numRows; i++) {
        const id = String(ids.get(i));
        if (users.at(-1) !== id) users.push(id);
        user.push(users.length - 1);
        at.push(Number(times[i]!));
        lat.push(lats[i]!);
        lon.push(lons[i]!);
      }
    }
  } else {
    source = 'synthetic Beijing-like traces (no ../shared/data here)';
    synthesise(users, user, at, lat, lon);
  }
  return derive(source, users.length, user, at, lat, lon);
}

/** 11 users, 15,000 points each: random walks around Beijing at 1 to 5 s per fix, a trip a day. */
function synthesise(users: string[], user: number[], at: number[], lat: number[], lon: number[]): void {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let u = 0; u < 11; u++) {
    users.push(String(u).padStart(3, '0'));
    let t = Date.UTC(2008, 9, 1, 0, 0, 0) + u * 3_600_000;
    let la = 39.9 + (rand() - 0.5) * 0.3;
    let lo = 116.4 + (rand() - 0.5) * 0.3;
    for (let i = 0; i < 15_000; i++) {
      if (i % 1500 === 0) t += 20 * 3_600_000;
      t += 1000 + Math.floor(rand() * 4000);
      la += (rand() - 0.5) * 0.0004;
      lo += (rand() - 0.5) * 0.0004;
      user.push(u);
      at.push(t);
      lat.push(la);
      lon.push(lo);
    }
  }
}

function derive(source: string, users: number, user: number[], at: number[], lat: number[], lon: number[]): BasePoints {
  const n = user.length;
  const speed = new Float64Array(n);
  const heading = new Float64Array(n);
  const trip = new Int32Array(n);
  let tripNo = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    first = Math.min(first, at[i]!);
    last = Math.max(last, at[i]!);
    const same = i > 0 && user[i - 1] === user[i];
    const dt = same ? (at[i]! - at[i - 1]!) / 1000 : 0;
    if (!same || dt * 1000 > TRIP_GAP_MS) tripNo++;
    trip[i] = tripNo;
    if (same && dt > 0) {
      const d = metres(lat[i - 1]!, lon[i - 1]!, lat[i]!, lon[i]!);
      speed[i] = Math.min(d / dt, MAX_SPEED_MPS);
      heading[i] = bearing(lat[i - 1]!, lon[i - 1]!, lat[i]!, lon[i]!);
    } else if (same) {
      speed[i] = speed[i - 1]!;
      heading[i] = heading[i - 1]!;
    }
  }
  const day = 86_400_000;
  return {
    source, count: n, users, user: Int32Array.from(user), trip, at: Float64Array.from(at), lat: Float64Array.from(lat), lon: Float64Array.from(lon),
    speed, heading, passMs: Math.ceil((last - first + day) / day) * day,
  };
}

const R = 6_371_008.8;
const rad = Math.PI / 180;

function metres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

function bearing(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const y = Math.sin((lon2 - lon1) * rad) * Math.cos(lat2 * rad);
  const x = Math.cos(lat1 * rad) * Math.sin(lat2 * rad) - Math.sin(lat1 * rad) * Math.cos(lat2 * rad) * Math.cos((lon2 - lon1) * rad);
  return ((Math.atan2(y, x) / rad) + 360) % 360;
}

// ---- vehicle fields -------------------------------------------------------------------------

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const PROVINCES = ['京', '津', '冀', '晋', '蒙', '辽', '吉', '黑', '沪', '苏', '浙', '皖'];
const NOTES = [
  'delivery to warehouse 3, dock B', 'waiting for loading, driver on break', 'customer not home, parcel left with guard',
  'traffic jam on the 3rd ring road', 'refuelled at the Sinopec station', 'passenger pickup near the university gate',
  'short stop, engine idling', 'route changed after road works', 'tyre pressure warning, checked OK',
  'handed over to the night shift', 'rain, reduced speed', 'call the dispatcher about the return trip',
];

function hash32(x: number): number {
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

class Vocabulary {
  readonly vins: Uint8Array[] = [];
  readonly plates: Uint8Array[] = [];
  readonly drivers: Uint8Array[] = [];
  readonly notes: Uint8Array[];
  readonly text = { vins: [] as string[], plates: [] as string[], drivers: [] as string[], notes: NOTES.flatMap((n) => [n, `${n} (again)`, `${n}; km ${n.length * 7}`]) };

  constructor() {
    const enc = new TextEncoder();
    for (let v = 0; v < VEHICLES; v++) {
      let vin = 'LSV';
      for (let k = 0; k < 14; k++) vin += VIN_CHARS[hash32(v * 31 + k) % VIN_CHARS.length];
      const plate = `${PROVINCES[v % PROVINCES.length]}${'ABCDEFGH'[hash32(v) % 8]}·${String(hash32(v + 1000) % 100_000).padStart(5, '0')}`;
      this.text.vins.push(vin);
      this.text.plates.push(plate);
      this.vins.push(enc.encode(vin));
      this.plates.push(enc.encode(plate));
    }
    for (let d = 0; d < 2 * VEHICLES; d++) {
      const driver = `DRV-${String(100_000 + hash32(d + 7) % 900_000)}`;
      this.text.drivers.push(driver);
      this.drivers.push(enc.encode(driver));
    }
    this.notes = this.text.notes.map((n) => enc.encode(n));
  }
}

/** Where row r of the table comes from. */
function rowOrigin(base: BasePoints, r: number): { i: number; vehicle: number; driver: number; note: number; at: number } {
  const i = r % base.count;
  const pass = Math.floor(r / base.count);
  const vehicle = (pass * base.users + base.user[i]!) % VEHICLES;
  const driver = vehicle * 2 + (hash32(base.trip[i]! + pass * 7919) & 1);
  const note = hash32(r) % NOTES.length * 3 + (r % 3);
  return { i, vehicle, driver, note, at: base.at[i]! + pass * base.passMs };
}

function telemetryRow(base: BasePoints, vocab: Vocabulary, r: number): TelemetryRow {
  const o = rowOrigin(base, r);
  return {
    vin: vocab.text.vins[o.vehicle]!, driver_id: vocab.text.drivers[o.driver]!, plate: vocab.text.plates[o.vehicle]!, tracked_at: o.at,
    latitude: base.lat[o.i]!, longitude: base.lon[o.i]!, speed: base.speed[o.i]!, heading: base.heading[o.i]!, note: vocab.text.notes[o.note]!,
  };
}

const SCHEMA = new Schema([
  new Field('vin', new Utf8(), false), new Field('driver_id', new Utf8(), false), new Field('plate', new Utf8(), false),
  new Field('tracked_at', new TimestampMillisecond(), false), new Field('latitude', new Float64(), false), new Field('longitude', new Float64(), false),
  new Field('speed', new Float64(), false), new Field('heading', new Float64(), false), new Field('note', new Utf8(), true),
]);

function utf8(n: number, pick: (r: number) => Uint8Array): Data<Utf8> {
  const offsets = new Int32Array(n + 1);
  let size = 0;
  for (let r = 0; r < n; r++) offsets[r + 1] = size += pick(r).length;
  const bytes = new Uint8Array(size);
  for (let r = 0; r < n; r++) bytes.set(pick(r), offsets[r]!);
  return makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: bytes });
}

function fixed<T extends DataType>(type: T, values: ArrayBufferView): Data<T> {
  return makeData({ type, length: (values as Float64Array).length, nullCount: 0, data: values } as never) as Data<T>;
}

/** Rows [from, from + n) of the table as one RecordBatch. */
function telemetryBatch(base: BasePoints, vocab: Vocabulary, from: number, n: number): RecordBatch {
  const origins = Array.from({ length: n }, (_, k) => rowOrigin(base, from + k));
  const at = new BigInt64Array(n);
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  const speed = new Float64Array(n);
  const heading = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const o = origins[k]!;
    at[k] = BigInt(o.at);
    lat[k] = base.lat[o.i]!;
    lon[k] = base.lon[o.i]!;
    speed[k] = base.speed[o.i]!;
    heading[k] = base.heading[o.i]!;
  }
  const children = [
    utf8(n, (k) => vocab.vins[origins[k]!.vehicle]!), utf8(n, (k) => vocab.drivers[origins[k]!.driver]!), utf8(n, (k) => vocab.plates[origins[k]!.vehicle]!),
    fixed(new TimestampMillisecond(), at), fixed(new Float64(), lat), fixed(new Float64(), lon), fixed(new Float64(), speed), fixed(new Float64(), heading),
    utf8(n, (k) => vocab.notes[origins[k]!.note]!),
  ];
  return new RecordBatch(SCHEMA, makeData({ type: new Struct(SCHEMA.fields), length: n, nullCount: 0, children }));
}

/** A file written in big chunks. */
class ChunkedFile {
  readonly #fd: number;
  #parts: (string | Uint8Array)[] = [];
  #pending = 0;
  bytes = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }

  write(part: string | Uint8Array): void {
    this.#parts.push(part);
    this.#pending += part.length;
    if (this.#pending >= 1 << 22) this.flush();
  }

  flush(): void {
    for (const p of this.#parts) this.bytes += typeof p === 'string' ? writeSync(this.#fd, p, null, 'utf8') : writeSync(this.#fd, p);
    this.#parts = [];
    this.#pending = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

/** The Arrow writer's byte sink, writing straight to the file instead of queueing for a reader. */
class FileSink extends AsyncByteQueue {
  constructor(private readonly file: ChunkedFile) {
    super();
  }

  override write(value: ArrayBufferView): void {
    if (value.byteLength > 0) this.file.write(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
}

export interface TelemetryFiles {
  rows: number;
  arrowBytes: number;
  ndjsonRows: number;
  ndjsonBytes: number;
}

/**
 * Writes `rows` rows to `arrowPath` (Arrow IPC stream, BATCH_ROWS-row batches) and the first
 * `ndjsonRows` of them to `ndjsonPath` (one JSON object a line, tracked_at as epoch ms).
 */
export function writeTelemetry(base: BasePoints, rows: number, arrowPath: string, ndjsonPath: string | undefined, ndjsonRows: number): TelemetryFiles {
  const vocab = new Vocabulary();
  const arrow = new ChunkedFile(arrowPath);
  const writer = new RecordBatchStreamWriter();
  writer.reset(new FileSink(arrow));
  for (let from = 0; from < rows; from += BATCH_ROWS) writer.write(telemetryBatch(base, vocab, from, Math.min(BATCH_ROWS, rows - from)));
  writer.close(); // the end-of-stream marker
  arrow.close();
  const json = ndjsonPath ? new ChunkedFile(ndjsonPath) : undefined;
  if (json) {
    for (let r = 0; r < ndjsonRows; r++) json.write(JSON.stringify(telemetryRow(base, vocab, r)) + '\n');
    json.close();
  }
  return { rows, arrowBytes: arrow.bytes, ndjsonRows: json ? ndjsonRows : 0, ndjsonBytes: json?.bytes ?? 0 };
}
