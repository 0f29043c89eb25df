// DSP transfer processes on the provider side. The gateway is the provider's data plane: on a
// pull it issues the consumer a short-lived token bound to the transfer and the consumer's key;
// the consumer fetches /data/:providerPid and the gateway streams the provider's rows to it
// through the pipeline the agreement's duties define (data-plane.ts). Every state change and
// every few batches' digests are ledger entries; the completion entry is the receipt's leaf.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { fromBase64Url, toBase64Url, utf8 } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import type { Identity } from '../../crypto/identity.js';
import { canonicalBytes } from '../../crypto/jcs.js';
import { signJson, verifyJson, type JsonSignature } from '../../crypto/signed-json.js';
import { DSP_CONTEXT } from '../../policies/dsp/version.js';
import { DATAPORT_NS } from '../../policies/negotiation/extensions.js';
import type { Party } from '../../policies/negotiation/state-machine.js';
import { transferTransition, isTransferTerminal, type TransferMessageKind } from '../../policies/transfer/state-machine.js';
import type { PolicyCheck, PolicyScope, PolicyVerdict } from '../negotiation/policy-check.js';
import type { PeerClient } from '../peer-client.js';
import { ACK_GRACE_MS, type ControlPlane } from '../state/control-plane.js';
import type { Negotiation } from '../state/negotiations.js';
import type { Transfer, TransferEvent } from '../state/transfers.js';
import type { ComplianceService } from '../compliance/service.js';
import type { PlanFactory } from './plan.js';

export const ARROW_STREAM_ENDPOINT = `${DATAPORT_NS}ArrowStream`;
/** DSP `format` values this gateway serves. */
export const FORMATS = { pull: 'dataport:ArrowStream-PULL', push: 'dataport:ArrowStream-PUSH' } as const;
const TOKEN_PURPOSE = 'transfer-token';
/** Tries at a drive lease someone else holds (25 ms, doubling) before leaving it to `resume`. */
const DRIVE_RETRIES = 6;

export interface TransferToken {
  transfer: string;
  consumer: string;
  /** Unix ms after which the token is refused. */
  exp: number;
}

export interface TransferServiceOptions {
  state: ControlPlane;
  peers: PeerClient;
  policy: PolicyCheck;
  plans: PlanFactory;
  identity: Identity;
  log: FastifyBaseLogger;
  /** Where consumers reach this gateway's data endpoint. */
  publicBase: () => string;
  compliance: ComplianceService;
  tokenTtlMs?: number;
}

export class TransferService {
  private readonly o: Required<Omit<TransferServiceOptions, 'tokenTtlMs'>> & { tokenTtlMs: number };
  readonly state: ControlPlane;
  /** Set by close(): no drive starts, and one under way stops after its step. */
  private closing = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Live data streams by providerPid, so suspension and termination can stop them between batches. */
  readonly streams = new Map<string, { stop: (why: { code: string; reason: string }) => void }>();

  constructor(opts: TransferServiceOptions) {
    this.o = { tokenTtlMs: 5 * 60_000, ...opts };
    this.state = opts.state;
    // A suspension or termination taken by another replica stops the stream this one runs.
    opts.state.watch((e) => {
      if (e.type !== 'transfer.suspended' && e.type !== 'transfer.terminated') return;
      const body = e.body as { providerPid: string; code: string; reason: string[] };
      const code = e.type === 'transfer.suspended' && body.code !== 'DP_ERR_STREAM_INTERRUPTED' ? 'DP_ERR_TRANSFER_SUSPENDED' : body.code;
      this.streams.get(body.providerPid)?.stop({ code, reason: e.type === 'transfer.suspended' ? 'suspended' : body.reason.join('; ') });
    });
  }

  /** Runs `fn` alone on the transfer (on any replica), against state that includes every earlier change. */
  locked<T>(providerPid: string, fn: () => Promise<T>): Promise<T> {
    return this.o.state.exclusive(`transfer:${providerPid}`, fn);
  }

  /** The lease whoever starts a transfer or streams a push holds meanwhile. */
  static driveKey(providerPid: string): string {
    return `drive:transfer:${providerPid}`;
  }

