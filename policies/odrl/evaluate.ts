// The decision (ODRL 2.2 2.3 and 2.6): a request is allowed iff some permission whose action covers
// it has all its constraints satisfied and no prohibition covering it is active; prohibitions win
// (conflict strategy 'prohibit'). The satisfied permissions' duties and the policy's obligations
// are returned as duties. Fail closed: anything the engine cannot evaluate denies, and says what.
//
// 'unknown' (a value not known in this scope) decides by scope: at catalog time optimistically
// (a permission may still be satisfied, a prohibition may never apply: the offer stays visible);
// in every other scope pessimistically (a permission is not satisfied, a prohibition applies).
import { DataportError } from '../../crypto/errors.js';
import { environment, SCOPES, type Environment, type EvaluationContext, type Scope } from './context.js';
import { dutyOf, type Duty } from './duties.js';
import { isObject } from './json.js';
import type { Constraint, Policy, Rule } from './model.js';
import { compareAtomic } from './operands.js';
import { constraintLabels, policyProblems } from './problems.js';
import { combine, explainHolds, explainUnsatisfied, type ConstraintStep, type Outcome, type RuleKind, type RuleStep, type TraceResult, type TraceStep } from './trace.js';
import { ACTIONS, actionIncludes, isAction, termName, type ActionName } from './vocabulary.js';

export interface PolicyRequest {
  /** 'use', 'read', 'aggregate', ... (compact, odrl: or IRI). */
  action: string;
  /** The asset asked for; rules targeting another asset do not apply. */
  target?: string;
  scope: Scope;
}

export interface Decision {
  allowed: boolean;
  /** A sentence: "denied: permission 0 constraint 1: spatial CN isPartOf EU is false". */
  reason: string;
  trace: TraceStep[];
  /** Only when allowed: what the gateway and consumer must do. */
  duties: Duty[];
}

export function evaluate(policy: Policy, request: PolicyRequest, context: EvaluationContext): Decision {
  if (!isObject(policy) || !Array.isArray(policy.permission) || !Array.isArray(policy.problems)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'evaluate takes a policy from parsePolicy(), not raw JSON');
  if (!isObject(request) || typeof request.action !== 'string') throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'request.action must be a string');
  if (!SCOPES.includes(request.scope)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `request.scope must be one of ${SCOPES.join(', ')}`);
  if (request.target !== undefined && typeof request.target !== 'string') throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'request.target must be a string');
  const env = environment(context, request.scope, policy);
  const action = termName(request.action);
  const known = isAction(action) ? action : undefined;

  const trace: RuleStep[] = [
    ...policy.permission.map((r, i) => ruleStep('permission', i, r, policy, known, request.target, env)),
    ...policy.prohibition.map((r, i) => ruleStep('prohibition', i, r, policy, known, request.target, env)),
    ...policy.obligation.map((r, i) => ruleStep('obligation', i, r, policy, known, request.target, env)),
  ];
  const deny = (reason: string): Decision => ({ allowed: false, reason: `denied: ${reason}`, trace, duties: [] });

  const problems = policyProblems(policy).map((p) => `${p.at}: ${p.message}`);
  if (known === undefined) problems.unshift(`request: unknown action '${action}' (dataport knows ${ACTIONS.join(', ')})`);
  if (problems.length > 0) return deny(problems.length > 3 ? `${problems.slice(0, 3).join('; ')}; and ${problems.length - 3} more` : problems.join('; '));

  const forbidding = trace.filter((s) => s.outcome === 'forbids');
  if (forbidding.length > 0) {
    return deny(forbidding.map((s) => `${s.label} forbids ${s.action}${s.constraints.length > 0 ? `: ${s.constraints.map(explainHolds).join(' and ')}` : ''}`).join('; '));
  }
  const permissions = trace.filter((s) => s.kind === 'permission' && s.applies);
  const granting = permissions.filter((s) => s.outcome === 'grants');
  if (permissions.length === 0) {
    const others = trace.filter((s) => s.kind === 'permission').map((s) => `${s.label}: ${s.note}`);
    return deny(`no permission covers ${action} (${others.length > 0 ? others.join('; ') : 'the policy has none'})`);
  }
  if (granting.length === 0) {
    return deny(permissions.map(explainUnsatisfied).join('; '));
  }

  const duties = [
    ...granting.flatMap((s) => policy.permission[s.index]!.duty.map((d, j) => dutyOf(d, `${s.label} duty ${j}`))),
    ...policy.obligation.map((o, i) => dutyOf(o, `obligation ${i}`)),
  ];
  const pending = [...new Set(granting.flatMap((s) => openOperands(s.constraints)))];
  const reason =
    `allowed: ${granting.map((s) => s.label).join(', ')} ${granting.length === 1 ? 'grants' : 'grant'} ${action}` +
    (duties.length > 0 ? `; duties: ${duties.map((d) => `${d.action} (${d.origin})`).join(', ')}` : '') +
    (pending.length > 0 ? `; not known until later: ${pending.join(', ')}` : '');
  return { allowed: true, reason, trace, duties };
}

