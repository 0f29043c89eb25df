// GPS traces: GeoLife `.plt` trajectories (one file, or a `NNN/Trajectory/*.plt` tree of users),
// and CSV position fixes (comma2k19 u-blox GNSS, trackintel's GeoLife export) read through the
// CSV reader with a fixed schema.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Field, makeData, RecordBatch, Schema, Struct, TimestampMillisecond, type Data, type Int64 } from 'apache-arrow';
import { BatchAssembler } from './batch.js';
import { parseFloat64, parseTimestampMs, type Cell } from './cells.js';
import { readCsv, type CsvOptions } from './csv.js';
import { fileError, textLines } from './text.js';
import { batchRowsOf, sourceError, sourceTypeOf, type SourceField, type SourceOptions } from './types.js';
import { DataportError } from '../../crypto/errors.js';

/** The columns of a GeoLife trajectory point. */
export const PLT_SCHEMA: readonly SourceField[] = [
  { name: 'user_id', type: 'utf8' },
  { name: 'tracked_at', type: 'timestamp[ms]' },
  { name: 'latitude', type: 'float64' },
  { name: 'longitude', type: 'float64' },
  { name: 'altitude_m', type: 'float64' },
];

/** comma2k19 `comma2k19_gnss_ublox.csv`; utc_timestamp_ms (epoch ms written as `1533226488299.0`) becomes a timestamp. */
export const COMMA2K19_GNSS_SCHEMA: readonly SourceField[] = [
  { name: 'boot_time_s', type: 'float64' },
  { name: 'latitude_deg', type: 'float64' },
  { name: 'longitude_deg', type: 'float64' },
  { name: 'speed_mps', type: 'float64' },
  { name: 'utc_timestamp_ms', type: 'timestamp[ms]' },
  { name: 'altitude_m', type: 'float64' },
  { name: 'bearing_deg', type: 'float64' },
];

/** trackintel's position fixes (`geolife_trajectory.csv`, `;`-separated, ISO 8601 UTC times). */
export const TRACKINTEL_POSITIONFIXES_SCHEMA: readonly SourceField[] = [
  { name: 'user_id', type: 'utf8' },
  { name: 'tracked_at', type: 'timestamp[ms]' },
  { name: 'latitude', type: 'float64' },
  { name: 'longitude', type: 'float64' },
  { name: 'elevation', type: 'float64' },
  { name: 'accuracy', type: 'float64' },
];

export interface GpsTraceOptions extends CsvOptions {
  /** The user of a `.plt` file; default: the NNN of `NNN/Trajectory/file.plt`. */
  userId?: string;
}

const PLT_HEADER_LINES = 6;
const FEET = 0.3048;
/** GeoLife writes -777 for an altitude it does not know. */
const PLT_NO_ALTITUDE = -777;

/**
 * Any GPS trace, by what `path` is: a directory of GeoLife users, a `.plt` file, or a CSV whose
 * header identifies it (comma2k19 GNSS, or trackintel position fixes, `;`-separated).
 */
