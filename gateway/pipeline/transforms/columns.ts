// Typed-array views of Arrow column data, and builders for the columns the transforms return.
// Arrow layout reminders (columnar format spec, "Physical memory layout"): bit i of the validity
// bitmap is row i (LSB first) counted from the Data's `offset`; a Utf8 column's value i is
// bytes[offsets[i] .. offsets[i + 1]) where a sliced Data's offsets are already rebased to row 0
// but need not start at 0.
import { Buffer } from 'node:buffer';
import { Data, DataType, Float64, Precision, Type, Utf8, makeData } from 'apache-arrow';

// ---- validity -------------------------------------------------------------------------------

/** The validity bitmap of `data` with bit i = row i, or null when no value is null. */
export function validityOf(data: Data): Uint8Array | null {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return null;
  const n = data.length;
  const offset = data.offset;
  if ((offset & 7) === 0) return bitmap.subarray(offset >> 3, (offset >> 3) + ((n + 7) >> 3));
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const p = offset + i;
    if ((bitmap[p >> 3]! & (1 << (p & 7))) !== 0) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

export function isValid(bitmap: Uint8Array | null, i: number): boolean {
  return bitmap === null || (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
}

/** A bitmap with every row null; rows are made valid with `setValid`. */
export const emptyBitmap = (n: number): Uint8Array => new Uint8Array((n + 7) >> 3);

export function setValid(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3]! |= 1 << (i & 7);
}

// ---- Utf8 -----------------------------------------------------------------------------------

/** The offsets and bytes of a Utf8 column, plus a Buffer over the bytes for map keys. */
export interface Utf8Column {
  length: number;
  offsets: Int32Array;
  bytes: Uint8Array;
  valid: Uint8Array | null;
  text: Buffer;
}

export function utf8Column(data: Data): Utf8Column {
  const bytes = (data.values as Uint8Array | undefined) ?? new Uint8Array(0);
  return {
    length: data.length,
    offsets: data.valueOffsets as Int32Array,
    bytes,
    valid: validityOf(data),
    text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}

/**
 * A string that stands for the bytes of value i, for use as a Map key: each byte becomes one
 * Latin-1 character, so it costs no UTF-8 decoding and distinct byte strings stay distinct.
 */
export function keyAt(column: Utf8Column, i: number): string {
  return column.text.toString('latin1', column.offsets[i]!, column.offsets[i + 1]!);
}

/**
 * The bytes of each row of a Utf8 or integer column, as keyed steps hash them (integers as their
 * decimal digits), without allocating: after `at(i)`, the row is bytes[start, end).
 */
export class RowBytes {
  bytes: Uint8Array;
  start = 0;
  end = 0;
  /** Whether the rows are Utf8 (their bytes lie side by side, so runs can be compared). */
  readonly utf8: boolean;
  readonly #offsets: Int32Array | undefined;
  readonly #ints: ArrayLike<number | bigint> | undefined;
  readonly #digits: Buffer;

  constructor(data: Data, digits: Buffer) {
    this.utf8 = isUtf8(data.type);
    this.#digits = digits;
    if (this.utf8) {
      const col = utf8Column(data);
      this.bytes = col.bytes;
      this.#offsets = col.offsets;
    } else {
      this.bytes = digits;
      this.#ints = data.values as ArrayLike<number | bigint>;
    }
  }

  at(i: number): void {
    if (this.#offsets) {
      this.start = this.#offsets[i]!;
      this.end = this.#offsets[i + 1]!;
    } else {
      this.start = 0;
      this.end = this.#digits.write(String(this.#ints![i]), 'latin1');
    }
  }
}

/** Whether values i and j of the column hold the same bytes. */
export function sameUtf8(column: Utf8Column, i: number, j: number): boolean {
  const { offsets, bytes } = column;
  return sameBytes(bytes, offsets[i]!, offsets[j]!, offsets[i + 1]! - offsets[i]!, offsets[j + 1]! - offsets[j]!);
}

/** Whether b[a, a + lenA) and b[c, c + lenC) hold the same bytes. */
export function sameBytes(b: Uint8Array, a: number, c: number, lenA: number, lenC = lenA): boolean {
  if (lenA !== lenC) return false;
  for (let k = 0; k < lenA; k++) if (b[a + k] !== b[c + k]) return false;
  return true;
}

/** The Map key `keyAt` would give for the UTF-8 encoding of `value`. */
export const keyOf = (value: string): string => Buffer.from(value, 'utf8').toString('latin1');

/** A Utf8 column from its buffers; null rows must have empty slots (nothing hides in them). */
export function makeUtf8(length: number, offsets: Int32Array, bytes: Uint8Array, valid: Uint8Array | null, nullCount: number): Data<Utf8> {
  return makeData({
    type: new Utf8(),
    length,
    nullCount,
    nullBitmap: nullCount > 0 ? valid : null,
    valueOffsets: offsets,
    data: bytes,
  });
}

/**
 * Output strings drawn from a small set of labels (hierarchy levels, intervals, replacements):
 * each label is encoded once, rows hold a label id (-1 for null), and `build` copies the bytes.
 */
export class Labels {
  readonly #ids = new Map<string, number>();
  readonly #encoded: Uint8Array[] = [];

  /** The id of `label`, encoding it on first use. */
  id(label: string): number {
    let id = this.#ids.get(label);
    if (id === undefined) {
      id = this.#encoded.length;
      this.#encoded.push(Buffer.from(label, 'utf8'));
      this.#ids.set(label, id);
    }
    return id;
  }

  get size(): number {
    return this.#encoded.length;
  }

  build(ids: Int32Array): Data<Utf8> {
    const n = ids.length;
    const encoded = this.#encoded;
    const offsets = new Int32Array(n + 1);
    let total = 0;
    let nullCount = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id < 0) nullCount++;
      else total += encoded[id]!.length;
      offsets[i + 1] = total;
    }
    const bytes = new Uint8Array(total);
    const valid = nullCount > 0 ? emptyBitmap(n) : null;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id < 0) continue;
      bytes.set(encoded[id]!, offsets[i]!);
      if (valid) setValid(valid, i);
    }
    return makeUtf8(n, offsets, bytes, valid, nullCount);
  }
}

