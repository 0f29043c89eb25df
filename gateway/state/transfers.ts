// Transfer processes as the ledger records them (by providerPid), like negotiations.
import type { Party } from '../../policies/negotiation/state-machine.js';
import type { TransferProcessState } from '../../policies/transfer/state-machine.js';

export interface Transfer {
  providerPid: string;
  consumerPid: string;
  agreementId: string;
  datasetId: string;
  provider: string;
  consumer: string;
  callbackAddress: string;
  format: string;
  mode: 'pull' | 'push';
  /** Push: where the consumer wants the stream. */
  pushEndpoint?: string;
  state: TransferProcessState;
  plan: unknown;
  planHash: string;
  /** Progress: batches and rows that have left, bytes of Arrow IPC sent. */
  batchesOut: number;
  rowsIn: number;
  rowsOut: number;
  bytesOut: number;
  /** Ledger sequence number of the completion entry (the receipt's leaf). */
  completionSeq?: number;
  termination?: { by: Party | 'gateway'; code: string; reason: string[] };
  createdAt: string;
  updatedAt: string;
}

export interface BatchDigest {
  batch: number;
  rowsIn: number;
  rowsOut: number;
  /** SHA-256 (hex) of the Arrow IPC bytes as received from the provider and as sent on. */
  inDigest: string;
  outDigest: string;
}

export type TransferEvent =
  | { type: 'transfer.requested'; body: Omit<Transfer, 'state' | 'batchesOut' | 'rowsIn' | 'rowsOut' | 'bytesOut' | 'createdAt' | 'updatedAt'> }
  | { type: 'transfer.started'; body: { providerPid: string } }
  | { type: 'transfer.suspended'; body: { providerPid: string; by: Party | 'gateway'; code: string; reason: string[] } }
  | { type: 'transfer.batches'; body: { providerPid: string; digests: BatchDigest[]; bytes: number } }
  | { type: 'transfer.completed'; body: { providerPid: string; batches: number; rowsIn: number; rowsOut: number; bytes: number; planHash: string; report: unknown } }
  | { type: 'transfer.terminated'; body: { providerPid: string; by: Party | 'gateway'; code: string; reason: string[] } }
  /** A request refused by policy: no transfer was created, but the denial is on record. */
  | { type: 'transfer.denied'; body: { consumer: string; agreementId: string; reason: string } };

export function applyTransferEvent(map: Map<string, Transfer>, e: TransferEvent, time: string, seq: number): boolean {
  if (!e.type.startsWith('transfer.')) return false;
  if (e.type === 'transfer.denied') return true;
  if (e.type === 'transfer.requested') {
    map.set(e.body.providerPid, { ...e.body, state: 'REQUESTED', batchesOut: 0, rowsIn: 0, rowsOut: 0, bytesOut: 0, createdAt: time, updatedAt: time });
    return true;
  }
  const t = map.get(e.body.providerPid);
  if (!t) return true;
  t.updatedAt = time;
  switch (e.type) {
    case 'transfer.started':
      t.state = 'STARTED';
      break;
    case 'transfer.suspended':
      t.state = 'SUSPENDED';
      break;
    case 'transfer.batches':
      for (const d of e.body.digests) {
        t.batchesOut = Math.max(t.batchesOut, d.batch + 1);
        t.rowsIn += d.rowsIn;
        t.rowsOut += d.rowsOut;
      }
      t.bytesOut += e.body.bytes;
      break;
    case 'transfer.completed':
      t.state = 'COMPLETED';
      t.completionSeq = seq;
      break;
    case 'transfer.terminated':
      t.state = 'TERMINATED';
      t.termination = { by: e.body.by, code: e.body.code, reason: e.body.reason };
      break;
  }
  return true;
}
