// Whether a recorded decision still holds: the same pathway, the same satisfied, the same rules in
// the same order. Reasons and warnings may read differently (a date, a count) without the decision
// changing; the rule set's version and hash are compared by the caller.

/** What a decision is, as recorded in a ledger entry (decision.rules ids in order). */
export interface DecisionOutcome {
  pathway: string;
  satisfied: boolean;
  rules: readonly { id: string }[];
}

/** Each way `current` differs from `recorded`; empty when the decision holds. */
export function decisionDifferences(recorded: DecisionOutcome, current: DecisionOutcome): string[] {
  const differences: string[] = [];
  if (recorded.pathway !== current.pathway) differences.push(`pathway: recorded ${recorded.pathway}, now ${current.pathway}`);
  if (recorded.satisfied !== current.satisfied) differences.push(`satisfied: recorded ${recorded.satisfied}, now ${current.satisfied}`);
  const was = recorded.rules.map((r) => r.id).join(', ');
  const now = current.rules.map((r) => r.id).join(', ');
  if (was !== now) differences.push(`rules: recorded ${was}, now ${now}`);
  return differences;
}
