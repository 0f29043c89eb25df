// The four columns the trajectory stage reads, found once in the input schema and then read per
// batch into typed arrays: time as epoch milliseconds (Arrow Timestamp of any unit, Date, or ISO
// 8601 text, read as the bucketTime step reads it: no offset means UTC, reduced precision means
// the period's start), latitude and longitude as doubles (any integer or float type), and a key
// per row naming the vehicle (its bytes for text, its value otherwise). A row missing any of the
// four, or with a position outside WGS 84's ranges, is not a point (`usable` 0).
import { DataType, DateUnit, TimeUnit, Type, makeVector, type Data, type RecordBatch, type Schema } from 'apache-arrow';
import type { TrajectoryPlan } from '../../../policies/pipeline/models.js';
import { DataportError, quoteUntrusted as quote } from '../../../crypto/errors.js';
import { isNumeric, keyAt, numbersOf, typeName, utf8Column, validityOf } from '../transforms/columns.js';
import { daysFromCivil, newIsoFields, parseIso } from '../transforms/temporal.js';

/** Where the stage's columns are in the input, and how its time column is encoded. */
export interface PointLayout {
  vehicle: number;
  time: number;
  lat: number;
  lon: number;
  /** 'text' (ISO 8601), 'days' (DateDay) or milliseconds per unit of an int64 instant. */
  timeEncoding: 'text' | 'days' | number;
}

/** A vehicle's identity within one transfer: text as its UTF-8 bytes (Latin-1 string), numbers as themselves. */
export type VehicleKey = string | number | bigint | boolean;

export interface Points {
  length: number;
  /** 1 where the row is a point: vehicle, time, latitude and longitude present and in range. */
  usable: Uint8Array;
  /** Epoch milliseconds. */
  time: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  /** The vehicle of row i (only read where `usable[i]` is 1). */
  vehicle: (i: number) => VehicleKey;
}

const MS_PER_UNIT: Record<TimeUnit, number> = {
  [TimeUnit.SECOND]: 1_000, [TimeUnit.MILLISECOND]: 1, [TimeUnit.MICROSECOND]: 1e-3, [TimeUnit.NANOSECOND]: 1e-6,
};

/** Finds the plan's columns in `schema`; DP_ERR_VALIDATION naming every missing one, or a column of the wrong type. */
export function pointLayout(plan: TrajectoryPlan, schema: Schema): PointLayout {
  const index = new Map<string, number>();
  schema.fields.forEach((f, i) => { if (!index.has(f.name)) index.set(f.name, i); });
  const wanted = { vehicle: plan.vehicleColumn, time: plan.timeColumn, lat: plan.latColumn, lon: plan.lonColumn };
  const missing = Object.entries(wanted).filter(([, name]) => !index.has(name)).map(([role, name]) => `${quote(name)} (${role}Column)`);
  if (missing.length > 0) {
    throw new DataportError('DP_ERR_VALIDATION', `trajectory: ${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')} not in the input schema`, {
      reason: 'DP_ERR_SCHEMA_MISMATCH',
      columns: Object.values(wanted).filter((name) => !index.has(name)),
    });
  }
  const at = (name: string) => index.get(name)!;
  const typeOf = (name: string) => schema.fields[at(name)]!.type;
  for (const name of [plan.latColumn, plan.lonColumn]) {
    if (!isNumeric(typeOf(name))) throw new DataportError('DP_ERR_VALIDATION', `trajectory: ${quote(name)} needs numbers (degrees), got ${typeName(typeOf(name))}`);
  }
  return { vehicle: at(plan.vehicleColumn), time: at(plan.timeColumn), lat: at(plan.latColumn), lon: at(plan.lonColumn), timeEncoding: timeEncoding(plan.timeColumn, typeOf(plan.timeColumn)) };
}

