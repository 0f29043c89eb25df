// Transfer receipts: the gateway's signed checkpoint plus the inclusion proof of a transfer's
// completion entry. Built by the gateway, checked by either party with nothing but the gateway's
// public key (RFC 9162 inclusion, C2SP signed note).
import { fromBase64, utf8 } from '../../crypto/bytes.js';
import { verifyCheckpoint } from '../../crypto/checkpoint.js';
import { DataportError } from '../../crypto/errors.js';
import { publicKeyFromDid } from '../../crypto/identity.js';
import { leafHash, verifyInclusion } from '../../crypto/merkle.js';
import { DATAPORT_NS } from '../negotiation/extensions.js';

/** The extension term that carries the receipt on a TransferCompletionMessage. */
export const RECEIPT = `${DATAPORT_NS}receipt`;

export interface Receipt {
  providerPid: string;
  seq: number;
  /** The exact leaf (base64) and the signed checkpoint it is proven under. */
  leaf: string;
  checkpoint: string;
  size: number;
  inclusionProof: string[];
}

/** What the completion entry in the gateway's ledger says about a transfer. */
export interface CompletionEntry {
  providerPid: string;
  batches: number;
  rowsIn: number;
  rowsOut: number;
  bytes: number;
  planHash: string;
  report: unknown;
  /** Where the gateway's ledger holds this entry (proven by the receipt). */
  ledgerSeq: number;
}

/** Length of a ledger leaf's binary header (format byte, seq, prev hash) before its JSON. */
const ENTRY_HEADER_SIZE = 1 + 8 + 32;

/** The `{ type, time, body }` a ledger leaf holds. */
export function ledgerEntryOf<B>(leaf: Uint8Array): { type: string; time: string; body: B } {
  return JSON.parse(utf8.decode(leaf.subarray(ENTRY_HEADER_SIZE))) as { type: string; time: string; body: B };
}

/**
 * Checks a receipt: the checkpoint is signed by the gateway, the leaf is included under it, and the
 * leaf is the completion entry of this transfer. Returns what the entry says.
 */
export function verifyReceipt(receipt: Receipt, gatewayDid: string, origin: string, providerPid: string): CompletionEntry {
  const cp = verifyCheckpoint(receipt.checkpoint, { name: origin, publicKey: publicKeyFromDid(gatewayDid) }, origin);
  const leaf = fromBase64(receipt.leaf);
  if (!verifyInclusion(receipt.seq, cp.size, leafHash(leaf), receipt.inclusionProof.map(fromBase64), cp.rootHash)) {
    throw new DataportError('DP_ERR_LEDGER_TAMPERED', `receipt for ${providerPid}: the inclusion proof does not lead to the signed checkpoint`);
  }
  const entry = ledgerEntryOf<Omit<CompletionEntry, 'ledgerSeq'>>(leaf);
  if (entry.type !== 'transfer.completed' || entry.body.providerPid !== providerPid) {
    throw new DataportError('DP_ERR_LEDGER_TAMPERED', `receipt for ${providerPid}: the proven entry is not this transfer's completion`);
  }
  return { ...entry.body, ledgerSeq: receipt.seq };
}