export async function* readGpsTrace(path: string, opts: GpsTraceOptions = {}): AsyncGenerator<RecordBatch> {
  const info = await stat(path).catch((e: unknown) => { throw fileError(e, path); });
  if (info.isDirectory()) return yield* readGeoLifeDirectory(path, opts);
  if (extname(path).toLowerCase() === '.plt') return yield* readPlt(path, opts);
  const header = await firstLine(path);
  if (header.split(',').includes('latitude_deg')) return yield* readComma2k19Gnss(path, opts);
  if (header.split(';').includes('tracked_at')) {
    return yield* readCsv(path, { ...opts, delimiter: opts.delimiter ?? ';', schema: opts.schema ?? TRACKINTEL_POSITIONFIXES_SCHEMA });
  }
  throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${path} is not a GeoLife directory, a .plt file or a known GPS CSV layout; read it as 'csv' with a schema`);
}

/** One GeoLife `.plt` file. */
export async function* readPlt(path: string, opts: GpsTraceOptions = {}): AsyncGenerator<RecordBatch> {
  const points = new PointAssembler(path, opts);
  yield* points.file(path, opts.userId ?? userOf(path));
  const last = points.finish();
  if (last) yield last;
}

/**
 * Every `.plt` file of a GeoLife tree, `root/NNN/Trajectory/*.plt`, users and files in name
 * order (file names are start times, so this is time order per user); batches span files.
 */
export async function* readGeoLifeDirectory(root: string, opts: SourceOptions = {}): AsyncGenerator<RecordBatch> {
  const points = new PointAssembler(root, opts);
  for (const user of await sortedEntries(root, (e) => e.isDirectory())) {
    const dir = join(root, user, 'Trajectory');
    const files = await sortedEntries(dir, (e) => e.isFile() && e.name.toLowerCase().endsWith('.plt')).catch((e: unknown) => {
      if (e instanceof DataportError && e.code === 'DP_ERR_NOT_FOUND') return [];
      throw e;
    });
    for (const file of files) yield* points.file(join(dir, file), user);
  }
  const last = points.finish();
  if (last) yield last;
}

/** comma2k19's u-blox GNSS CSV. */
export async function* readComma2k19Gnss(path: string, opts: CsvOptions = {}): AsyncGenerator<RecordBatch> {
  // Its epoch-ms column is a number in text, which the CSV reader does not take for a
  // timestamp; it is read as int64 and relabelled, the same 64-bit values (Arrow's timestamp
  // layout is int64).
  const schema = opts.schema ?? COMMA2K19_GNSS_SCHEMA;
  const asInt = schema.map((f) => (f.name === 'utc_timestamp_ms' && f.type === 'timestamp[ms]' ? { ...f, type: 'int64' } : f));
  for await (const batch of readCsv(path, { ...opts, schema: asInt })) yield relabelEpochMs(batch, schema);
}

/** Points from any number of `.plt` files into one run of batches. */
class PointAssembler {
  private readonly assembler: BatchAssembler;
  private readonly pick: number[];
  private readonly point: Cell[] = new Array<Cell>(PLT_SCHEMA.length);
  private readonly row: Cell[];

  constructor(source: string, opts: SourceOptions) {
    this.pick = fixedColumns(source, PLT_SCHEMA, opts.schema);
    this.assembler = new BatchAssembler(
      source,
      this.pick.map((i) => ({ name: PLT_SCHEMA[i]!.name, type: sourceTypeOf(PLT_SCHEMA[i]!) })),
      batchRowsOf(opts),
      false,
    );
    this.row = new Array<Cell>(this.pick.length);
  }

  /** The batches that one more file completes. Each line: lat,lon,0,altitude_ft,days_since_1899,date,time. */
  async *file(path: string, user: string): AsyncGenerator<RecordBatch> {
    for await (const { text, line } of textLines(path)) {
      if (line <= PLT_HEADER_LINES || text === '') continue;
      const p = text.split(',');
      const bad = (column: string, value: string | undefined): never => {
        throw sourceError(path, `line ${line}, column ${JSON.stringify(column)}`, `${JSON.stringify(value ?? '')} is not valid`, { line, column });
      };
      if (p.length < 7) throw sourceError(path, `line ${line}`, `${p.length} fields, a GeoLife point has 7`, { line });
      const lat = parseFloat64(p[0]!) ?? bad('latitude', p[0]);
      const lon = parseFloat64(p[1]!) ?? bad('longitude', p[1]);
      if (lat < -90 || lat > 90) bad('latitude', p[0]);
      if (lon < -180 || lon > 180) bad('longitude', p[1]);
      const feet = parseFloat64(p[3]!) ?? bad('altitude_m', p[3]);
      // GeoLife times are GMT.
      const at = parseTimestampMs(`${p[5]}T${p[6]}Z`) ?? bad('tracked_at', `${p[5]},${p[6]}`);
      const point = this.point;
      point[0] = user;
      point[1] = at;
      point[2] = lat;
      point[3] = lon;
      point[4] = feet === PLT_NO_ALTITUDE ? null : feet * FEET;
      for (let j = 0; j < this.pick.length; j++) this.row[j] = point[this.pick[j]!];
      const batch = this.assembler.append(this.row, line);
      if (batch) yield batch;
    }
  }

  finish(): RecordBatch | undefined {
    return this.assembler.finish();
  }
}

/** Positions in `fixed` of the requested columns, which must have the fixed types. */
function fixedColumns(source: string, fixed: readonly SourceField[], requested: readonly SourceField[] | undefined): number[] {
  if (!requested) return fixed.map((_, i) => i);
  return requested.map((f) => {
    const i = fixed.findIndex((x) => x.name === f.name);
    const name = JSON.stringify(f.name);
    if (i === -1) throw sourceError(source, 'schema', `column ${name} is not one of ${fixed.map((x) => x.name).join(', ')}`, { column: f.name });
    if (fixed[i]!.type !== f.type) {
      throw sourceError(source, 'schema', `column ${name} is ${fixed[i]!.type}, the schema declares ${f.type}`, { column: f.name });
    }
    return i;
  });
}

/** The batch with each int64 column the schema declares timestamp[ms] relabelled as such (zero-copy). */
function relabelEpochMs(batch: RecordBatch, schema: readonly SourceField[]): RecordBatch {
  const fields = batch.schema.fields;
  if (!schema.some((f) => f.name === 'utc_timestamp_ms' && f.type === 'timestamp[ms]')) return batch;
  const children = batch.data.children.map((child, j) => {
    if (fields[j]!.name !== 'utc_timestamp_ms') return child;
    const ints = child as Data<Int64>;
    return makeData({ type: new TimestampMillisecond(), length: ints.length, nullCount: ints.nullCount, nullBitmap: ints.nullBitmap, data: ints.values });
  });
  const out = new Schema(fields.map((f, j) => new Field(f.name, children[j]!.type, f.nullable, f.metadata)));
  return new RecordBatch(out, makeData({ type: new Struct(out.fields), length: batch.numRows, nullCount: 0, children }));
}

/** `NNN` of `.../NNN/Trajectory/file.plt`. */
function userOf(path: string): string {
  const dir = dirname(path);
  if (basename(dir) !== 'Trajectory') {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${path} is not in a GeoLife NNN/Trajectory folder; pass userId`);
  }
  return basename(dirname(dir));
}

async function sortedEntries(dir: string, keep: (e: Dirent) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => { throw fileError(e, dir); });
  return entries.filter(keep).map((e) => e.name).sort();
}

async function firstLine(path: string): Promise<string> {
  for await (const { text } of textLines(path)) return text;
  return '';
}
