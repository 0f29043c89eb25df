// One node of the generalisation lattice, evaluated: the equivalence classes its levels make, which
// of them fail the model (too small, too few distinct sensitive values, too far from the table's
// distribution), how many records that suppresses, and the information loss. Everything works on
// the distinct quasi-identifier tuples of the input (its bottom classes), never on the rows again.
import type { CompiledHierarchy } from './hierarchy.js';

/** A sensitive attribute as the evaluator sees it. */
export interface SensitiveCodes {
  column: string;
  l?: number;
  t?: number;
  ordered: boolean;
  /** Distinct values; `rank[code]` orders them for the ordered distance. */
  distinct: number;
  rank: Int32Array;
  /** The whole table's share of each value (by code). */
  share: Float64Array;
  /** (bottom tuple, value code, count) triples, grouped by tuple. */
  pairTuple: Int32Array;
  pairValue: Int32Array;
  pairCount: Int32Array;
}

export interface ModelLimits {
  k: number;
  /** Records that may be suppressed: floor(limit * records). */
  maxSuppressed: number;
}

/** The bottom of the lattice: the distinct tuples of value codes, with their counts. */
export interface Bottom {
  records: number;
  columns: number;
  tuples: number;
  /** tuples x columns value codes, row-major. */
  codes: Int32Array;
  counts: Int32Array;
  /** The tuple of each record. */
  rowTuple: Int32Array;
}

export interface Evaluation {
  satisfied: boolean;
  suppressed: number;
  /** Loss metric: average over all quasi-identifier cells, suppressed cells counting 1. */
  loss: number;
  classes: number;
  /** Class of each bottom tuple, and whether the class is suppressed. */
  classOf: Int32Array;
  failed: Uint8Array;
  classSize: Int32Array;
  /** Smallest class kept, fewest distinct values and largest distance per sensitive attribute (over kept classes). */
  achievedK: number;
  achievedL: number[];
  achievedT: number[];
}

/** Groups rows by their tuple of codes (one per quasi-identifier). */
export function bottomOf(columns: readonly Int32Array[], records: number): Bottom {
  const q = columns.length;
  const table = new TupleTable(q, records);
  const rowTuple = new Int32Array(records);
  const tuple = new Int32Array(q);
  for (let r = 0; r < records; r++) {
    for (let c = 0; c < q; c++) tuple[c] = columns[c]![r]!;
    rowTuple[r] = table.intern(tuple);
  }
  const counts = new Int32Array(table.size);
  for (let r = 0; r < records; r++) counts[rowTuple[r]!]!++;
  return { records, columns: q, tuples: table.size, codes: table.keys.slice(0, table.size * q), counts, rowTuple };
}

/**
 * A node's equivalence classes: their tuples of codes at the node's levels, their sizes, and the
 * class of every bottom tuple. Any node can be evaluated from any snapshot below it (each of its
 * levels at most the node's): classes only merge on the way up.
 */
export interface Snapshot {
  levels: Int32Array;
  classes: number;
  /** classes x columns codes at `levels`, row-major. */
  tuples: Int32Array;
  size: Int32Array;
  /** The class of each bottom tuple. */
  classOf: Int32Array;
}

/** The bottom as a snapshot: every distinct tuple its own class. */
export function bottomSnapshot(bottom: Bottom): Snapshot {
  return {
    levels: new Int32Array(bottom.columns), classes: bottom.tuples, tuples: bottom.codes, size: bottom.counts,
    classOf: Int32Array.from({ length: bottom.tuples }, (_, i) => i),
  };
}

/**
 * Evaluates the node whose level per quasi-identifier is `levels`, from `from` (a snapshot at or
 * below it): the cost is one hash of each of `from`'s classes, not of every tuple. `scratch` is
 * reused between calls (one lattice search evaluates many nodes of the same bottom).
 */
