// Grid coarsening: a coordinate (degrees) becomes the centre of the cell, `cellDegrees` wide and
// anchored at 0, that holds it: 57.64911 with cells of 0.01 gives 57.645. Every point of a cell
// reads the same. Output is Float64, rounded to one decimal more than the cell size carries.
import { Float64, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { isNumeric, isValid, makeFloat64, numbersOf, typeName, validityOf } from './columns.js';
import { invalidStep, stepWhere } from './errors.js';
import { Cells, decimalsOf, roundTo } from './numbers.js';
import { newCounters, type GridStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export class Grid implements StepKernel {
  readonly op = 'grid';
  readonly outputType = new Float64();
  readonly counters: StepCounters = newCounters();
  readonly #cells: Cells;
  readonly #decimals: number;

  constructor(step: GridStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('grid', ctx.column);
    const cell = step.cellDegrees;
    if (typeof cell !== 'number' || !Number.isFinite(cell) || cell <= 0 || cell > 180) throw invalidStep(where, `cellDegrees ${cell} is not in (0, 180]`);
    if (!isNumeric(inputType)) throw invalidStep(where, `needs a numeric column, got ${typeName(inputType)}`);
    this.#cells = new Cells(0, cell);
    this.#decimals = decimalsOf(cell) + 1;
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Float64> {
    const n = input.length;
    const values = numbersOf(input);
    const valid = validityOf(input);
    const out = new Float64Array(n);
    const cells = this.#cells;
    const decimals = this.#decimals;
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) continue;
      const v = values[i]!;
      const k = cells.index(v);
      const centre = Number.isFinite(v) ? roundTo((cells.lower(k) + cells.lower(k + 1)) / 2, decimals) : v;
      out[i] = centre;
      if (centre !== v) changed[i] = 1;
    }
    return makeFloat64(out, valid, valid === null ? 0 : input.nullCount);
  }
}
