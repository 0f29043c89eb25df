// Contract negotiations as the ledger records them. Each event names the negotiation by its
// providerPid; applying the events in ledger order gives every negotiation's current state.
import type { JsonSignature } from '../../crypto/signed-json.js';
import type { Agreement } from '../../policies/negotiation/agreement.js';
import type { NegotiationState, Party } from '../../policies/negotiation/state-machine.js';

export interface Negotiation {
  providerPid: string;
  consumerPid: string;
  state: NegotiationState;
  datasetId: string;
  /** The catalog offer the negotiation started from. */
  offerId: string;
  provider: string;
  consumer: string;
  /** Where the consumer's connector takes DSP callbacks. */
  callbackAddress: string;
  /** The latest offer on the table and who made it. */
  offer: Record<string, unknown>;
  offerBy: Party;
  purpose?: string;
  approval: 'auto' | 'manual';
  /** The provider's decision, once made: the agreement it signed. */
  agreement?: Agreement;
  providerSignature?: JsonSignature;
  consumerSignature?: JsonSignature;
  /** Ledger sequence number of the entry that holds the agreement with both signatures. */
  agreementSeq?: number;
  termination?: { by: Party; code: string; reason: string[] };
  createdAt: string;
  updatedAt: string;
}

export type NegotiationEvent =
  | { type: 'negotiation.requested'; body: Omit<Negotiation, 'state' | 'createdAt' | 'updatedAt' | 'offerBy'> }
  | { type: 'negotiation.counter-requested'; body: { providerPid: string; offer: Record<string, unknown> } }
  | { type: 'negotiation.offered'; body: { providerPid: string; offer: Record<string, unknown> } }
  | { type: 'negotiation.accepted'; body: { providerPid: string } }
  | { type: 'negotiation.approved'; body: { providerPid: string; agreement: Agreement; providerSignature: JsonSignature } }
  | { type: 'negotiation.agreed'; body: { providerPid: string } }
  | { type: 'negotiation.verified'; body: { providerPid: string; agreement: Agreement; signatures: JsonSignature[] } }
  | { type: 'negotiation.finalized'; body: { providerPid: string } }
  | { type: 'negotiation.terminated'; body: { providerPid: string; by: Party; code: string; reason: string[] } }
  /** A request refused by policy: no negotiation was created, but the denial is on record. */
  | { type: 'negotiation.denied'; body: { consumer: string; datasetId: string; offerId: string | null; reason: string } };

export function applyNegotiationEvent(map: Map<string, Negotiation>, e: NegotiationEvent, time: string, seq: number): boolean {
  if (e.type === 'negotiation.requested') {
    map.set(e.body.providerPid, { ...e.body, state: 'REQUESTED', offerBy: 'consumer', createdAt: time, updatedAt: time });
    return true;
  }
  if (!e.type.startsWith('negotiation.')) return false;
  if (e.type === 'negotiation.denied') return true;
  const n = map.get(e.body.providerPid);
  if (!n) return true;
  n.updatedAt = time;
  switch (e.type) {
    case 'negotiation.counter-requested':
      Object.assign(n, { state: 'REQUESTED', offer: e.body.offer, offerBy: 'consumer', agreement: undefined, providerSignature: undefined });
      break;
    case 'negotiation.offered':
      Object.assign(n, { state: 'OFFERED', offer: e.body.offer, offerBy: 'provider', agreement: undefined, providerSignature: undefined });
      break;
    case 'negotiation.accepted':
      n.state = 'ACCEPTED';
      break;
    case 'negotiation.approved':
      n.agreement = e.body.agreement;
      n.providerSignature = e.body.providerSignature;
      break;
    case 'negotiation.agreed':
      n.state = 'AGREED';
      break;
    case 'negotiation.verified':
      n.state = 'VERIFIED';
      n.consumerSignature = e.body.signatures.find((s) => s.signer === n.consumer);
      n.agreementSeq = seq;
      break;
    case 'negotiation.finalized':
      n.state = 'FINALIZED';
      break;
    case 'negotiation.terminated':
      n.state = 'TERMINATED';
      n.termination = { by: e.body.by, code: e.body.code, reason: e.body.reason };
      break;
  }
  return true;
}