function ruleStep(kind: RuleKind, index: number, rule: Rule, policy: Policy, requested: ActionName | undefined, target: string | undefined, env: Environment): RuleStep {
  const label = `${kind} ${index}`;
  const notApplying = kind === 'obligation' ? undefined : whyNotApplying(rule, policy, requested, target, env);
  const constraints = kind === 'obligation' ? [] : constraintLabels(rule).map(({ constraint, label: l }) => constraintStep(constraint, l, env));
  const result = combine('and', constraints.map((c) => c.result));
  const catalog = env.scope === 'catalog';
  let outcome: Outcome;
  if (kind === 'obligation') outcome = 'duty';
  else if (notApplying !== undefined) outcome = 'does not apply';
  else if (kind === 'permission') outcome = result === true || (result === 'unknown' && catalog) ? 'grants' : 'not satisfied';
  else outcome = result === true || (result === 'unknown' && !catalog) ? 'forbids' : 'not active';
  return {
    step: 'rule',
    kind,
    index,
    label,
    action: rule.action.name,
    applies: notApplying === undefined,
    ...(notApplying !== undefined && { note: notApplying }),
    ...(kind === 'obligation' && { note: 'reported as a duty; its constraints are parameters' }),
    ...(rule.problems.length > 0 && { problems: [...rule.problems] }),
    result,
    outcome,
    constraints,
  };
}

function whyNotApplying(rule: Rule, policy: Policy, requested: ActionName | undefined, target: string | undefined, env: Environment): string | undefined {
  const name = rule.action.name;
  if (requested === undefined || !isAction(name)) return 'its action or the requested one is unknown';
  if (!actionIncludes(name, requested)) return `${name} does not cover ${requested}`;
  const t = rule.target ?? policy.target;
  if (target !== undefined && t !== undefined && t !== target) return `its target ${t} is not the requested ${target}`;
  const assignee = rule.assignee ?? policy.assignee;
  if (assignee !== undefined && assignee !== env.did) return `its assignee ${assignee} is not the consumer ${env.did}`;
  return undefined;
}

function constraintStep(c: Constraint, label: string, env: Environment): ConstraintStep {
  if (c.kind === 'reference') return { step: 'reference', label, id: c.id, result: 'unknown', problem: c.problem };
  if (c.kind === 'logical') {
    const constraints = c.constraints.map((x, i) => constraintStep(x, `${label}.${i}`, env));
    const result: TraceResult = c.problem !== undefined ? 'unknown' : combine(c.operator, constraints.map((x) => x.result));
    return { step: 'logical', label, operator: c.operator, result, constraints, ...(c.problem !== undefined && { problem: c.problem }) };
  }
  const base = { step: 'constraint' as const, label, leftOperand: c.leftOperand, operator: c.operator, rightOperand: c.rightOperand };
  if (c.value === undefined) return { ...base, actual: null, result: 'unknown', problem: c.problem ?? 'not evaluable' };
  const { actual, result, note } = compareAtomic({ ...c, value: c.value }, env);
  return { ...base, actual, result, ...(note !== undefined && { note }) };
}

/** Left operands still 'unknown' in a granting rule (catalog scope). */
function openOperands(steps: readonly ConstraintStep[]): string[] {
  return steps.flatMap((s) => (s.result !== 'unknown' ? [] : s.step === 'constraint' ? [s.leftOperand] : s.step === 'logical' ? openOperands(s.constraints) : []));
}
