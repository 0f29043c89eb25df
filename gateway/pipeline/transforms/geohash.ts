// Geohash coarsening (G. Niemeyer's geohash, as geohash.org defines it): on a latitude column,
// the output is the geohash of (latitude, the same row's longitude in `lonColumn`) with
// `precision` characters: bits alternate longitude, latitude, each halving its range, five bits
// to a base-32 character. (57.64911, 10.40744) at 11 characters is 'u4pruydqqvj'. A row whose
// latitude or longitude is null, not finite or out of range is null. The plan drops lonColumn.
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { emptyBitmap, isNumeric, isValid, makeUtf8, numbersOf, setValid, typeName, validityOf } from './columns.js';
import { invalidStep, schemaMismatch, stepWhere } from './errors.js';
import { newCounters, type GeohashStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

const BASE32 = new TextEncoder().encode('0123456789bcdefghjkmnpqrstuvwxyz');

export class Geohash implements StepKernel {
  readonly op = 'geohash';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #precision: number;
  readonly #lonIndex: number;

  constructor(step: GeohashStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('geohash', ctx.column);
    if (!Number.isInteger(step.precision) || step.precision < 1 || step.precision > 12) throw invalidStep(where, `precision ${step.precision} is not an integer in 1..12`);
    if (!isNumeric(inputType)) throw invalidStep(where, `needs a numeric latitude column, got ${typeName(inputType)}`);
    const lonIndex = ctx.inputIndex.get(step.lonColumn);
    if (lonIndex === undefined) throw schemaMismatch(step.lonColumn, `the lonColumn of ${where}`);
    const lonType = ctx.inputTypes[lonIndex]!;
    if (!isNumeric(lonType)) throw invalidStep(where, `lonColumn is ${typeName(lonType)}, want a number`);
    this.#precision = step.precision;
    this.#lonIndex = lonIndex;
  }

  apply(input: Data, batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const n = input.length;
    const P = this.#precision;
    const lonData = batch.data.children[this.#lonIndex]!;
    const lats = numbersOf(input);
    const lons = numbersOf(lonData);
    const latValid = validityOf(input);
    const lonValid = validityOf(lonData);
    const out = new Uint8Array(n * P);
    const offsets = new Int32Array(n + 1);
    const valid = emptyBitmap(n);
    let nullCount = 0;
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (isValid(latValid, i)) {
        changed[i] = 1;
        const lat = lats[i]!;
        const lon = lons[i]!;
        if (isValid(lonValid, i) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
          encode(lat, lon, P, out, pos);
          pos += P;
          setValid(valid, i);
        } else {
          nullCount++;
        }
      } else {
        nullCount++;
      }
      offsets[i + 1] = pos;
    }
    return makeUtf8(n, offsets, out.subarray(0, pos), valid, nullCount);
  }
}

/** Writes the `chars`-character geohash of (lat, lon) into b at `at`. */
export function encode(lat: number, lon: number, chars: number, b: Uint8Array, at: number): void {
  let latLo = -90, latHi = 90, lonLo = -180, lonHi = 180;
  let evenBit = true;
  for (let c = 0; c < chars; c++) {
    let index = 0;
    for (let bit = 0; bit < 5; bit++) {
      index <<= 1;
      if (evenBit) {
        const mid = (lonLo + lonHi) / 2;
        if (lon >= mid) { index |= 1; lonLo = mid; } else lonHi = mid;
      } else {
        const mid = (latLo + latHi) / 2;
        if (lat >= mid) { index |= 1; latLo = mid; } else latHi = mid;
      }
      evenBit = !evenBit;
    }
    b[at + c] = BASE32[index]!;
  }
}
