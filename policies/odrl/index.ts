// Public surface of the ODRL policy engine (re-exported by policies/index.ts).
export { parsePolicy, UNDERSTOOD_PROFILES } from './parse.js';
export { evaluate, type Decision, type PolicyRequest } from './evaluate.js';
export { SCOPES, type EvaluationContext, type Instant, type Scope } from './context.js';
export { policyHash, policyToJson } from './serialise.js';
export { policyProblems, type PolicyProblem } from './problems.js';
export type { Duty } from './duties.js';
export type { AtomicStep, ConstraintStep, LogicalStep, Outcome, ReferenceStep, RuleKind, RuleStep, TraceResult, TraceStep } from './trace.js';
export type { Action, AtomicConstraint, Constraint, ConstraintReference, DutyRule, LogicalConstraint, Permission, Policy, PolicyType, Prohibition, RightValue, Rule } from './model.js';
export type { Hierarchy } from './operators.js';
export type { JsonObject, JsonValue } from './json.js';
export {
  ACTIONS,
  DATAPORT_NS,
  DUTY_ACTIONS,
  LEFT_OPERANDS,
  OPERATORS,
  OPERATORS_BY_TYPE,
  actionIncludes,
  type ActionName,
  type LeftOperandName,
  type LogicalOperator,
  type Operator,
  type ValueType,
} from './vocabulary.js';
