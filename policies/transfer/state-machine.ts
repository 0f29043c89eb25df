// The Transfer Process state machine of DSP 2025-1 (transfer.process.protocol.md, "States", "State
// Machine" and the message tables): which message, sent by whom, moves a transfer from which state.
import type { Party } from '../negotiation/state-machine.js';

export const TRANSFER_PROCESS_STATES = ['REQUESTED', 'STARTED', 'SUSPENDED', 'COMPLETED', 'TERMINATED'] as const;
export type TransferProcessState = (typeof TRANSFER_PROCESS_STATES)[number];

export type TransferMessageKind =
  | 'TransferRequestMessage'
  | 'TransferStartMessage'
  | 'TransferSuspensionMessage'
  | 'TransferCompletionMessage'
  | 'TransferTerminationMessage';

const TERMINAL: ReadonlySet<TransferProcessState> = new Set(['COMPLETED', 'TERMINATED']);

/** Who may send each message from which state (undefined: it starts a transfer process). */
const RULES: Record<TransferMessageKind, { from: (TransferProcessState | undefined)[]; senders: Record<string, Party[]>; to: TransferProcessState }> = {
  TransferRequestMessage: { from: [undefined], senders: { '(new)': ['consumer'] }, to: 'REQUESTED' },
  // The provider starts a requested transfer; a suspended one may be restarted by either party.
  TransferStartMessage: { from: ['REQUESTED', 'SUSPENDED'], senders: { REQUESTED: ['provider'], SUSPENDED: ['provider', 'consumer'] }, to: 'STARTED' },
  TransferSuspensionMessage: { from: ['STARTED'], senders: { STARTED: ['provider', 'consumer'] }, to: 'SUSPENDED' },
  TransferCompletionMessage: { from: ['STARTED'], senders: { STARTED: ['provider', 'consumer'] }, to: 'COMPLETED' },
  TransferTerminationMessage: { from: ['REQUESTED', 'STARTED', 'SUSPENDED'], senders: { REQUESTED: ['provider', 'consumer'], STARTED: ['provider', 'consumer'], SUSPENDED: ['provider', 'consumer'] }, to: 'TERMINATED' },
};

export type TransferTransition = { ok: true; to: TransferProcessState } | { ok: false; reason: string };

export function transferTransition(state: TransferProcessState | undefined, message: TransferMessageKind, sender: Party): TransferTransition {
  const rule = RULES[message];
  if (!rule) return { ok: false, reason: `unknown message ${String(message)}` };
  if (state !== undefined && TERMINAL.has(state)) return { ok: false, reason: `the transfer process is ${state}, a terminal state` };
  if (!rule.from.includes(state)) {
    const where = state === undefined ? 'to start a transfer process' : `in state ${state}`;
    return { ok: false, reason: `${message} is not allowed ${where} (allowed from: ${rule.from.map((s) => s ?? '(new)').join(', ')})` };
  }
  const senders = rule.senders[state ?? '(new)']!;
  if (!senders.includes(sender)) return { ok: false, reason: `a ${sender} cannot send ${message} in state ${state ?? '(new)'}; only the ${senders.join(' or ')} can` };
  return { ok: true, to: rule.to };
}

export function isTransferTerminal(state: TransferProcessState): boolean {
  return TERMINAL.has(state);
}
