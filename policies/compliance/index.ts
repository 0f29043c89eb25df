// Public surface of the compliance engine (re-exported by policies/index.ts): China's export
// pathways decided from the facts of one transfer, under a rule set that is data (rules/).
export { exportPathway } from './pathway.js';
export { artefactStatus, artefactWarnings, type ArtefactStatus } from './artefacts.js';
export { volumeThresholds } from './thresholds.js';
export { decisionDifferences, type DecisionOutcome } from './replay.js';
export { DEFAULT_RULES } from './defaults.js';
export { loadRules } from './load-rules.js';
export { checkedRuleSet, rulesHash } from './rule-set.js';
export { BASES, IMPORTANT_DATA, PATHWAYS, ZONES } from './types.js';
export type {
  Artefacts, AutomotiveRules, Basis, Confidence, ExportFacts, ImportantData, ListPathway, NationalRules, NegativeList, NegativeListEntry,
  Pathway, PathwayDecision, RuleId, RuleSet, RuleTrace, Zone,
} from './types.js';
