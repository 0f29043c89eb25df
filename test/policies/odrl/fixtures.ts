// Shared inputs for the ODRL engine tests: a small region hierarchy and purpose taxonomy, a base
// context, and builders for one-constraint policies.
import { evaluate, parsePolicy, type EvaluationContext, type Scope } from '../../../policies/odrl/index.js';
import type { AtomicStep, RuleStep } from '../../../policies/odrl/trace.js';

export const EU27 = ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE'];

// Mainland China's provincial-level divisions (ISO 3166-2:CN). Hong Kong and Macao are separate
// jurisdictions for data export, so they are deliberately not part of 'CN' here.
const CN_PROVINCES = ['AH', 'BJ', 'CQ', 'FJ', 'GD', 'GS', 'GX', 'GZ', 'HA', 'HB', 'HE', 'HI', 'HL', 'HN', 'JL', 'JS', 'JX', 'LN', 'NM', 'NX', 'QH', 'SC', 'SD', 'SH', 'SN', 'SX', 'TJ', 'XJ', 'XZ', 'YN', 'ZJ'];

export const REGIONS: Record<string, string | string[]> = {
  ...Object.fromEntries(EU27.map((c) => [c, 'EU'])),
  ...Object.fromEntries(CN_PROVINCES.map((p) => [`CN-${p}`, 'CN'])),
  'DE-BY': 'DE',
  EU: 'EEA',
  IS: 'EEA',
  LI: 'EEA',
  NO: 'EEA',
};

export const PURPOSES: Record<string, string | string[]> = {
  'clinical-research': 'research',
  'pharmacovigilance': ['safety-monitoring', 'research'],
  'drug-safety-signal': 'pharmacovigilance',
  'marketing': 'commercial',
};

export const CONSUMER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
export const NOW = '2025-06-01T08:00:00Z';

export function context(over: Partial<EvaluationContext> = {}, consumer: Partial<EvaluationContext['consumer']> = {}): EvaluationContext {
  return {
    now: NOW,
    consumer: { did: CONSUMER, jurisdiction: 'DE', claims: [], ...consumer },
    purpose: 'clinical-research',
    regions: REGIONS,
    purposes: PURPOSES,
    ...over,
  };
}

/** An Offer with one `use` permission carrying the given constraints. */
export function offer(...constraint: unknown[]): unknown {
  return { '@type': 'Offer', '@id': 'urn:uuid:test-offer', permission: [{ action: 'use', constraint }] };
}

/** Evaluates one constraint in a `use` permission and returns its trace step. */
export function step(constraint: unknown, ctx: EvaluationContext = context(), scope: Scope = 'transfer'): AtomicStep {
  const d = evaluate(parsePolicy(offer(constraint)), { action: 'use', scope }, ctx);
  return (d.trace[0] as RuleStep).constraints[0] as AtomicStep;
}

export function atomic(leftOperand: string, operator: string, rightOperand: unknown): Record<string, unknown> {
  return { leftOperand, operator, rightOperand };
}
