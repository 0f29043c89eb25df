// Row selection over Arrow record batches ("take"): apache-arrow JS has no compute kernels, so
// the batch stages that drop rows (trajectory, privacy model) build their output here. Each
// column is copied buffer by buffer, following the columnar format spec ("Physical memory
// layout"): fixed-width values by word copies of their slots, validity and booleans bit by bit,
// variable-width values (Utf8, Binary and their Large forms) by rebuilding offsets and copying
// the bytes, lists by taking their child at the selected ranges, dictionaries by their indices
// into a dictionary of the entries still used, structs child by child. Types without a layout
// here (unions, views, run-end encoded) go through arrow's builders, value by value.
//
// arrow-js slicing conventions relied on: a sliced Data keeps its validity bitmap and Bool values
// whole and counts from `data.offset` (bits); fixed-width `values` and `valueOffsets` are
// subarrays starting at row 0; list children and variable-width bytes are indexed by the offsets.
import { Data, DataType, RecordBatch, Struct, Type, makeBuilder, makeData, makeVector, type FixedSizeList } from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';
import { isValid, setValid } from './transforms/columns.js';

export type RowIndices = Int32Array | Uint32Array;

/**
 * The rows `indices` of `batch`, in the order given (repeats allowed), as a new batch with the
 * same schema. Nothing outside the selected rows is copied: null slots are emptied (zeros, empty
 * strings), so a dropped row's bytes cannot travel inside the output's buffers.
 */
export function takeRows(batch: RecordBatch, indices: RowIndices): RecordBatch {
  const rows = batch.numRows;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < rows)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `takeRows: index ${i} at position ${k} is outside the batch's ${rows} rows`);
  }
  const children = batch.data.children.map((column) => takeData(column, indices));
  const data = makeData({ type: new Struct(batch.schema.fields), length: indices.length, nullCount: 0, children });
  return new RecordBatch(batch.schema, data);
}

/** The rows `indices` of one column (indices already checked against `data.length`). */
export function takeData<T extends DataType>(data: Data<T>, indices: RowIndices): Data<T> {
  const type = data.type as DataType;
  const n = indices.length;
  const valid = takeValidity(data, indices);
  const nullCount = valid === null ? 0 : n - countBits(valid, n);
  const nullBitmap = valid ?? new Uint8Array(0);
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length: n, nullCount: n }) as Data<T>;
    case Type.Bool:
      return new Data(type, 0, n, nullCount, { [1]: takeBits(data.values as Uint8Array, data.offset, indices, valid), [2]: nullBitmap }) as Data<T>;
    case Type.Int: case Type.Float: case Type.Date: case Type.Time: case Type.Timestamp: case Type.Interval:
    case Type.Duration: case Type.Decimal: case Type.FixedSizeBinary:
      return new Data(type, 0, n, nullCount, { [1]: takeFixed(data, indices, valid), [2]: nullBitmap }) as Data<T>;
    case Type.Dictionary:
      return takeDictionary(data, indices, valid, nullCount, nullBitmap);
    case Type.Utf8: case Type.Binary: case Type.LargeUtf8: case Type.LargeBinary: {
      const { offsets, bytes } = takeVariable(data.valueOffsets as Int32Array | BigInt64Array, data.values as Uint8Array, indices, valid);
      return new Data(type, 0, n, nullCount, { [0]: offsets, [1]: bytes, [2]: nullBitmap }) as Data<T>;
    }
    case Type.List: case Type.LargeList: case Type.Map: {
      const { offsets, child } = takeRanges(data.valueOffsets as Int32Array | BigInt64Array, indices, valid);
      return new Data(type, 0, n, nullCount, { [0]: offsets, [2]: nullBitmap }, [takeData(data.children[0]!, child)]) as Data<T>;
    }
    case Type.FixedSizeList: {
      const size = (type as FixedSizeList).listSize;
      const child = new Int32Array(n * size);
      for (let k = 0; k < n; k++) for (let j = 0; j < size; j++) child[k * size + j] = indices[k]! * size + j;
      return new Data(type, 0, n, nullCount, { [2]: nullBitmap }, [takeData(data.children[0]!, child)]) as Data<T>;
    }
    case Type.Struct:
      return new Data(type, 0, n, nullCount, { [2]: nullBitmap }, data.children.map((c) => takeData(c, indices))) as Data<T>;
    default:
      return takeByBuilder(data, indices);
  }
}

