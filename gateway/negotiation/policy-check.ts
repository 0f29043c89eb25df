// How the gateway asks the ODRL engine (policies/odrl) about an offer for a participant. The
// engine fails closed: a policy it cannot read or evaluate is a denial that says why.
import { evaluate, parsePolicy, type Hierarchy } from '../../policies/odrl/index.js';
import { termName } from '../../policies/odrl/vocabulary.js';
import regionData from '../../policies/data/regions.json' with { type: 'json' };
import type { Dataset, Participant } from '../state/control-plane.js';

export type PolicyScope = 'catalog' | 'negotiation' | 'transfer' | 'reevaluation';

export interface PolicySubject {
  participant: Participant;
  purpose?: string;
  dataset: Dataset;
  /** When the agreement was signed (for elapsedTime), and how often it has been used (count). */
  agreedAt?: string;
  useCount?: number;
  /** The action asked for: 'use' (a transfer), 'aggregate' (the homomorphic path). Default 'use'. */
  action?: 'use' | 'aggregate';
}

export interface PolicyVerdict {
  allowed: boolean;
  reason: string;
  trace: unknown;
  /** When allowed: what must be done (anonymize with its pipeline, delete within, ...). */
  duties: { action: string; parameters: Record<string, unknown> }[];
}

export type PolicyCheck = (policy: Record<string, unknown>, scope: PolicyScope, subject: PolicySubject) => PolicyVerdict;

/**
 * What an offer is for: 'aggregate' when it grants only the homomorphic path (a permission to
 * aggregate and none to use), else 'use'. Negotiation and the catalog ask for that action; a
 * transfer always asks for 'use', so an aggregate-only agreement never moves a row.
 */
export function offeredAction(policy: Record<string, unknown>): 'use' | 'aggregate' {
  const actions = (Array.isArray(policy['permission']) ? policy['permission'] : []).map((p) => termName(String((p as Record<string, unknown>)['action'] ?? '')));
  return actions.includes('aggregate') && !actions.some((a) => a !== 'aggregate') ? 'aggregate' : 'use';
}

export const DEFAULT_REGIONS: Hierarchy = regionData.regions;

/** A small purpose taxonomy: narrower -> broader. */
export const DEFAULT_PURPOSES: Hierarchy = {
  'clinical-research': 'research',
  'drug-safety': ['pharmacovigilance', 'research'],
  pharmacovigilance: 'research',
  'autonomous-driving-development': ['product-development', 'research'],
  'map-making': 'product-development',
};

export function odrlPolicyCheck(opts: { regions?: Hierarchy; purposes?: Hierarchy; now?: () => Date } = {}): PolicyCheck {
  const regions = opts.regions ?? DEFAULT_REGIONS;
  const purposes = opts.purposes ?? DEFAULT_PURPOSES;
  const now = opts.now ?? (() => new Date());
  return (json, scope, subject) => {
    let policy;
    try {
      policy = parsePolicy(json);
    } catch (e) {
      return { allowed: false, reason: `denied: the policy cannot be read: ${(e as Error).message}`, trace: [], duties: [] };
    }
    const d = evaluate(policy, { action: subject.action ?? 'use', target: subject.dataset.id, scope }, {
      now: now(),
      consumer: { did: subject.participant.did, jurisdiction: subject.participant.jurisdiction, claims: [] },
      purpose: subject.purpose, agreedAt: subject.agreedAt, useCount: subject.useCount, regions, purposes,
    });
    return { allowed: d.allowed, reason: d.reason, trace: d.trace, duties: d.duties.map((x) => ({ action: x.action, parameters: x.parameters })) };
  };
}
