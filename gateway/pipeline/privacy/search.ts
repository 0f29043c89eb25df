// The optimal full-domain generalisation: of all nodes of the lattice (one level per
// quasi-identifier), the one with the least information loss that satisfies the model.
//
// A node's loss without suppression is a sum of per-column figures, computable for every node
// without touching the data, and it is a lower bound of the node's loss with suppression
// (a suppressed cell costs 1, the most a generalised cell can). So nodes are visited in order of
// that bound, and the search stops as soon as the bound reaches the best loss found: no node
// left can do better. When the model is monotone (k-anonymity and distinct l-diversity, with or
// without suppression; t-closeness without), a node that fails proves every node below it fails:
// as ARX's Flash does, a binary search up a path from it finds the highest failing node on the
// path, and every node that one dominates is skipped unevaluated.
import { DataportError } from '../../../crypto/errors.js';
import { bottomSnapshot, evaluate, Scratch, type Bottom, type Evaluation, type ModelLimits, type SensitiveCodes, type Snapshot } from './evaluate.js';
import type { CompiledHierarchy } from './hierarchy.js';

/** Snapshots kept for later evaluations to start from (each holds a class per bottom tuple). */
const SNAPSHOTS = 12;

/** More nodes than this and the search is refused: fewer quasi-identifiers or levels are needed. */
export const MAX_LATTICE_NODES = 4_000_000;

const EPSILON = 1e-12;

export interface SearchResult {
  levels: number[];
  evaluation: Evaluation;
  nodes: number;
  evaluated: number;
  monotone: boolean;
}

export function searchLattice(
  bottom: Bottom, hierarchies: readonly CompiledHierarchy[], sensitive: readonly SensitiveCodes[], limits: ModelLimits, columns: readonly string[],
): SearchResult {
  const q = hierarchies.length;
  const heights = hierarchies.map((h) => h.height);
  const nodes = heights.reduce((a, b) => a * b, 1);
  if (nodes > MAX_LATTICE_NODES) {
    throw new DataportError('DP_ERR_VALIDATION', `the generalisation lattice has ${nodes} nodes (levels ${heights.join(' x ')}), more than ${MAX_LATTICE_NODES}: use fewer quasi-identifiers or shallower hierarchies`);
  }
  // Per column and level, the loss of the column's cells at that level, averaged over all cells.
  const cells = Math.max(1, bottom.records * q);
  const columnLoss = hierarchies.map((h, c) => h.cellLoss.map((loss) => {
    let sum = 0;
    for (let t = 0; t < bottom.tuples; t++) sum += loss[bottom.codes[t * q + c]!]! * bottom.counts[t]!;
    return sum / cells;
  }));
  const stride = new Int32Array(q);
  for (let c = 0, s = 1; c < q; c++, s *= heights[c - 1]!) stride[c] = s;
  const levelsOf = (id: number): Int32Array => {
    const levels = new Int32Array(q);
    for (let c = 0; c < q; c++) levels[c] = Math.floor(id / stride[c]!) % heights[c]!;
    return levels;
  };
  const bound = new Float64Array(nodes);
  const height = new Int32Array(nodes);
  for (let id = 0; id < nodes; id++) {
    const levels = levelsOf(id);
    let b = 0;
    let h = 0;
    for (let c = 0; c < q; c++) {
      b += columnLoss[c]![levels[c]!]!;
      h += levels[c]!;
    }
    bound[id] = b;
    height[id] = h;
  }
  const order = Int32Array.from({ length: nodes }, (_, i) => i).sort((a, b) => bound[a]! - bound[b]! || height[a]! - height[b]! || a - b);

  const monotone = !(limits.maxSuppressed > 0 && sensitive.some((s) => s.t !== undefined));
  const scratch = new Scratch();
  let evaluated = 0;
  let best: { id: number; evaluation: Evaluation } | undefined;
  // Evaluations start from the smallest snapshot below the node: the bottom, or a node evaluated
  // before (the probes up one path each start from the one below).
  const base = bottomSnapshot(bottom);
  const snapshots: Snapshot[] = [];
  const below = (levels: Int32Array): Snapshot => {
    let pick = base;
    for (const s of snapshots) if (s.classes < pick.classes && s.levels.every((l, c) => l <= levels[c]!)) pick = s;
    return pick;
  };
  const verdicts = new Map<number, boolean>();
  const run = (id: number): boolean => {
    let satisfied = verdicts.get(id);
    if (satisfied === undefined) {
      const levels = levelsOf(id);
      const e = evaluate(bottom, hierarchies, sensitive, limits, levels, below(levels), scratch);
      snapshots.push(e.snapshot);
      if (snapshots.length > SNAPSHOTS) snapshots.shift();
      evaluated++;
      satisfied = e.satisfied;
      verdicts.set(id, satisfied);
      // Equal loss: the less generalised node (its values say more) wins.
      if (satisfied && (!best || e.loss < best.evaluation.loss - EPSILON || (e.loss <= best.evaluation.loss + EPSILON && height[id]! < height[best.id]!))) {
        best = { id, evaluation: e };
      }
    }
    return satisfied;
  };
  // The highest failing nodes found: everything they dominate fails too.
  const failing: Int32Array[] = [];
  const dominated = (levels: Int32Array) => failing.some((f) => levels.every((l, c) => l <= f[c]!));

  for (const id of order) {
    if (best && (bound[id]! > best.evaluation.loss + EPSILON || (bound[id]! >= best.evaluation.loss - EPSILON && height[id]! >= height[best.id]!))) break;
    const levels = levelsOf(id);
    if (monotone && dominated(levels)) continue;
    if (run(id) || !monotone) continue;
    // Climb: the cheapest path to the top, binary-searched for its last failing node.
    const path = pathUp(levels, heights, columnLoss, stride);
    let lo = 0; // fails
    let hi = path.length; // first node known to satisfy (path.length: none)
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (run(path[mid]!)) hi = mid;
      else lo = mid;
    }
    const top = levelsOf(path[lo]!);
    for (let i = failing.length - 1; i >= 0; i--) if (failing[i]!.every((l, c) => l <= top[c]!)) failing.splice(i, 1);
    failing.push(top);
  }
  if (!best) {
    throw new DataportError('DP_ERR_PRIVACY_UNSATISFIABLE', `even with every quasi-identifier (${columns.join(', ')}) fully generalised, more than ${limits.maxSuppressed} of ${bottom.records} records would have to be suppressed; raise the suppression limit or relax the model`);
  }
  return { levels: Array.from(levelsOf(best.id)), evaluation: best.evaluation, nodes, evaluated, monotone };
}

// From `levels` to the top, one level at a time, each time raising the column whose next level
// adds the least loss (ties: the first column): the path ARX's Flash climbs, by loss.
function pathUp(levels: Int32Array, heights: readonly number[], columnLoss: readonly number[][], stride: Int32Array): number[] {
  const at = Int32Array.from(levels);
  const id = () => at.reduce((sum, l, c) => sum + l * stride[c]!, 0);
  const path = [id()];
  for (;;) {
    let pick = -1;
    let cheapest = Number.POSITIVE_INFINITY;
    for (let c = 0; c < at.length; c++) {
      if (at[c]! + 1 >= heights[c]!) continue;
      const step = columnLoss[c]![at[c]! + 1]! - columnLoss[c]![at[c]!]!;
      if (step < cheapest) {
        cheapest = step;
        pick = c;
      }
    }
    if (pick < 0) return path;
    at[pick]!++;
    path.push(id());
  }
}