// ---- bits -----------------------------------------------------------------------------------

/** The validity of the selected rows (bit k = row indices[k]), or null when none is null. */
function takeValidity(data: Data, indices: RowIndices): Uint8Array | null {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return null;
  return takeBits(bitmap, data.offset, indices, null);
}

/** Bits `offset + indices[k]` of `bits` as a new bitmap; 0 where `valid` says the row is null. */
function takeBits(bits: Uint8Array, offset: number, indices: RowIndices, valid: Uint8Array | null): Uint8Array {
  const n = indices.length;
  const out = new Uint8Array((n + 7) >> 3);
  for (let k = 0; k < n; k++) {
    const p = offset + indices[k]!;
    if (isValid(bits, p) && isValid(valid, k)) setValid(out, k);
  }
  return out;
}

function countBits(bitmap: Uint8Array, n: number): number {
  let count = 0;
  for (let k = 0; k < n; k++) count += (bitmap[k >> 3]! >> (k & 7)) & 1;
  return count;
}

// ---- fixed width ----------------------------------------------------------------------------

type TypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/**
 * The value slots of the selected rows, in a new array of the input's class. Slots are moved as
 * 32-bit words when their width allows (no BigInt per row for 64-bit types, NaN payloads kept),
 * else as bytes; null rows are left zero.
 */
function takeFixed(data: Data, indices: RowIndices, valid: Uint8Array | null): TypedArray {
  const values = data.values as TypedArray;
  const slot = values.BYTES_PER_ELEMENT * data.stride; // bytes per row
  const n = indices.length;
  const out = new (values.constructor as new (length: number) => TypedArray)(n * data.stride);
  if (slot % 4 === 0 && values.byteOffset % 4 === 0) {
    const words = slot / 4;
    const from = new Uint32Array(values.buffer, values.byteOffset, (data.length * slot) / 4);
    const to = new Uint32Array(out.buffer, out.byteOffset, (n * slot) / 4);
    if (words === 1) {
      for (let k = 0; k < n; k++) if (isValid(valid, k)) to[k] = from[indices[k]!]!;
    } else if (words === 2) {
      for (let k = 0; k < n; k++) {
        if (!isValid(valid, k)) continue;
        const i = indices[k]! * 2;
        to[2 * k] = from[i]!;
        to[2 * k + 1] = from[i + 1]!;
      }
    } else {
      for (let k = 0; k < n; k++) if (isValid(valid, k)) to.set(from.subarray(indices[k]! * words, (indices[k]! + 1) * words), k * words);
    }
    return out;
  }
  const from = new Uint8Array(values.buffer, values.byteOffset, data.length * slot);
  const to = new Uint8Array(out.buffer, out.byteOffset, n * slot);
  for (let k = 0; k < n; k++) {
    if (!isValid(valid, k)) continue;
    const i = indices[k]! * slot;
    for (let b = 0; b < slot; b++) to[k * slot + b] = from[i + b]!;
  }
  return out;
}

// ---- variable width -------------------------------------------------------------------------

/** Offsets (starting at 0) and bytes of the selected values; null rows are empty. */
function takeVariable(offsets: Int32Array | BigInt64Array, bytes: Uint8Array, indices: RowIndices, valid: Uint8Array | null) {
  const n = indices.length;
  const from = numericOffsets(offsets);
  const to = takenOffsets(from, indices, valid);
  const out = new Uint8Array(to[n]!);
  for (let k = 0; k < n; k++) {
    const s = from[indices[k]!]!;
    const e = from[indices[k]! + 1]!;
    const at = to[k]!;
    if (to[k + 1] === at) continue; // empty or null
    if (e - s > 32) out.set(bytes.subarray(s, e), at);
    else for (let b = s; b < e; b++) out[at + b - s] = bytes[b]!;
  }
  return { offsets: offsetsLike(offsets, to), bytes: out };
}

