// The Contract Negotiation state machine of DSP 2025-1 (contract.negotiation.protocol.md, "States"
// and "State Machine"): which message, sent by whom, moves a negotiation from which state to which.
// Pure: both the gateway (provider side) and the connector SDK (consumer side) drive it.

export const NEGOTIATION_STATES = ['REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED', 'FINALIZED', 'TERMINATED'] as const;
export type NegotiationState = (typeof NEGOTIATION_STATES)[number];
export type Party = 'consumer' | 'provider';

/** Messages as the state machine sees them; the two event messages are told apart by eventType. */
export type NegotiationMessageKind =
  | 'ContractRequestMessage'
  | 'ContractOfferMessage'
  | 'ContractNegotiationEventMessage:ACCEPTED'
  | 'ContractAgreementMessage'
  | 'ContractAgreementVerificationMessage'
  | 'ContractNegotiationEventMessage:FINALIZED'
  | 'ContractNegotiationTerminationMessage';

const TERMINAL: ReadonlySet<NegotiationState> = new Set(['FINALIZED', 'TERMINATED']);

/** [sender, states it may be sent in (undefined: it starts a negotiation), resulting state] */
const TRANSITIONS: Record<NegotiationMessageKind, { sender: Party; from: (NegotiationState | undefined)[]; to: NegotiationState }> = {
  ContractRequestMessage: { sender: 'consumer', from: [undefined, 'OFFERED'], to: 'REQUESTED' },
  ContractOfferMessage: { sender: 'provider', from: [undefined, 'REQUESTED'], to: 'OFFERED' },
  'ContractNegotiationEventMessage:ACCEPTED': { sender: 'consumer', from: ['OFFERED'], to: 'ACCEPTED' },
  ContractAgreementMessage: { sender: 'provider', from: ['REQUESTED', 'ACCEPTED'], to: 'AGREED' },
  ContractAgreementVerificationMessage: { sender: 'consumer', from: ['AGREED'], to: 'VERIFIED' },
  'ContractNegotiationEventMessage:FINALIZED': { sender: 'provider', from: ['VERIFIED'], to: 'FINALIZED' },
  ContractNegotiationTerminationMessage: { sender: 'consumer', from: ['REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED'], to: 'TERMINATED' },
};

export type Transition = { ok: true; to: NegotiationState } | { ok: false; reason: string };

/** The state `message` from `sender` leads to from `state` (undefined: no negotiation yet), or why not. */
export function negotiationTransition(state: NegotiationState | undefined, message: NegotiationMessageKind, sender: Party): Transition {
  const rule = TRANSITIONS[message];
  if (!rule) return { ok: false, reason: `unknown message ${String(message)}` };
  // Either party may terminate; every other message has one sender.
  if (message !== 'ContractNegotiationTerminationMessage' && rule.sender !== sender) {
    return { ok: false, reason: `a ${sender} cannot send ${message}; only the ${rule.sender} can` };
  }
  if (state !== undefined && TERMINAL.has(state)) return { ok: false, reason: `the negotiation is ${state}, a terminal state` };
  if (!rule.from.includes(state)) {
    const where = state === undefined ? 'to start a negotiation' : `in state ${state}`;
    const allowed = rule.from.map((s) => s ?? '(new)').join(', ');
    return { ok: false, reason: `${message} is not allowed ${where} (allowed from: ${allowed})` };
  }
  return { ok: true, to: rule.to };
}

export function isTerminal(state: NegotiationState): boolean {
  return TERMINAL.has(state);
}
