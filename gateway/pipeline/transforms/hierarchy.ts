// Generalisation by a value hierarchy in ARX's CSV form: each row is [value, level 1, level 2, ...]
// (e.g. ['34', '30-39', '30-49', '*']). Level 0 keeps a value; a value the hierarchy does not
// list becomes '*' at every level, so nothing unforeseen leaves. Numbers are looked up by their
// decimal text (String(34) = '34') and the output is always Utf8.
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { Labels, isNumeric, isUtf8, isValid, keyAt, keyOf, numbersOf, typeName, utf8Column, validityOf } from './columns.js';
import { invalidStep, quote, stepWhere } from './errors.js';
import { newCounters, type HierarchyStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export const UNKNOWN_VALUE = '*';

export class Hierarchy implements StepKernel {
  readonly op = 'hierarchy';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #labels = new Labels();
  /** Value key to label id * 2, plus 1 when the label differs from the value. */
  readonly #lookup = new Map<string, number>();
  readonly #unknown: number;
  readonly #text: boolean;

  constructor(step: HierarchyStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('hierarchy', ctx.column);
    const { levels, level } = step;
    if (!Number.isInteger(level) || level < 0) throw invalidStep(where, `level ${level} is not a non-negative integer`);
    if (!Array.isArray(levels) || levels.length === 0) throw invalidStep(where, 'levels is empty');
    this.#text = isUtf8(inputType);
    if (!this.#text && !isNumeric(inputType)) throw invalidStep(where, `needs a Utf8 or numeric column, got ${typeName(inputType)}`);
    for (const [r, row] of levels.entries()) {
      if (!Array.isArray(row) || !row.every((v) => typeof v === 'string')) throw invalidStep(where, `row ${r} is not a list of strings`);
      if (row.length <= level) throw invalidStep(where, `row ${r} (${quote(String(row[0]))}) has ${row.length} entries, level ${level} needs ${level + 1}`);
      const value = row[0]!;
      const label = row[level]!;
      const key = this.#text ? keyOf(value) : value;
      const entry = this.#labels.id(label) * 2 + (label === value ? 0 : 1);
      const known = this.#lookup.get(key);
      if (known !== undefined && known !== entry) throw invalidStep(where, `value ${quote(value)} is listed twice with different generalisations`);
      this.#lookup.set(key, entry);
    }
    this.#unknown = this.#labels.id(UNKNOWN_VALUE);
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const n = input.length;
    const ids = new Int32Array(n);
    const valid = validityOf(input);
    const lookup = this.#lookup;
    const col = this.#text ? utf8Column(input) : undefined;
    const numbers = col ? undefined : numbersOf(input);
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) { ids[i] = -1; continue; }
      const key = col ? keyAt(col, i) : String(numbers![i]);
      const entry = lookup.get(key);
      if (entry === undefined) {
        ids[i] = this.#unknown;
        if (key !== UNKNOWN_VALUE) changed[i] = 1;
      } else {
        ids[i] = entry >> 1;
        if ((entry & 1) !== 0) changed[i] = 1;
      }
    }
    return this.#labels.build(ids);
  }
}