  /** The lease a pull stream holds while the consumer reads (the consumer may fetch while the start is still being acknowledged). */
  static pullKey(providerPid: string): string {
    return `pull:transfer:${providerPid}`;
  }

  ack(t: Transfer): Record<string, unknown> {
    return { '@context': [DSP_CONTEXT], '@type': 'TransferProcess', providerPid: t.providerPid, consumerPid: t.consumerPid, state: t.state };
  }

  find(providerPid: string, did: string | undefined): Transfer {
    const t = this.o.state.transfers.get(providerPid);
    if (!t || (t.consumer !== did && t.provider !== did)) throw new DataportError('DP_ERR_NOT_FOUND', `transfer process ${providerPid}`);
    return t;
  }

  private check(t: Transfer | undefined, message: TransferMessageKind, sender: Party): void {
    const r = transferTransition(t?.state, message, sender);
    if (!r.ok) throw new DataportError('DP_ERR_INVALID_TRANSITION', r.reason, { state: t?.state });
  }

  commit(event: TransferEvent): Promise<number> {
    return this.o.state.commit(event);
  }

  /** Transfers started so far under an agreement: the ODRL `count` of its uses. */
  useCount(agreementId: string): number {
    let n = 0;
    for (const t of this.o.state.transfers.values()) if (t.agreementId === agreementId && t.state !== 'REQUESTED') n++;
    return n;
  }

  agreementOf(agreementId: string, consumer: string): Negotiation {
    const pid = this.o.state.agreements.get(agreementId);
    const n = pid === undefined ? undefined : this.o.state.negotiations.get(pid);
    if (!n || n.consumer !== consumer) throw new DataportError('DP_ERR_NOT_FOUND', `agreement ${agreementId}`);
    if (n.state !== 'FINALIZED') throw new DataportError('DP_ERR_INVALID_TRANSITION', `agreement ${agreementId} belongs to a negotiation in state ${n.state}, not FINALIZED`);
    return n;
  }


  /** Evaluates the agreement for this consumer in a transfer scope; throws DP_ERR_POLICY_DENIED. */
  evaluate(n: Negotiation, scope: PolicyScope, useCount: number): PolicyVerdict['duties'] {
    const participant = this.o.state.requireParticipant(n.consumer, 'consumer');
    const dataset = this.o.state.datasets.get(n.datasetId);
    if (!dataset) throw new DataportError('DP_ERR_NOT_FOUND', `dataset ${n.datasetId}`);
    const v = this.o.policy(n.agreement as unknown as Record<string, unknown>, scope, { participant, dataset, purpose: n.purpose, agreedAt: n.agreement!.timestamp, useCount });
    if (!v.allowed) throw new DataportError('DP_ERR_POLICY_DENIED', v.reason, { trace: v.trace });
    return v.duties;
  }

  // ---- consumer messages ---------------------------------------------------------------------

  request(consumer: string, msg: Record<string, unknown>): Promise<{ created: boolean; ack: Record<string, unknown> }> {
    const consumerPid = msg.consumerPid as string;
    return this.o.state.exclusive(`transfer-request:${consumer}:${consumerPid}`, () => this.create(consumer, consumerPid, msg));
  }

