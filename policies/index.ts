// Public surface of dataport/policies: DSP 2025-1 messages and schemas, the negotiation state
// machine and agreements, and (with the next issues) the ODRL engine and the compliance engine.
export * from './dsp/index.js';
export { negotiationTransition, isTerminal, NEGOTIATION_STATES, type NegotiationState, type NegotiationMessageKind, type Party } from './negotiation/state-machine.js';
export { buildAgreement, sameTerms, termsOf, signAgreement, verifyAgreementSignature, approvalMode, type Agreement as SignedAgreement, type AgreementTerms } from './negotiation/agreement.js';
export { DATAPORT_NS, SIGNATURE, PURPOSE, APPROVAL } from './negotiation/extensions.js';
export {
  exportPathway, artefactWarnings, volumeThresholds, decisionDifferences, DEFAULT_RULES, loadRules, checkedRuleSet, rulesHash,
  BASES, IMPORTANT_DATA, PATHWAYS, ZONES,
  type Artefacts, type AutomotiveRules, type Basis, type Confidence, type DecisionOutcome, type ExportFacts, type ImportantData, type ListPathway,
  type NationalRules, type NegativeList, type NegativeListEntry, type Pathway, type PathwayDecision, type RuleId, type RuleSet, type RuleTrace, type Zone,
} from './compliance/index.js';
