// Everything in a parsed policy the engine cannot enforce, located as the trace locates it.
import type { Constraint, Policy, Rule } from './model.js';

export interface PolicyProblem {
  /** 'permission 1 constraint 0.2', 'obligation 0', 'policy' */
  readonly at: string;
  readonly message: string;
}

/** Labels of a rule's constraint list: refinements first, then constraints (the evaluator's order). */
export function constraintLabels(rule: Rule): { constraint: Constraint; label: string }[] {
  return [
    ...rule.action.refinement.map((constraint, i) => ({ constraint, label: `refinement ${i}` })),
    ...rule.constraint.map((constraint, i) => ({ constraint, label: `constraint ${i}` })),
  ];
}

function constraintProblems(c: Constraint, at: string, out: PolicyProblem[]): void {
  if (c.kind !== 'logical' && c.problem !== undefined) out.push({ at, message: c.problem });
  if (c.kind === 'logical') {
    if (c.problem !== undefined) out.push({ at, message: c.problem });
    c.constraints.forEach((x, i) => constraintProblems(x, `${at}.${i}`, out));
  }
}

function ruleProblems(rule: Rule, at: string, out: PolicyProblem[]): void {
  for (const message of rule.problems) out.push({ at, message });
  for (const { constraint, label } of constraintLabels(rule)) constraintProblems(constraint, `${at} ${label}`, out);
}

/** Empty exactly when every decision on this policy can be made; otherwise each names what cannot. */
export function policyProblems(policy: Policy): PolicyProblem[] {
  const out: PolicyProblem[] = policy.problems.map((message) => ({ at: 'policy', message }));
  policy.permission.forEach((p, i) => {
    ruleProblems(p, `permission ${i}`, out);
    p.duty.forEach((d, j) => ruleProblems(d, `permission ${i} duty ${j}`, out));
  });
  policy.prohibition.forEach((p, i) => ruleProblems(p, `prohibition ${i}`, out));
  policy.obligation.forEach((o, i) => ruleProblems(o, `obligation ${i}`, out));
  return out;
}