  private async create(consumer: string, consumerPid: string, msg: Record<string, unknown>): Promise<{ created: boolean; ack: Record<string, unknown> }> {
    for (const t of this.o.state.transfers.values()) {
      if (t.consumer === consumer && t.consumerPid === consumerPid) return { created: false, ack: this.ack(t) }; // idempotent
    }
    const mode = msg.format === FORMATS.pull ? 'pull' : msg.format === FORMATS.push ? 'push' : undefined;
    if (!mode) throw new DataportError('DP_ERR_BAD_REQUEST', `format ${JSON.stringify(msg.format)} is not served here (use ${FORMATS.pull} or ${FORMATS.push})`);
    const pushEndpoint = (msg.dataAddress as { endpoint?: string } | undefined)?.endpoint;
    if (mode === 'push' && !/^https?:\/\//.test(pushEndpoint ?? '')) throw new DataportError('DP_ERR_BAD_REQUEST', 'a push transfer needs dataAddress.endpoint, an http(s) URL');
    if (typeof msg.callbackAddress !== 'string' || !/^https?:\/\//.test(msg.callbackAddress)) throw new DataportError('DP_ERR_BAD_REQUEST', 'callbackAddress must be an http(s) URL');
    await this.o.state.settledAgreement(msg.agreementId as string);
    const n = this.agreementOf(msg.agreementId as string, consumer);
    let duties: PolicyVerdict['duties'];
    try {
      duties = this.evaluate(n, 'transfer', this.useCount(n.agreement!['@id']));
    } catch (e) {
      void this.commit({ type: 'transfer.denied', body: { consumer, agreementId: n.agreement!['@id'], reason: (e as Error).message } }).catch(() => undefined);
      throw e;
    }
    const dataset = this.o.state.datasets.get(n.datasetId)!;
    const { plan, planHash } = this.o.plans(n, dataset, duties);
    const providerPid = `urn:uuid:${randomUUID()}`;
    // The export pathway again, with this year's counters as they are now.
    await this.o.compliance.require('transfer-start', dataset, { consumer, negotiation: n.providerPid, transfer: providerPid });
    this.check(undefined, 'TransferRequestMessage', 'consumer');
    await this.commit({
      type: 'transfer.requested',
      body: {
        providerPid, consumerPid, agreementId: n.agreement!['@id'], datasetId: n.datasetId, provider: n.provider, consumer,
        callbackAddress: msg.callbackAddress, format: msg.format as string, mode, ...(pushEndpoint ? { pushEndpoint } : {}), plan, planHash,
      },
    });
    const t = this.o.state.transfers.get(providerPid)!;
    this.drive(providerPid);
    return { created: true, ack: this.ack(t) };
  }

  /** The provider (gateway) starts a requested or suspended transfer: tells the consumer where the data is. */
  async start(t: Transfer): Promise<void> {
    this.check(t, 'TransferStartMessage', 'provider');
    const message: Record<string, unknown> = { '@context': [DSP_CONTEXT], '@type': 'TransferStartMessage', providerPid: t.providerPid, consumerPid: t.consumerPid };
    if (t.mode === 'pull') {
      message.dataAddress = {
        '@type': 'DataAddress', endpointType: ARROW_STREAM_ENDPOINT, endpoint: `${this.o.publicBase()}/data/${encodeURIComponent(t.providerPid)}`,
        endpointProperties: [
          { '@type': 'EndpointProperty', name: 'authorization', value: this.issueToken(t) },
          { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
        ],
      };
    }
    const res = await this.o.peers.post(t.callbackAddress, `transfers/${t.consumerPid}/start`, message);
    await this.locked(t.providerPid, async () => {
      if (isTransferTerminal(t.state)) return; // ended meanwhile, through another replica
      if (res.status < 200 || res.status >= 300) {
        await this.terminate(t, 'gateway', 'DP_ERR_DELIVERY_FAILED', [`TransferStartMessage: consumer answered ${res.status}`], false);
        return;
      }
      await this.commit({ type: 'transfer.started', body: { providerPid: t.providerPid } });
    });
  }

  /** The step the gateway owes a transfer in its state, if any: start it, or stream a push. */
  private owed(t: Transfer): (() => Promise<void>) | undefined {
    if (t.state === 'REQUESTED') return () => this.start(t);
    if (t.state === 'STARTED' && t.mode === 'push') return () => this.push(t);
    return undefined;
  }

  /**
   * Does what the gateway owes the transfer (`first`, then whatever its new state owes), holding
   * its drive lease so that no other replica starts or streams it at the same time. A replica that
   * dies holding the lease loses it when it expires; `resume` on another replica takes over (a
   * push then continues from the last batch the ledger records as sent).
   */
  drive(providerPid: string, first?: (t: Transfer) => Promise<void>, attempt = 0): void {
    if (this.closing || this.o.state.leases.holds(TransferService.driveKey(providerPid))) return;
    this.spawn(async () => {
      try {
        await this.o.state.exclusive(TransferService.driveKey(providerPid), async () => {
          let step = first && (() => first(this.o.state.transfers.get(providerPid)!));
          for (let mark = ''; !this.closing;) {
            const t = this.o.state.transfers.get(providerPid);
            step ??= t && this.owed(t);
            const now = t ? `${t.state}:${t.batchesOut}:${t.updatedAt}` : '';
            if (!step || now === mark) return;
            mark = now;
            await step();
            step = undefined;
            await this.o.state.sync();
          }
        }, { waitMs: 0 });
      } catch (e) {
        if ((e as DataportError).code !== 'DP_ERR_BUSY') throw e;
        if (attempt < DRIVE_RETRIES) setTimeout(() => this.drive(providerPid, first, attempt + 1), 25 << attempt).unref();
      }
    });
  }

  /** Push mode runs the data plane towards the consumer's endpoint (set by the data plane module). */
  push: (t: Transfer) => Promise<void> = async () => {
    throw new DataportError('DP_ERR_BAD_REQUEST', 'push is not wired');
  };

  message(party: Party, did: string, providerPid: string, kind: TransferMessageKind, msg: Record<string, unknown>): Promise<Transfer> {
    return this.locked(providerPid, () => this.handle(party, did, providerPid, kind, msg));
  }

  private async handle(party: Party, did: string, providerPid: string, kind: TransferMessageKind, msg: Record<string, unknown>): Promise<Transfer> {
    const t = this.find(providerPid, did);
    if ((party === 'consumer' && t.consumer !== did) || (party === 'provider' && t.provider !== did)) throw new DataportError('DP_ERR_NOT_FOUND', `transfer process ${providerPid}`);
    const code = String(msg.code ?? kind);
    const reason = Array.isArray(msg.reason) ? msg.reason.map(String) : [];
    if (kind === 'TransferStartMessage') {
      // Resume: the consumer restarts a suspended transfer; the gateway answers with a fresh start.
      this.check(t, kind, party);
      this.drive(providerPid, (current) => this.start(current));
      return t;
    }
    this.check(t, kind, party);
    if (kind === 'TransferSuspensionMessage') {
      await this.commit({ type: 'transfer.suspended', body: { providerPid, by: party, code, reason } });
      this.streams.get(providerPid)?.stop({ code: 'DP_ERR_TRANSFER_SUSPENDED', reason: 'suspended' });
    } else if (kind === 'TransferTerminationMessage') {
      await this.terminate(t, party, code, reason, party !== 'consumer');
    } else if (kind === 'TransferCompletionMessage') {
      // The consumer declares it has what it wants before the stream ended by itself: the
      // completion entry records the totals that left, and is the receipt's leaf as usual.
      if (this.streams.has(providerPid) || (this.o.state.leases.shared && await this.o.state.leases.holder(TransferService.pullKey(providerPid)))) {
        throw new DataportError('DP_ERR_INVALID_TRANSITION', 'the stream is still running; suspend or terminate it first');
      }
      await this.commit({
        type: 'transfer.completed',
        body: { providerPid, batches: t.batchesOut, rowsIn: t.rowsIn, rowsOut: t.rowsOut, bytes: t.bytesOut, planHash: t.planHash, report: null },
      });
    }
    return t;
  }

  terminate(t: Transfer, by: Party | 'gateway', code: string, reason: string[], notifyConsumer = true): Promise<void> {
    return this.locked(t.providerPid, () => this.end(this.o.state.transfers.get(t.providerPid) ?? t, by, code, reason, notifyConsumer));
  }

  private async end(t: Transfer, by: Party | 'gateway', code: string, reason: string[], notifyConsumer: boolean): Promise<void> {
    if (isTransferTerminal(t.state)) return;
    await this.commit({ type: 'transfer.terminated', body: { providerPid: t.providerPid, by, code, reason } });
    this.streams.get(t.providerPid)?.stop({ code, reason: reason.join('; ') });
    if (notifyConsumer) {
      this.spawn(() => this.o.peers.post(t.callbackAddress, `transfers/${t.consumerPid}/termination`, {
        '@context': [DSP_CONTEXT], '@type': 'TransferTerminationMessage', providerPid: t.providerPid, consumerPid: t.consumerPid, code, reason,
      }));
    }
  }

  // ---- tokens ------------------------------------------------------------------------------------

  /** `<payload>.<signature>`, both base64url: the payload JCS, the signature the gateway's over it. */
  issueToken(t: Transfer): string {
    const payload: TransferToken = { transfer: t.providerPid, consumer: t.consumer, exp: Date.now() + this.o.tokenTtlMs };
    const sig = signJson(TOKEN_PURPOSE, payload, this.o.identity);
    return `${toBase64Url(canonicalBytes(payload))}.${toBase64Url(Buffer.from(sig.value, 'base64'))}`;
  }

  /** Checks a bearer token for this transfer and this (signature-verified) requester. */
  checkToken(authorization: string | undefined, providerPid: string, signer: string | undefined): void {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new DataportError('DP_ERR_SIGNATURE_MISSING', 'the data endpoint needs the bearer token of the TransferStartMessage');
    let payload: TransferToken;
    let sig: JsonSignature;
    try {
      const [p, s] = token.split('.') as [string, string];
      payload = JSON.parse(utf8.decode(fromBase64Url(p))) as TransferToken;
      sig = { signer: this.o.identity.did, alg: 'ed25519', value: Buffer.from(fromBase64Url(s)).toString('base64') };
    } catch {
      throw new DataportError('DP_ERR_SIGNATURE_INVALID', 'the bearer token is malformed');
    }
    if (!verifyJson(TOKEN_PURPOSE, payload, sig)) throw new DataportError('DP_ERR_SIGNATURE_INVALID', 'the bearer token was not issued by this gateway');
    if (payload.transfer !== providerPid) throw new DataportError('DP_ERR_SIGNATURE_INVALID', 'the bearer token is for another transfer');
    if (payload.consumer !== signer) throw new DataportError('DP_ERR_SIGNATURE_INVALID', 'the bearer token is bound to another consumer key');
    if (Date.now() > payload.exp) throw new DataportError('DP_ERR_SIGNATURE_EXPIRED', 'the bearer token has expired; restart the transfer for a new one');
  }

  spawn(work: () => Promise<unknown>): void {
    this.track(this.o.state.leases.detached(work).catch((e: unknown) => this.o.log.error({ err: e }, 'transfer step failed')));
  }

  /**
   * After a restart, and periodically with several replicas: transfers still to be started, and
   * push transfers no replica is streaming (continued from the last batch sent). A pull transfer
   * waits for its consumer to fetch again.
   */
  async resume(): Promise<void> {
    for (const t of this.o.state.transfers.values()) if (this.owed(t)) this.drive(t.providerPid, undefined, DRIVE_RETRIES);
  }

  /**
   * Starts the data of a pull under its pull lease (one reader at a time, on any replica), and
   * resolves with the batch the stream starts at once it runs: `asked`, the batches a consumer
   * whose stream broke off already has, bounded by those the ledger records as sent.
   */
  openPull(providerPid: string, asked: number | undefined, stream: (t: Transfer, from: number) => Promise<void>): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let streaming = false;
      const run = this.o.state.exclusive(TransferService.pullKey(providerPid), async () => {
        // The consumer fetches as soon as the start message reaches it, maybe before its acknowledgement is committed.
        await this.o.state.settle(() => this.o.state.transfers.get(providerPid)!.state !== 'REQUESTED', ACK_GRACE_MS);
        const t = this.o.state.transfers.get(providerPid)!;
        if (t.state !== 'STARTED') throw new DataportError('DP_ERR_INVALID_TRANSITION', `the transfer is ${t.state}, not STARTED`);
        if (this.streams.has(providerPid)) throw new DataportError('DP_ERR_CONFLICT', 'the data of this transfer is already being read');
        streaming = true;
        const from = Math.min(asked ?? t.batchesOut, t.batchesOut);
        resolve(from);
        await stream(t, from);
      }, { waitMs: 0 });
      this.track(run.catch((e: unknown) => {
        if (streaming) return;
        reject((e as DataportError).code === 'DP_ERR_BUSY' ? new DataportError('DP_ERR_CONFLICT', 'the data of this transfer is already being read') : e);
      }));
    });
  }

  /** Work in flight (streams, deliveries), so close() waits for it. */
  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const s of this.streams.values()) s.stop({ code: 'DP_ERR_SHUTTING_DOWN', reason: 'the gateway is shutting down' });
    await Promise.allSettled([...this.inFlight]);
  }
}