export function evaluate(
  bottom: Bottom, hierarchies: readonly CompiledHierarchy[], sensitive: readonly SensitiveCodes[], limits: ModelLimits, levels: ArrayLike<number>, from: Snapshot, scratch: Scratch,
): Evaluation & { snapshot: Snapshot } {
  const q = bottom.columns;
  const up = hierarchies.map((h, c) => scratch.lift(h, c, from.levels[c]!, levels[c]!));
  const table = scratch.table(q, from.classes);
  const remap = lifted(from, up, table);
  const classes = table.size;
  const classSize = new Int32Array(classes);
  for (let i = 0; i < from.classes; i++) classSize[remap[i]!]! += from.size[i]!;
  const classOf = new Int32Array(bottom.tuples);
  for (let t = 0; t < bottom.tuples; t++) classOf[t] = remap[from.classOf[t]!]!;
  const tuples = table.keys.slice(0, classes * q);
  const failed = new Uint8Array(classes);
  for (let e = 0; e < classes; e++) if (classSize[e]! < limits.k) failed[e] = 1;
  const perClass = sensitive.map((s) => (s.l !== undefined || s.t !== undefined ? sensitiveFigures(s, classOf, classSize, classes) : undefined));
  sensitive.forEach((s, i) => {
    const f = perClass[i];
    if (!f) return;
    for (let e = 0; e < classes; e++) {
      if ((s.l !== undefined && f.distinct[e]! < s.l) || (s.t !== undefined && f.distance[e]! > s.t + 1e-12)) failed[e] = 1;
    }
  });
  let suppressed = 0;
  let achievedK = Number.POSITIVE_INFINITY;
  for (let e = 0; e < classes; e++) {
    if (failed[e]) suppressed += classSize[e]!;
    else achievedK = Math.min(achievedK, classSize[e]!);
  }
  const achievedL = perClass.map((f) => extreme(f?.distinct, failed, Math.min, Number.POSITIVE_INFINITY));
  const achievedT = perClass.map((f) => extreme(f?.distance, failed, Math.max, 0));
  const losses = hierarchies.map((h, c) => h.codeLoss[levels[c]!]!);
  const cost = suppressed * q + generalisationCost(tuples, classSize, failed, losses);
  const cells = bottom.records * q;
  return {
    satisfied: suppressed <= limits.maxSuppressed,
    suppressed,
    loss: cells === 0 ? 0 : cost / cells,
    classes,
    classOf,
    failed,
    classSize,
    achievedK: achievedK === Number.POSITIVE_INFINITY ? 0 : achievedK,
    achievedL,
    achievedT,
    snapshot: { levels: Int32Array.from(levels), classes, tuples, size: classSize, classOf },
  };
}

// Each of `from`'s classes lifted to the node's levels and interned: its class at the node.
// (A function of its own: V8 optimises this hot loop far better apart than inside evaluate.)
function lifted(from: Snapshot, up: readonly Int32Array[], table: TupleTable): Int32Array {
  const q = up.length;
  const remap = new Int32Array(from.classes);
  const tuple = new Int32Array(q);
  const codes = from.tuples;
  for (let i = 0; i < from.classes; i++) {
    const at = i * q;
    for (let c = 0; c < q; c++) tuple[c] = up[c]![codes[at + c]!]!;
    remap[i] = table.intern(tuple);
  }
  return remap;
}

/** Sum over the cells of the classes kept of what their generalised value costs. */
function generalisationCost(tuples: Int32Array, size: Int32Array, failed: Uint8Array, losses: readonly Float64Array[]): number {
  const q = losses.length;
  let cost = 0;
  for (let e = 0; e < size.length; e++) {
    if (failed[e]) continue;
    const at = e * q;
    let cell = 0;
    for (let c = 0; c < q; c++) cell += losses[c]![tuples[at + c]!]!;
    cost += cell * size[e]!;
  }
  return cost;
}

function extreme(values: ArrayLike<number> | undefined, failed: Uint8Array, pick: (a: number, b: number) => number, none: number): number {
  if (!values) return Number.NaN;
  let best = none;
  let any = false;
  for (let e = 0; e < failed.length; e++) {
    if (failed[e]) continue;
    best = any ? pick(best, values[e]!) : values[e]!;
    any = true;
  }
  return any ? best : Number.NaN;
}