function timeEncoding(name: string, type: DataType): PointLayout['timeEncoding'] {
  if (type.typeId === Type.Utf8) return 'text';
  if (DataType.isDate(type)) return type.unit === DateUnit.DAY ? 'days' : 1;
  if (DataType.isTimestamp(type)) return MS_PER_UNIT[type.unit];
  throw new DataportError('DP_ERR_VALIDATION', `trajectory: ${quote(name)} needs a Timestamp, a Date or ISO 8601 text, got ${typeName(type)}`);
}

export function readPoints(batch: RecordBatch, layout: PointLayout): Points {
  const columns = batch.data.children;
  const n = batch.numRows;
  const time = timesOf(columns[layout.time]!, layout.timeEncoding);
  const latData = columns[layout.lat]!;
  const lonData = columns[layout.lon]!;
  const vehicleData = columns[layout.vehicle]!;
  const lat = numbersOf(latData);
  const lon = numbersOf(lonData);
  const latValid = validityOf(latData);
  const lonValid = validityOf(lonData);
  const vehicleValid = validityOf(vehicleData);
  const usable = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = lat[i]!;
    const x = lon[i]!;
    // NaN fails every comparison, so it is not usable either.
    const ok = bit(latValid, i) && bit(lonValid, i) && bit(vehicleValid, i) && Number.isFinite(time[i]!) && y >= -90 && y <= 90 && x >= -180 && x <= 180;
    usable[i] = ok ? 1 : 0;
  }
  return { length: n, usable, time, lat, lon, vehicle: vehiclesOf(vehicleData) };
}

const bit = (bitmap: Uint8Array | null, i: number): boolean => bitmap === null || (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;

/** Epoch milliseconds of each row, NaN where null or not a time. */
function timesOf(data: Data, encoding: PointLayout['timeEncoding']): Float64Array {
  const n = data.length;
  const out = new Float64Array(n).fill(NaN);
  const valid = validityOf(data);
  if (encoding === 'text') {
    const { offsets, bytes } = utf8Column(data);
    const f = newIsoFields();
    for (let i = 0; i < n; i++) {
      if (!bit(valid, i) || !parseIso(bytes, offsets[i]!, offsets[i + 1]!, f)) continue;
      const seconds = daysFromCivil(f.year, f.month, f.day) * 86_400 + f.hour * 3_600 + f.minute * 60 + f.second - f.tzMinutes * 60;
      out[i] = seconds * 1_000 + fractionMs(bytes, f.fracStart, f.fracEnd);
    }
    return out;
  }
  if (encoding === 'days') {
    const days = data.values as Int32Array;
    for (let i = 0; i < n; i++) if (bit(valid, i)) out[i] = days[i]! * 86_400_000;
    return out;
  }
  // int64 instants read as two 32-bit halves (little-endian, as every platform Node runs on):
  // exact up to 2^53 units, and no BigInt allocated per row.
  const values = data.values as BigInt64Array;
  const words = new Int32Array(values.buffer, values.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    if (bit(valid, i)) out[i] = (words[2 * i + 1]! * 4_294_967_296 + (words[2 * i]! >>> 0)) * encoding;
  }
  return out;
}

/** Milliseconds of the decimal fraction of a second in b[s, e) (nothing past nanoseconds). */
function fractionMs(b: Uint8Array, s: number, e: number): number {
  let digits = 0;
  let scale = 1;
  for (let k = s; k < e && k < s + 9; k++) {
    digits = digits * 10 + (b[k]! - 0x30);
    scale *= 10;
  }
  return (digits / scale) * 1_000;
}

/** The vehicle key of row i: the bytes of text (no decoding), the number of a numeric column, the value otherwise. */
function vehiclesOf(data: Data): (i: number) => VehicleKey {
  if (data.typeId === Type.Utf8) {
    const column = utf8Column(data);
    return (i) => keyAt(column, i);
  }
  if (isNumeric(data.type) && !(data.values instanceof BigInt64Array || data.values instanceof BigUint64Array)) {
    const numbers = numbersOf(data);
    return (i) => numbers[i]!;
  }
  const vector = makeVector(data);
  return (i) => {
    const v: unknown = vector.get(i);
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? v : String(v);
  };
}