/** Offsets (from 0) of the selected lists, and the child rows they cover, in order; null lists are empty. */
function takeRanges(offsets: Int32Array | BigInt64Array, indices: RowIndices, valid: Uint8Array | null) {
  const n = indices.length;
  const from = numericOffsets(offsets);
  const to = takenOffsets(from, indices, valid);
  const child = new Int32Array(to[n]!);
  for (let k = 0; k < n; k++) {
    let at = to[k]!;
    if (to[k + 1] === at) continue;
    for (let c = from[indices[k]!]!, e = from[indices[k]! + 1]!; c < e; c++) child[at++] = c;
  }
  return { offsets: offsetsLike(offsets, to), child };
}

/** Offsets (from 0) of the selected ranges of `from`, each null row's range empty. */
function takenOffsets(from: Int32Array | Float64Array, indices: RowIndices, valid: Uint8Array | null): Float64Array {
  const n = indices.length;
  const to = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) to[k + 1] = to[k]! + (isValid(valid, k) ? from[indices[k]! + 1]! - from[indices[k]!]! : 0);
  return to;
}

/** 32-bit offsets as they are; 64-bit ones (Large types, rare) as doubles, exact below 2^53. */
const numericOffsets = (offsets: Int32Array | BigInt64Array): Int32Array | Float64Array =>
  offsets instanceof BigInt64Array ? Float64Array.from(offsets, Number) : offsets;

/** New offsets in the width of `like`. */
const offsetsLike = (like: Int32Array | BigInt64Array, values: Float64Array): Int32Array | BigInt64Array =>
  like instanceof BigInt64Array ? BigInt64Array.from(values, BigInt) : Int32Array.from(values);

// ---- dictionaries ---------------------------------------------------------------------------

/**
 * The selected indices, renumbered into a new dictionary of the entries they use (in order of
 * first use): a value only dropped rows referred to does not travel in the dictionary either.
 */
function takeDictionary<T extends DataType>(data: Data<T>, indices: RowIndices, valid: Uint8Array | null, nullCount: number, nullBitmap: Uint8Array): Data<T> {
  const dictionary = data.dictionary;
  const keys = takeFixed(data, indices, valid);
  // 64-bit keys and dictionaries in several chunks (deltas) are rare: the builder re-encodes them.
  if (!dictionary || dictionary.data.length !== 1 || keys instanceof BigInt64Array || keys instanceof BigUint64Array) return takeByBuilder(data, indices);
  const renumber = new Int32Array(dictionary.length).fill(-1);
  const used: number[] = [];
  for (let k = 0; k < keys.length; k++) {
    if (!isValid(valid, k)) continue;
    const key = keys[k]!;
    if (renumber[key] === -1) renumber[key] = used.push(key) - 1;
    keys[k] = renumber[key]!;
  }
  const entries = makeVector(takeData(dictionary.data[0]!, Int32Array.from(used)));
  return new Data(data.type, 0, indices.length, nullCount, { [1]: keys, [2]: nullBitmap }, [], entries) as Data<T>;
}

// ---- anything else --------------------------------------------------------------------------

/** Value by value through arrow's builder for the type: slow, for types the sources never produce. */
function takeByBuilder<T extends DataType>(data: Data<T>, indices: RowIndices): Data<T> {
  const vector = makeVector(data);
  const builder = makeBuilder({ type: data.type, nullValues: [null, undefined] });
  for (let k = 0; k < indices.length; k++) builder.append(vector.get(indices[k]!));
  return builder.finish().flush() as Data<T>;
}
