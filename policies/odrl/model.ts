// The policy model parsePolicy() builds: names normalised, right operands parsed into typed
// values, and every part the engine cannot enforce marked with a `problem` (the decision then
// fails closed naming it). The model is plain data; policyToJson() turns it back into ODRL JSON.
import type { JsonObject, JsonValue } from './json.js';
import type { LogicalOperator } from './vocabulary.js';
import type { Duration } from './xsd.js';

export type PolicyType = 'Offer' | 'Agreement' | 'Set';

/** A right operand in the type its left operand compares (a single value is a list of one). */
export type RightValue =
  | { readonly type: 'term' | 'set'; readonly values: readonly string[] }
  | { readonly type: 'number' | 'dateTime'; readonly values: readonly number[] }
  | { readonly type: 'duration'; readonly values: readonly Duration[] };

export interface AtomicConstraint {
  readonly kind: 'atomic';
  /** Normalised name ('spatial', 'dataport:membership'), or as written when unknown. */
  readonly leftOperand: string;
  readonly operator: string;
  /** As written in the policy. */
  readonly rightOperand: JsonValue;
  /** ODRL's by-reference right operand; kept for the normal form, always a problem. */
  readonly rightOperandReference?: JsonValue;
  readonly dataType?: string;
  /** The parsed right operand; absent exactly when `problem` is set. */
  readonly value?: RightValue;
  readonly problem?: string;
}

export interface LogicalConstraint {
  readonly kind: 'logical';
  readonly operator: LogicalOperator;
  readonly constraints: readonly Constraint[];
  readonly problem?: string;
}

/** A constraint given only by {"@id"}: it would have to be fetched, so it fails closed. */
export interface ConstraintReference {
  readonly kind: 'reference';
  readonly id: string;
  readonly problem: string;
}

export type Constraint = AtomicConstraint | LogicalConstraint | ConstraintReference;

export interface Action {
  /** Normalised ('use'), or as written when unknown. */
  readonly name: string;
  /** ODRL 2.2 2.6.4: constraints that narrow the action; evaluated with the rule's constraints. */
  readonly refinement: readonly Constraint[];
}

export interface Rule {
  readonly action: Action;
  readonly target?: string;
  readonly assignee?: string;
  readonly assigner?: string;
  readonly constraint: readonly Constraint[];
  /** What about the rule itself cannot be enforced (unknown action, unsupported property). */
  readonly problems: readonly string[];
}

export interface DutyRule extends Rule {
  /** ODRL informedParty of an inform duty. */
  readonly informedParty?: string;
  /** dataport extension properties on the duty ('dataport:pipeline' -> its JSON), carried to the gateway. */
  readonly extensions: JsonObject;
}

export interface Permission extends Rule {
  readonly duty: readonly DutyRule[];
}

export type Prohibition = Rule;

export interface Policy {
  readonly id?: string;
  readonly type: PolicyType;
  readonly target?: string;
  readonly assigner?: string;
  readonly assignee?: string;
  /** Agreement signing time as written (DSP 2025-1 contract-schema `timestamp`). */
  readonly timestamp?: string;
  readonly profile: readonly string[];
  readonly permission: readonly Permission[];
  readonly prohibition: readonly Prohibition[];
  readonly obligation: readonly DutyRule[];
  /** Policy-level problems (unknown profile, unsupported property). */
  readonly problems: readonly string[];
}
