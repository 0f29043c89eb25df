// The trace every decision returns: one step per rule, one per constraint (nested under logical
// constraints), each with the value compared and the result. Plain JSON, so a dry run can return it;
// the sentences here turn the deciding steps into the decision's reason.
import { show, type JsonValue } from './json.js';
import type { LogicalOperator } from './vocabulary.js';

export type TraceResult = boolean | 'unknown';

export interface AtomicStep {
  readonly step: 'constraint';
  /** 'constraint 1', 'constraint 1.0' inside a logical constraint, 'refinement 0' for an action refinement. */
  readonly label: string;
  readonly leftOperand: string;
  readonly operator: string;
  readonly rightOperand: JsonValue;
  /** The value compared, from the context; null when the context has none. */
  readonly actual: JsonValue;
  readonly result: TraceResult;
  readonly note?: string;
  /** Why the engine cannot evaluate it (the decision is then a denial naming this). */
  readonly problem?: string;
}

export interface LogicalStep {
  readonly step: 'logical';
  readonly label: string;
  readonly operator: LogicalOperator;
  readonly result: TraceResult;
  readonly constraints: readonly ConstraintStep[];
  readonly problem?: string;
}

export interface ReferenceStep {
  readonly step: 'reference';
  readonly label: string;
  readonly id: string;
  readonly result: 'unknown';
  readonly problem: string;
}

export type ConstraintStep = AtomicStep | LogicalStep | ReferenceStep;

export type RuleKind = 'permission' | 'prohibition' | 'obligation';
export type Outcome = 'grants' | 'not satisfied' | 'forbids' | 'not active' | 'does not apply' | 'duty';

export interface RuleStep {
  readonly step: 'rule';
  readonly kind: RuleKind;
  readonly index: number;
  /** 'permission 0' */
  readonly label: string;
  readonly action: string;
  /** Whether the rule concerns this request: its action covers the requested one, its target and assignee match. */
  readonly applies: boolean;
  readonly note?: string;
  readonly problems?: readonly string[];
  /** The rule's refinements and constraints together (true when it has none). */
  readonly result: TraceResult;
  readonly outcome: Outcome;
  readonly constraints: readonly ConstraintStep[];
}

export type TraceStep = RuleStep;

// Kleene's three-valued logic: 'unknown' is a value that may turn out either way.
export function combine(op: LogicalOperator, results: readonly TraceResult[]): TraceResult {
  const t = results.filter((r) => r === true).length;
  const u = results.filter((r) => r === 'unknown').length;
  switch (op) {
    case 'and':
    case 'andSequence': // at one instant the order of satisfaction is not observable
      return t === results.length ? true : t + u === results.length ? 'unknown' : false;
    case 'or':
      return t > 0 ? true : u > 0 ? 'unknown' : false;
    case 'xone': // exactly one
      return t > 1 ? false : u > 0 ? 'unknown' : t === 1;
  }
}

function atomicSentence(s: AtomicStep): string {
  const core = `${s.label}: ${s.leftOperand} ${show(s.actual)} ${s.operator} ${show(s.rightOperand)} is ${s.result}`;
  return s.note === undefined ? core : `${core} (${s.note})`;
}

/** Why a constraint is not true: the deciding atomic constraint(s), with the values compared. */
export function explainNotTrue(s: ConstraintStep): string {
  if (s.problem !== undefined) return `${s.label}: ${s.problem}`;
  if (s.step === 'constraint') return atomicSentence(s);
  if (s.step === 'reference') return `${s.label}: ${s.problem}`;
  const children = s.constraints;
  if (s.operator === 'xone' && children.filter((c) => c.result === true).length > 1) {
    const held = children.filter((c) => c.result === true).map((c) => c.label);
    return `${s.label} (xone): ${held.join(' and ')} all hold, exactly one must`;
  }
  if (s.operator === 'and' || s.operator === 'andSequence') return explainNotTrue(children.find((c) => c.result === s.result) ?? children.find((c) => c.result !== true)!);
  if (s.result === 'unknown') return `${s.label} (${s.operator}) is unknown: ${children.filter((c) => c.result === 'unknown').map(explainNotTrue).join('; ')}`;
  return `${s.label} (${s.operator}): none holds: ${children.map(explainNotTrue).join('; ')}`;
}

/** Why a constraint holds (or may hold): for an active prohibition. */
export function explainHolds(s: ConstraintStep): string {
  if (s.step !== 'logical') return s.step === 'constraint' ? atomicSentence(s) : `${s.label}: ${s.problem}`;
  const held = s.constraints.filter((c) => c.result === s.result);
  if (s.operator === 'and' || s.operator === 'andSequence') return held.map(explainHolds).join(' and ');
  return explainHolds(held[0] ?? s.constraints[0]!);
}

/** Why a rule's constraints (an implicit and) are not true: its first false, else first unknown, constraint. */
export function explainUnsatisfied(rule: RuleStep): string {
  const deciding = rule.constraints.find((c) => c.result === rule.result) ?? rule.constraints.find((c) => c.result !== true);
  return deciding === undefined ? `${rule.label} is not satisfied` : `${rule.label} ${explainNotTrue(deciding)}`;
}
