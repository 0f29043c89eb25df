import t from 'tap';
import { negotiationTransition, NEGOTIATION_STATES, type NegotiationMessageKind, type NegotiationState, type Party } from '../../../policies/negotiation/state-machine.js';

const allowed: [NegotiationState | undefined, NegotiationMessageKind, Party, NegotiationState][] = [
  [undefined, 'ContractRequestMessage', 'consumer', 'REQUESTED'],
  ['OFFERED', 'ContractRequestMessage', 'consumer', 'REQUESTED'],
  [undefined, 'ContractOfferMessage', 'provider', 'OFFERED'],
  ['REQUESTED', 'ContractOfferMessage', 'provider', 'OFFERED'],
  ['OFFERED', 'ContractNegotiationEventMessage:ACCEPTED', 'consumer', 'ACCEPTED'],
  ['REQUESTED', 'ContractAgreementMessage', 'provider', 'AGREED'],
  ['ACCEPTED', 'ContractAgreementMessage', 'provider', 'AGREED'],
  ['AGREED', 'ContractAgreementVerificationMessage', 'consumer', 'VERIFIED'],
  ['VERIFIED', 'ContractNegotiationEventMessage:FINALIZED', 'provider', 'FINALIZED'],
];

t.test('every transition of the DSP state machine is allowed for its sender', async (t) => {
  for (const [from, msg, sender, to] of allowed) t.same(negotiationTransition(from, msg, sender), { ok: true, to }, `${from} --${msg}/${sender}--> ${to}`);
});

t.test('either party terminates from every non-terminal state', async (t) => {
  for (const state of ['REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED'] as const) {
    for (const party of ['consumer', 'provider'] as const) {
      t.same(negotiationTransition(state, 'ContractNegotiationTerminationMessage', party), { ok: true, to: 'TERMINATED' });
    }
  }
});

t.test('every other (state, message, sender) combination is refused with a reason', async (t) => {
  const messages = [...new Set(allowed.map((a) => a[1])), 'ContractNegotiationTerminationMessage'] as NegotiationMessageKind[];
  let refused = 0;
  for (const state of [undefined, ...NEGOTIATION_STATES]) {
    for (const msg of messages) {
      for (const party of ['consumer', 'provider'] as const) {
        const ok = allowed.some(([f, m, s]) => f === state && m === msg && s === party)
          || (msg === 'ContractNegotiationTerminationMessage' && state !== undefined && !['FINALIZED', 'TERMINATED'].includes(state));
        const r = negotiationTransition(state, msg, party);
        t.equal(r.ok, ok, `${state} ${msg} ${party}`);
        if (!r.ok) {
          refused++;
          t.type(r.reason, 'string');
        }
      }
    }
  }
  t.ok(refused > 80, `${refused} refusals`);
});

t.test('the refusal says what is wrong', async (t) => {
  t.same(negotiationTransition('REQUESTED', 'ContractAgreementVerificationMessage', 'consumer'), { ok: false, reason: 'ContractAgreementVerificationMessage is not allowed in state REQUESTED (allowed from: AGREED)' });
  t.same(negotiationTransition('VERIFIED', 'ContractNegotiationEventMessage:FINALIZED', 'consumer'), { ok: false, reason: 'a consumer cannot send ContractNegotiationEventMessage:FINALIZED; only the provider can' });
  t.same(negotiationTransition('FINALIZED', 'ContractNegotiationTerminationMessage', 'provider'), { ok: false, reason: 'the negotiation is FINALIZED, a terminal state' });
});
