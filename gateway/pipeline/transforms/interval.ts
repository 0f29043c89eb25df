// Generalisation to intervals: a number v becomes the text "[lo, hi)" with lo = min + k * width,
// hi = lo + width and lo <= v < hi (AGE 63, width 10: "[60, 70)"). Values below `min` get
// intervals below it; NaN and infinities become null. Output is Utf8.
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { Labels, isNumeric, isValid, numbersOf, typeName, validityOf } from './columns.js';
import { invalidStep, stepWhere } from './errors.js';
import { Cells, decimalsOf, roundTo } from './numbers.js';
import { newCounters, type IntervalStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export class Interval implements StepKernel {
  readonly op = 'interval';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #cells: Cells;
  readonly #decimals: number;

  constructor(step: IntervalStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('interval', ctx.column);
    if (typeof step.width !== 'number' || !Number.isFinite(step.width) || step.width <= 0) throw invalidStep(where, `width ${step.width} is not a positive number`);
    const min = step.min ?? 0;
    if (typeof min !== 'number' || !Number.isFinite(min)) throw invalidStep(where, `min ${min} is not a finite number`);
    if (!isNumeric(inputType)) throw invalidStep(where, `needs a numeric column, got ${typeName(inputType)}`);
    this.#cells = new Cells(min, step.width);
    this.#decimals = Math.max(decimalsOf(step.width), decimalsOf(min));
  }

  /** The label of interval k. */
  label(k: number): string {
    const lo = roundTo(this.#cells.lower(k), this.#decimals);
    const hi = roundTo(this.#cells.lower(k + 1), this.#decimals);
    return `[${lo}, ${hi})`;
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const n = input.length;
    const values = numbersOf(input);
    const valid = validityOf(input);
    const ids = new Int32Array(n);
    const labels = new Labels();
    const idOfCell = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) { ids[i] = -1; continue; }
      changed[i] = 1;
      const v = values[i]!;
      if (!Number.isFinite(v)) { ids[i] = -1; continue; }
      const k = this.#cells.index(v);
      let id = idOfCell.get(k);
      if (id === undefined) {
        id = labels.id(this.label(k));
        idOfCell.set(k, id);
      }
      ids[i] = id;
    }
    return labels.build(ids);
  }
}
