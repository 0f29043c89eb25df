// Generalisation hierarchies over the values a quasi-identifier actually takes. Level 0 is the
// value itself, the top level is '*' (everything); each level is a function of the one below, so
// records equal at one level stay equal at every more general one (the lattice search relies on it).
import { DataportError } from '../../../crypto/errors.js';
import type { GeneralisationHierarchy } from '../../../policies/pipeline/models.js';
import type { CellValue } from './encode.js';

export const TOP = '*';

/** One quasi-identifier's hierarchy, compiled for the values seen (its codes). */
export interface CompiledHierarchy {
  /** Levels, 0 (the value) to the top ('*'), so at least 2. */
  readonly height: number;
  /** Per level: the level's code of each value code. Level 0 is the identity. */
  readonly map: readonly Int32Array[];
  /** Per level: the label of each of the level's codes (null stays null below the top). */
  readonly labels: readonly (string | null)[][];
  /**
   * Per level: the information loss of a cell holding each value code, (leaves under its
   * generalised value - 1) / (domain size - 1), where the domain is the values seen.
   */
  readonly cellLoss: readonly Float64Array[];
  /** Per level: the same loss by the level's code (what a cell generalised to that code costs). */
  readonly codeLoss: readonly Float64Array[];
}

/** Compiles `h` for the distinct values of a column (by code), each given as its text and raw value. */
export function compileHierarchy(h: GeneralisationHierarchy, values: readonly CellValue[], column: string): CompiledHierarchy {
  const generalise = labeller(h, column);
  const levels = levelsOf(h);
  const top = topOf(h);
  const map: Int32Array[] = [];
  const labels: (string | null)[][] = [];
  for (let level = 0; level <= levels; level++) {
    const codes = new Int32Array(values.length);
    const index = new Map<string | null, number>();
    const names: (string | null)[] = [];
    values.forEach((v, i) => {
      const text = v.text;
      const label = level === 0 ? text : level === levels ? top : text === null ? null : generalise({ ...v, text }, level);
      let code = index.get(label);
      if (code === undefined) {
        code = names.length;
        index.set(label, code);
        names.push(label);
      }
      codes[i] = code;
    });
    map.push(codes);
    labels.push(names);
  }
  const domain = values.length;
  const codeLoss = map.map((codes, level) => {
    const leaves = new Int32Array(labels[level]!.length);
    for (const c of codes) leaves[c]!++;
    return leaves.length === 0 || domain < 2 ? new Float64Array(leaves.length) : Float64Array.from(leaves, (n) => (n - 1) / (domain - 1));
  });
  const cellLoss = map.map((codes, level) => Float64Array.from(codes, (c) => codeLoss[level]![c]!));
  return { height: map.length, map, labels, cellLoss, codeLoss };
}

// A rows hierarchy whose last column is one value for all rows has its own top; otherwise '*' is
// added above it.
function rowsTop(h: GeneralisationHierarchy): string | undefined {
  if (h.type !== 'rows' || h.rows[0]!.length < 2) return undefined;
  const last = new Set(h.rows.map((r) => r[r.length - 1]!));
  return last.size === 1 ? [...last][0] : undefined;
}

/** The label of the top level: everything. */
function topOf(h: GeneralisationHierarchy): string {
  return rowsTop(h) ?? TOP;
}

/** Levels above 0, the top included. */
function levelsOf(h: GeneralisationHierarchy): number {
  switch (h.type) {
    case 'rows': return h.rows[0]!.length - (rowsTop(h) === undefined ? 0 : 1);
    case 'intervals': return h.widths.length + 1;
    case 'dates': return h.units.length + 1;
    case 'mask': return h.chars + 1;
    case 'suppress': return 1;
  }
}

type Labeller = (v: CellValue & { text: string }, level: number) => string;

// The label of a (non-null) value at a level strictly between 0 and the top. A value the hierarchy
// does not cover (no row, not a number, not a date) becomes '*' there: nothing of it leaves.
function labeller(h: GeneralisationHierarchy, column: string): Labeller {
  switch (h.type) {
    case 'rows': {
      const rows = new Map(h.rows.map((r) => [r[0]!, r]));
      return (v, level) => rows.get(v.text)?.[level] ?? TOP;
    }
    case 'intervals': {
      const min = h.min ?? 0;
      return (v, level) => {
        const x = typeof v.raw === 'number' ? v.raw : typeof v.raw === 'bigint' ? Number(v.raw) : Number(v.text);
        if (!Number.isFinite(x)) return TOP;
        const width = h.widths[level - 1]!;
        const lo = min + Math.floor((x - min) / width) * width;
        return `[${round(lo)}, ${round(lo + width)})`;
      };
    }
    case 'dates': {
      const keep = { day: 10, month: 7, year: 4 } as const;
      return (v, level) => {
        const iso = v.iso ?? (/^\d{4}(-\d{2}(-\d{2})?)?/.exec(v.text)?.[0] ?? null);
        return iso === null ? TOP : iso.slice(0, keep[h.units[level - 1]!]);
      };
    }
    case 'mask':
      return (v, level) => {
        const chars = [...v.text];
        const n = Math.min(level, chars.length);
        return chars.slice(0, chars.length - n).join('') + '*'.repeat(n);
      };
    case 'suppress':
      return () => TOP;
    default:
      throw new DataportError('DP_ERR_VALIDATION', `quasi-identifier ${JSON.stringify(column)}: unknown hierarchy type ${JSON.stringify((h as { type?: unknown }).type)}`);
  }
}

// Interval bounds as people write them: 0.1 + 0.2 shows as 0.3.
function round(x: number): number {
  return Number.parseFloat(x.toPrecision(12));
}
