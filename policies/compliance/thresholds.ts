// The yearly totals at which the decision for a transfer may change, so that the gateway can stop
// a transfer before the row that reaches one and decide again at that total.
import { DEFAULT_RULES } from './defaults.js';
import { readScope } from './facts.js';
import { possibleEntries } from './negative-list.js';
import type { ExportFacts, RuleSet } from './types.js';

/**
 * Distinct individuals this year (this transfer included), ascending, at which the decision for
 * these facts may change: a total reaching (>=) one of them. The national thresholds; AUTO's
 * "more than" number plus one in automotive sectors; the thresholds of every entry of the
 * exporter's list that what is known of the transfer may match. Facts that are absent widen the
 * answer rather than fail: a threshold too many only costs a decision.
 */
export function volumeThresholds(facts: ExportFacts, rules: RuleSet = DEFAULT_RULES): { nonSensitive: number[]; sensitive: number[] } {
  const scope = readScope(facts);
  const { nonSensitive: plain, sensitive: plainSensitive } = rules.national.thresholds;
  const nonSensitive = [plain.contract, plain.assessment];
  const sensitive = [plainSensitive.contract, plainSensitive.assessment];
  if (scope.sector !== undefined && rules.automotive.sectors.includes(scope.sector)) nonSensitive.push(rules.automotive.personalInfoSubjectsOver + 1);
  for (const e of possibleEntries(scope, rules)) {
    if (e.threshold?.nonSensitive !== undefined) nonSensitive.push(e.threshold.nonSensitive);
    if (e.threshold?.sensitive !== undefined) sensitive.push(e.threshold.sensitive);
  }
  return { nonSensitive: ascending(nonSensitive), sensitive: ascending(sensitive) };
}

const ascending = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);
