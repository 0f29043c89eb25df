// Duties a decision hands to the gateway: a permission's duties (ODRL 2.2 2.6.3: to be fulfilled
// to exercise it) and the policy's obligations. Their constraints are parameters, not conditions:
//   anonymize  dataport:kAnonymity eq|gteq k -> k, dataport:lDiversity eq|gteq l -> l
//   delete     elapsedTime lteq|lt D -> retention (delete within D of the agreement),
//              dateTime lteq|lt T -> deleteBy
//   others     elapsedTime lteq|lt D -> within, dateTime lteq|lt T -> by
// from the duty's constraints and its action's refinement; dataport extension properties of the duty
// are passed on as they are under their local name (dataport:pipeline, the per-column
// anonymisation plan, becomes `pipeline`).
import type { JsonObject, JsonValue } from './json.js';
import type { Constraint, DutyRule } from './model.js';
import { constraintJson } from './serialise.js';
import type { ActionName } from './vocabulary.js';

export interface Duty {
  /** Where it comes from: 'permission 0 duty 1' or 'obligation 0'. */
  readonly origin: string;
  readonly action: ActionName;
  readonly target?: string;
  readonly assignee?: string;
  readonly assigner?: string;
  readonly informedParty?: string;
  /** Named parameters read from the constraints, plus the duty's dataport extension properties. */
  readonly parameters: JsonObject;
  /** All of the duty's refinements and constraints, in normal form. */
  readonly constraints: readonly JsonObject[];
}

const PARAMETER: Readonly<Record<string, string>> = { 'dataport:kAnonymity': 'k', 'dataport:lDiversity': 'l' };

function parameterName(action: string, leftOperand: string): string | undefined {
  if (PARAMETER[leftOperand] !== undefined) return PARAMETER[leftOperand];
  if (leftOperand === 'elapsedTime') return action === 'delete' ? 'retention' : 'within';
  if (leftOperand === 'dateTime') return action === 'delete' ? 'deleteBy' : 'by';
  return undefined;
}

export function dutyOf(d: DutyRule, origin: string): Duty {
  const all: readonly Constraint[] = [...d.action.refinement, ...d.constraint];
  const parameters: JsonObject = {};
  for (const c of all) {
    if (c.kind !== 'atomic' || c.problem !== undefined) continue;
    const name = parameterName(d.action.name, c.leftOperand);
    const deadline = c.leftOperand === 'elapsedTime' || c.leftOperand === 'dateTime';
    if (name === undefined || (deadline && c.operator !== 'lteq' && c.operator !== 'lt')) continue;
    const v = c.rightOperand;
    const value: JsonValue = typeof v === 'object' && v !== null && !Array.isArray(v) && '@value' in v ? v['@value']! : v;
    parameters[name] = typeof value === 'string' && PARAMETER[c.leftOperand] !== undefined ? Number(value) : value;
  }
  for (const [k, v] of Object.entries(d.extensions)) parameters[k.slice('dataport:'.length)] = v;
  return {
    origin,
    action: d.action.name as ActionName,
    ...(d.target !== undefined && { target: d.target }),
    ...(d.assignee !== undefined && { assignee: d.assignee }),
    ...(d.assigner !== undefined && { assigner: d.assigner }),
    ...(d.informedParty !== undefined && { informedParty: d.informedParty }),
    parameters,
    constraints: all.map(constraintJson),
  };
}
