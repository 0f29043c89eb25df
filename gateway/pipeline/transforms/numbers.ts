// Decimal helpers shared by the numeric generalisations (interval labels, grid centres): floating
// point cannot hold 0.1, so results are rounded back to the decimals their parameters carry.

/** Digits after the decimal point in the shortest text of `x` (String(0.25) = '0.25': 2). */
export function decimalsOf(x: number): number {
  const text = String(Math.abs(x));
  const exp = text.indexOf('e-');
  if (exp >= 0) {
    const dot = text.indexOf('.');
    const mantissa = dot >= 0 && dot < exp ? exp - dot - 1 : 0;
    return mantissa + Number(text.slice(exp + 2));
  }
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** `x` rounded to `decimals` places, as the nearest double (15 places or more: unchanged). */
export function roundTo(x: number, decimals: number): number {
  if (decimals >= 15) return x;
  const scale = 10 ** decimals;
  const r = Math.round(x * scale) / scale;
  return r === 0 ? 0 : r; // no -0
}

/**
 * Cells [origin + k * width, origin + (k + 1) * width) on the number line, with boundaries where
 * the decimals say they are: 0.3 is in the cell [0.3, 0.4) of width 0.1, although in doubles
 * 0.3 < 3 * 0.1. When width and origin have at most 9 decimals, v is scaled to an integer grid
 * first (one rounding, which lands on the integer for decimal inputs), then divided exactly.
 */
export class Cells {
  readonly #scale: number;
  readonly #origin: number;
  readonly #width: number;

  constructor(origin: number, width: number) {
    const decimals = Math.max(decimalsOf(width), decimalsOf(origin));
    this.#scale = decimals <= 9 ? 10 ** decimals : 1;
    this.#origin = decimals <= 9 ? Math.round(origin * this.#scale) : origin;
    this.#width = decimals <= 9 ? Math.round(width * this.#scale) : width;
  }

  /** The k of the cell that holds v. */
  index(v: number): number {
    return Math.floor((v * this.#scale - this.#origin) / this.#width);
  }

  /** The lower bound of cell k. */
  lower(k: number): number {
    return (this.#origin + k * this.#width) / this.#scale;
  }
}