// Distinct values and the earth mover's distance to the table's distribution, per class. The
// (tuple, value) pairs are bucketed by class (a counting sort), then each class is one pass over
// its pairs with a dense histogram that is cleared through the values it touched.
function sensitiveFigures(s: SensitiveCodes, classOf: Int32Array, classSize: Int32Array, classes: number): { distinct: Int32Array; distance: Float64Array } {
  const pairs = s.pairTuple.length;
  const start = new Int32Array(classes + 1);
  for (let p = 0; p < pairs; p++) start[classOf[s.pairTuple[p]!]! + 1]!++;
  for (let e = 0; e < classes; e++) start[e + 1]! += start[e]!;
  const fill = start.slice(0, classes);
  const order = new Int32Array(pairs);
  for (let p = 0; p < pairs; p++) order[fill[classOf[s.pairTuple[p]!]!]!++] = p;
  const distinct = new Int32Array(classes);
  const distance = new Float64Array(classes);
  const hist = new Float64Array(s.distinct);
  const touched = new Int32Array(s.distinct);
  const byRank = s.ordered ? new Float64Array(s.distinct) : undefined;
  for (let e = 0; e < classes; e++) {
    let n = 0;
    for (let i = start[e]!; i < start[e + 1]!; i++) {
      const p = order[i]!;
      const v = s.pairValue[p]!;
      if (hist[v] === 0) touched[n++] = v;
      hist[v]! += s.pairCount[p]!;
    }
    distinct[e] = n;
    if (s.t !== undefined) distance[e] = byRank ? orderedDistance(s, hist, classSize[e]!, byRank) : equalDistance(s, hist, touched, n, classSize[e]!);
    for (let i = 0; i < n; i++) hist[touched[i]!] = 0;
  }
  return { distinct, distance };
}

// Equal ground distance: half the L1 distance, summed over the values the class holds plus the
// table's share of the values it does not.
function equalDistance(s: SensitiveCodes, hist: Float64Array, touched: Int32Array, n: number, size: number): number {
  let sum = 1;
  for (let i = 0; i < n; i++) {
    const v = touched[i]!;
    const q = s.share[v]!;
    sum += Math.abs(hist[v]! / size - q) - q;
  }
  return Math.max(0, sum / 2);
}

// Ordered ground distance (Li et al. 2007): the sum of the absolute cumulative differences, over
// m - 1, with the values in order.
function orderedDistance(s: SensitiveCodes, hist: Float64Array, size: number, byRank: Float64Array): number {
  const m = s.distinct;
  if (m < 2) return 0;
  for (let v = 0; v < m; v++) byRank[s.rank[v]!] = hist[v]! / size - s.share[v]!;
  let cumulative = 0;
  let sum = 0;
  for (let r = 0; r < m - 1; r++) {
    cumulative += byRank[r]!;
    sum += Math.abs(cumulative);
  }
  return sum / (m - 1);
}

/** Buffers one search reuses across its evaluations. */
export class Scratch {
  private current: TupleTable | undefined;
  private readonly lifts = new Map<string, Int32Array>();

  /** Column `c`'s codes at level `from` to its codes at level `to` (from <= to). */
  lift(h: CompiledHierarchy, c: number, from: number, to: number): Int32Array {
    const key = `${c}:${from}:${to}`;
    let up = this.lifts.get(key);
    if (!up) {
      up = new Int32Array(h.labels[from]!.length);
      const a = h.map[from]!;
      const b = h.map[to]!;
      for (let v = 0; v < a.length; v++) up[a[v]!] = b[v]!;
      this.lifts.set(key, up);
    }
    return up;
  }

  table(q: number, capacity: number): TupleTable {
    if (!this.current || this.current.columns !== q || this.current.capacity < capacity) this.current = new TupleTable(q, capacity);
    else this.current.clear();
    return this.current;
  }
}

/** Open-addressing hash set of fixed-width Int32 tuples, each given a dense id in insertion order. */
class TupleTable {
  keys: Int32Array;
  size = 0;
  private slots: Int32Array;
  private readonly mask: number;

  constructor(readonly columns: number, readonly capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.slots = new Int32Array(slots);
    this.mask = slots - 1;
    this.keys = new Int32Array(Math.max(1, capacity) * columns);
  }

  clear(): void {
    this.slots.fill(0);
    this.size = 0;
  }

  /** The id of `tuple`, added if new. */
  intern(tuple: Int32Array): number {
    const q = this.columns;
    // Small codes in every column: mix each in, then murmur3's finaliser, so that linear probing
    // does not run into long clusters.
    let h = 0x9747b28c;
    for (let c = 0; c < q; c++) h = Math.imul(h ^ tuple[c]!, 0xcc9e2d51) ^ (h >>> 15);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & this.mask;
    for (;;) {
      const id = this.slots[slot]! - 1;
      if (id < 0) break;
      const at = id * q;
      let same = true;
      for (let c = 0; c < q; c++) if (this.keys[at + c] !== tuple[c]) { same = false; break; }
      if (same) return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.size++;
    this.keys.set(tuple, id * q);
    this.slots[slot] = id + 1;
    return id;
  }
}
