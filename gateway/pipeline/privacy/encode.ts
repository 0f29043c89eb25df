// Dictionary codes of the columns a privacy model reads: each distinct value gets a small integer,
// each row its value's code, so that the lattice search works on integer arrays, not on cells.
import { DataType, type Data, type Vector } from 'apache-arrow';

/** A distinct value: its text (level 0 of its hierarchy), the first raw value seen, and its ISO date for dates and times. */
export interface CellValue {
  text: string | null;
  raw: unknown;
  iso: string | null;
}

/** Growable Int32 array. */
export class Codes {
  private buf = new Int32Array(1024);
  length = 0;

  push(code: number): void {
    if (this.length === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = code;
  }

  /** The codes, trimmed (a view while nothing more is pushed). */
  view(): Int32Array {
    return this.buf.subarray(0, this.length);
  }
}

/** One column's dictionary and the code of every row read so far. */
export class ColumnEncoder {
  readonly values: CellValue[] = [];
  readonly rows = new Codes();
  private readonly index = new Map<string | null, number>();

  add(column: Vector | Data, type: DataType): void {
    const vector = column as Vector;
    const text = textOf(type);
    for (let i = 0; i < vector.length; i++) {
      const raw = vector.get(i) as unknown;
      const key = raw === null || raw === undefined ? null : text(raw);
      let code = this.index.get(key);
      if (code === undefined) {
        code = this.values.length;
        this.index.set(key, code);
        this.values.push({ text: key, raw, iso: key === null || !isTemporal(type) ? null : key });
      }
      this.rows.push(code);
    }
  }
}

function isTemporal(type: DataType): boolean {
  return DataType.isDate(type) || DataType.isTimestamp(type);
}

// Level 0 as text: dates as YYYY-MM-DD, timestamps as ISO 8601 UTC, everything else as JavaScript
// writes it. Equal values give equal text, so the dictionary is by value.
function textOf(type: DataType): (raw: unknown) => string {
  if (DataType.isDate(type)) return (raw) => new Date(raw as number).toISOString().slice(0, 10);
  if (DataType.isTimestamp(type)) return (raw) => new Date(Number(raw)).toISOString();
  return (raw) => (typeof raw === 'string' ? raw : String(raw));
}
