import t from 'tap';
import { transferTransition, TRANSFER_PROCESS_STATES, type TransferMessageKind, type TransferProcessState } from '../../../policies/transfer/state-machine.js';
import type { Party } from '../../../policies/negotiation/state-machine.js';

const allowed: [TransferProcessState | undefined, TransferMessageKind, Party, TransferProcessState][] = [
  [undefined, 'TransferRequestMessage', 'consumer', 'REQUESTED'],
  ['REQUESTED', 'TransferStartMessage', 'provider', 'STARTED'],
  ['SUSPENDED', 'TransferStartMessage', 'provider', 'STARTED'],
  ['SUSPENDED', 'TransferStartMessage', 'consumer', 'STARTED'],
  ...(['provider', 'consumer'] as const).flatMap((p) => [
    ['STARTED', 'TransferSuspensionMessage', p, 'SUSPENDED'],
    ['STARTED', 'TransferCompletionMessage', p, 'COMPLETED'],
    ['REQUESTED', 'TransferTerminationMessage', p, 'TERMINATED'],
    ['STARTED', 'TransferTerminationMessage', p, 'TERMINATED'],
    ['SUSPENDED', 'TransferTerminationMessage', p, 'TERMINATED'],
  ] as [TransferProcessState, TransferMessageKind, Party, TransferProcessState][]),
];

t.test('every transition of the DSP transfer process state machine is allowed', async (t) => {
  for (const [from, msg, sender, to] of allowed) t.same(transferTransition(from, msg, sender), { ok: true, to }, `${from} --${msg}/${sender}--> ${to}`);
});

t.test('every other combination is refused with a reason', async (t) => {
  const messages: TransferMessageKind[] = ['TransferRequestMessage', 'TransferStartMessage', 'TransferSuspensionMessage', 'TransferCompletionMessage', 'TransferTerminationMessage'];
  let refused = 0;
  for (const state of [undefined, ...TRANSFER_PROCESS_STATES]) {
    for (const msg of messages) {
      for (const party of ['consumer', 'provider'] as const) {
        const ok = allowed.some(([f, m, s]) => f === state && m === msg && s === party);
        const r = transferTransition(state, msg, party);
        t.equal(r.ok, ok, `${state} ${msg} ${party}`);
        if (!r.ok) refused++;
      }
    }
  }
  t.equal(refused, 6 * 5 * 2 - allowed.length);
});

t.test('refusals name the rule', async (t) => {
  t.same(transferTransition('REQUESTED', 'TransferStartMessage', 'consumer'), { ok: false, reason: 'a consumer cannot send TransferStartMessage in state REQUESTED; only the provider can' });
  t.same(transferTransition('COMPLETED', 'TransferTerminationMessage', 'provider'), { ok: false, reason: 'the transfer process is COMPLETED, a terminal state' });
  t.same(transferTransition('SUSPENDED', 'TransferCompletionMessage', 'consumer'), { ok: false, reason: 'TransferCompletionMessage is not allowed in state SUSPENDED (allowed from: STARTED)' });
});