// ---- numbers --------------------------------------------------------------------------------

export const isUtf8 = (type: DataType): boolean => type.typeId === Type.Utf8;

/** Integers of any width and 32- or 64-bit floats (Float16 is not read). */
export function isNumeric(type: DataType): boolean {
  if (DataType.isInt(type)) return true;
  return DataType.isFloat(type) && type.precision !== Precision.HALF;
}

export const isInteger = (type: DataType): boolean => DataType.isInt(type);

/** The values of a numeric column as doubles: zero-copy for Float64, one conversion otherwise. */
export function numbersOf(data: Data): Float64Array {
  const values = data.values as ArrayLike<number | bigint> & { length: number };
  if (values instanceof Float64Array) return values.length === data.length ? values : values.subarray(0, data.length);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const out = new Float64Array(data.length);
    for (let i = 0; i < out.length; i++) out[i] = Number(values[i]!);
    return out;
  }
  const out = new Float64Array(data.length);
  out.set((values as unknown as Float32Array).subarray(0, data.length));
  return out;
}

/** A Float64 column from doubles; `valid` as for `makeUtf8`. */
export function makeFloat64(values: Float64Array, valid: Uint8Array | null, nullCount: number): Data<Float64> {
  return makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap: nullCount > 0 ? valid : null, data: values });
}

/**
 * A fixed-width column (ints, floats, dates, timestamps, booleans) of `length` rows of `type`
 * over `values`, which hold row 0 at index 0; null rows should hold zeros.
 */
export function makeFixedWidth<T extends DataType>(type: T, length: number, values: ArrayBufferView, valid: Uint8Array | null, nullCount: number): Data<T> {
  return new Data(type, 0, length, nullCount, { [1]: values as T['TArray'], [2]: nullCount > 0 && valid ? valid : new Uint8Array(0) });
}

/** The short name of a type for error messages. */
export const typeName = (type: DataType): string => String(type);
