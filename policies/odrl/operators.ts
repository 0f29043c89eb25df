// What each operator means for each value type. ODRL 2.2 defines the operators only in words
// ("a given value is contained by the right operand"); dataport's reading, for a context value v
// and right operand r (a list R for the list operators):
//
//   term (one identifier; purpose and spatial walk a hierarchy of the context)
//     eq / neq            v = r / v ≠ r, exact string comparison
//     isA, isPartOf       v = r or r is an ancestor of v ('CN-BJ' isPartOf 'CN', 'clinical-research' isA 'research')
//     hasPart R           every r in R is v or a descendant of v ('EU' hasPart ['DE', 'FR'])
//     isAnyOf / isNoneOf  v ∈ R / v ∉ R, exact set membership (no hierarchy)
//     isAllOf R           every r in R equals v
//   set (several identifiers V: the consumer's claims)
//     eq, isA r / neq r   r ∈ V / r ∉ V
//     isAnyOf R           V ∩ R ≠ ∅        isNoneOf R   V ∩ R = ∅
//     isAllOf R, hasPart R   R ⊆ V
//   number, dateTime (instants in ms), duration (reduced to instants by the caller)
//     eq neq gt gteq lt lteq   numeric order; isAnyOf / isNoneOf (numbers only) exact membership
// Any other pairing is refused at parse time (OPERATORS_BY_TYPE), so it never reaches here.
import type { Operator } from './vocabulary.js';

/** child -> parent(s): 'CN-BJ': 'CN', 'DE': ['EU', 'EEA']. A DAG; a cycle is walked once. */
export type Hierarchy = Readonly<Record<string, string | readonly string[]>>;

/** `value` and everything it is part of / a kind of, transitively. */
export function lineage(value: string, hierarchy: Hierarchy | undefined): Set<string> {
  const seen = new Set<string>();
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const up = hierarchy !== undefined && Object.hasOwn(hierarchy, v) ? hierarchy[v] : undefined;
    if (typeof up === 'string') stack.push(up);
    else if (up !== undefined) stack.push(...up);
  }
  return seen;
}

export function compareTerm(op: Operator, v: string, r: readonly string[], hierarchy?: Hierarchy): boolean {
  switch (op) {
    case 'eq':
      return v === r[0];
    case 'neq':
      return v !== r[0];
    case 'isA':
    case 'isPartOf':
      return lineage(v, hierarchy).has(r[0]!);
    case 'hasPart':
      return r.every((x) => lineage(x, hierarchy).has(v));
    case 'isAnyOf':
      return r.includes(v);
    case 'isNoneOf':
      return !r.includes(v);
    case 'isAllOf':
      return r.every((x) => x === v);
    default:
      throw new Error(`unreachable: ${op} on a term`);
  }
}

export function compareSet(op: Operator, v: readonly string[], r: readonly string[]): boolean {
  const held = new Set(v);
  switch (op) {
    case 'eq':
    case 'isA':
      return held.has(r[0]!);
    case 'neq':
      return !held.has(r[0]!);
    case 'isAnyOf':
      return r.some((x) => held.has(x));
    case 'isNoneOf':
      return !r.some((x) => held.has(x));
    case 'isAllOf':
    case 'hasPart':
      return r.every((x) => held.has(x));
    default:
      throw new Error(`unreachable: ${op} on a set`);
  }
}

export function compareOrdered(op: Operator, v: number, r: readonly number[]): boolean {
  const x = r[0]!;
  switch (op) {
    case 'eq':
      return v === x;
    case 'neq':
      return v !== x;
    case 'gt':
      return v > x;
    case 'gteq':
      return v >= x;
    case 'lt':
      return v < x;
    case 'lteq':
      return v <= x;
    case 'isAnyOf':
      return r.includes(v);
    case 'isNoneOf':
      return !r.includes(v);
    default:
      throw new Error(`unreachable: ${op} on an ordered value`);
  }
}

/** For a time-like value that only grows (now, elapsed time, uses): could `op r` become true later though it is false now? */
export function becomesTrueLater(op: Operator, v: number, r: readonly number[]): boolean {
  if (op === 'gt' || op === 'gteq' || op === 'neq') return true;
  if (op === 'eq' || op === 'isAnyOf') return r.some((x) => x > v);
  return false;
}
