// Agreements: built from the offer both parties settled on, compared term by term, signed by both.
import { canonicalize } from '../../crypto/jcs.js';
import { signJson, verifyJson, type JsonSignature } from '../../crypto/signed-json.js';
import type { Identity } from '../../crypto/identity.js';
import { AGREEMENT_SIGNATURE_PURPOSE, APPROVAL } from './extensions.js';

export interface AgreementTerms {
  permission?: unknown[];
  prohibition?: unknown[];
  obligation?: unknown[];
}

export interface Agreement extends AgreementTerms {
  '@id': string;
  '@type': 'Agreement';
  target: string;
  assigner: string;
  assignee: string;
  timestamp: string;
}

/** The rules of a policy, without its identity, type, target and dataport extension terms. */
export function termsOf(policy: Record<string, unknown>): AgreementTerms {
  const terms: AgreementTerms = {};
  for (const k of ['permission', 'prohibition', 'obligation'] as const) {
    const v = policy[k];
    if (Array.isArray(v) && v.length > 0) terms[k] = v;
  }
  return terms;
}

/** True when two policies state the same rules (RFC 8785 comparison of their terms). */
export function sameTerms(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return canonicalize(termsOf(a)) === canonicalize(termsOf(b));
}

export function buildAgreement(id: string, offer: Record<string, unknown>, target: string, assigner: string, assignee: string, timestamp: string): Agreement {
  return { '@id': id, '@type': 'Agreement', target, assigner, assignee, timestamp, ...termsOf(offer) };
}

export function signAgreement(agreement: Agreement, identity: Identity): JsonSignature {
  return signJson(AGREEMENT_SIGNATURE_PURPOSE, agreement, identity);
}

/** Checks a signature over the agreement by the expected party. Never throws. */
export function verifyAgreementSignature(agreement: Agreement, signature: unknown, expectedSigner: string): boolean {
  return (signature as JsonSignature | undefined)?.signer === expectedSigner && verifyJson(AGREEMENT_SIGNATURE_PURPOSE, agreement, signature);
}

export function approvalMode(offer: Record<string, unknown>): 'auto' | 'manual' {
  return offer[APPROVAL] === 'auto' ? 'auto' : 'manual';
}
