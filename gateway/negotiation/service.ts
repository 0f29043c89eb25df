// Contract negotiation on the provider side (DSP 2025-1): the gateway negotiates for the provider
// participant that published the dataset, asks that provider's connector to approve and sign, and
// talks to the consumer's connector through its callback address. Every state change is a ledger
// entry (ControlPlane.commit), committed when the counter-party has acknowledged the message.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { DataportError } from '../../crypto/errors.js';
import type { JsonSignature } from '../../crypto/signed-json.js';
import { DSP_CONTEXT } from '../../policies/dsp/version.js';
import { approvalMode, buildAgreement, sameTerms, verifyAgreementSignature, type Agreement } from '../../policies/negotiation/agreement.js';
import { PURPOSE, SIGNATURE } from '../../policies/negotiation/extensions.js';
import { isTerminal, negotiationTransition, type NegotiationMessageKind, type Party } from '../../policies/negotiation/state-machine.js';
import type { PeerClient } from '../peer-client.js';
import { ACK_GRACE_MS, type ControlPlane, type Dataset } from '../state/control-plane.js';
import type { Negotiation, NegotiationEvent } from '../state/negotiations.js';
import type { ComplianceService } from '../compliance/service.js';
import { offeredAction, type PolicyCheck } from './policy-check.js';

/** What the provider's connector answers to an approval request (or posts later, when manual). */
export type ProviderDecision =
  | { decision: 'agree'; agreement: Agreement; signature: JsonSignature }
  | { decision: 'counter'; offer: Record<string, unknown> }
  | { decision: 'terminate'; reason: string };

export interface ContractNegotiationAck {
  '@context': string[];
  '@type': 'ContractNegotiation';
  providerPid: string;
  consumerPid: string;
  state: string;
}

export interface NegotiationServiceOptions {
  state: ControlPlane;
  peers: PeerClient;
  policy: PolicyCheck;
  compliance: ComplianceService;
  log: FastifyBaseLogger;
  /** Attempts to deliver a message to a connector before the negotiation is terminated. */
  deliveryAttempts?: number;
  retryDelayMs?: number;
}

/** Tries at a drive lease someone else holds (25 ms, doubling) before leaving it to `resume`. */
const DRIVE_RETRIES = 6;

/** Where a negotiation stands, for telling whether a step moved it. */
function progress(n: Negotiation): string {
  return `${n.state}:${n.agreement ? 'agreed' : ''}:${n.updatedAt}`;
}

export class NegotiationService {
  private readonly state: ControlPlane;
  private readonly peers: PeerClient;
  private readonly policy: PolicyCheck;
  private readonly compliance: ComplianceService;
  private readonly log: FastifyBaseLogger;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  /** Negotiations whose owed step this replica did and that wait on someone else since (by progress mark). */
  private readonly waiting = new Map<string, string>();
  /** Outbound work in flight, so close() can wait for it. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(opts: NegotiationServiceOptions) {
    this.state = opts.state;
    this.peers = opts.peers;
    this.policy = opts.policy;
    this.compliance = opts.compliance;
    this.log = opts.log;
    this.attempts = opts.deliveryAttempts ?? 5;
    this.retryDelayMs = opts.retryDelayMs ?? 200;
  }

  ack(n: Negotiation): ContractNegotiationAck {
    return { '@context': [DSP_CONTEXT], '@type': 'ContractNegotiation', providerPid: n.providerPid, consumerPid: n.consumerPid, state: n.state };
  }

  /** The negotiation as `party` may see it; anyone else gets 404, as DSP requires. */
  find(providerPid: string, did: string | undefined, party?: Party): Negotiation {
    const n = this.state.negotiations.get(providerPid);
    const isParty = n && ((party !== 'provider' && n.consumer === did) || (party !== 'consumer' && n.provider === did));
    if (!n || !isParty) throw new DataportError('DP_ERR_NOT_FOUND', `contract negotiation ${providerPid}`);
    return n;
  }

  private check(n: Negotiation | undefined, message: NegotiationMessageKind, sender: Party): void {
    const t = negotiationTransition(n?.state, message, sender);
    if (!t.ok) throw new DataportError('DP_ERR_INVALID_TRANSITION', t.reason, { state: n?.state });
  }

  private commit(event: NegotiationEvent): Promise<number> {
    return this.state.commit(event);
  }

  /** Runs `fn` alone on the negotiation (on any replica), against state that includes every earlier change. */
  private locked<T>(providerPid: string, fn: () => Promise<T>): Promise<T> {
    return this.state.exclusive(`negotiation:${providerPid}`, fn);
  }

  // ---- messages from the consumer (DSP provider path bindings) ----------------------------------

  /** ContractRequestMessage: starts a negotiation (no providerPid) or counters the provider's offer. */
  request(consumer: string, msg: Record<string, unknown>, providerPid?: string): Promise<{ created: boolean; ack: ContractNegotiationAck }> {
    const offer = msg.offer as Record<string, unknown>;
    const consumerPid = msg.consumerPid as string;
    if (providerPid !== undefined || msg.providerPid !== undefined) {
      const pid = providerPid ?? (msg.providerPid as string);
      return this.locked(pid, async () => {
        const n = this.find(pid, consumer, 'consumer');
        if (n.consumerPid !== consumerPid) throw new DataportError('DP_ERR_BAD_REQUEST', `consumerPid ${consumerPid} does not belong to negotiation ${pid}`);
        this.check(n, 'ContractRequestMessage', 'consumer');
        this.checkPolicy(n, offer, consumer);
        await this.commit({ type: 'negotiation.counter-requested', body: { providerPid: pid, offer } });
        this.drive(pid);
        return { created: false, ack: this.ack(n) };
      });
    }
    // Two copies of one request, on this replica or two, must not start two negotiations.
    return this.state.exclusive(`negotiation-request:${consumer}:${consumerPid}`, () => this.start(consumer, consumerPid, offer, msg));
  }

  private async start(consumer: string, consumerPid: string, offer: Record<string, unknown>, msg: Record<string, unknown>): Promise<{ created: boolean; ack: ContractNegotiationAck }> {
    // Idempotent on a repeated consumerPid from the same consumer.
    for (const n of this.state.negotiations.values()) {
      if (n.consumer === consumer && n.consumerPid === consumerPid) return { created: false, ack: this.ack(n) };
    }
    if (typeof msg.callbackAddress !== 'string' || !/^https?:\/\//.test(msg.callbackAddress)) {
      throw new DataportError('DP_ERR_BAD_REQUEST', `callbackAddress ${JSON.stringify(msg.callbackAddress)} is not an http(s) URL this gateway can call back`);
    }
    const { dataset, catalogOffer } = this.findOffer(offer);
    this.state.requireParticipant(consumer, 'consumer');
    const purpose = typeof msg[PURPOSE] === 'string' ? (msg[PURPOSE] as string) : undefined;
    const n0 = { consumer, datasetId: dataset.id, purpose } as Negotiation;
    this.checkPolicy(n0, catalogOffer, consumer, dataset);
    if (!sameTerms(offer, catalogOffer)) this.checkPolicy(n0, offer, consumer, dataset);
    const pid = `urn:uuid:${randomUUID()}`;
    // No agreement without a legal export pathway that is satisfied (the decision is in the ledger either way).
    await this.compliance.require('negotiation', dataset, { consumer, negotiation: pid });
    this.check(undefined, 'ContractRequestMessage', 'consumer');
    await this.commit({
      type: 'negotiation.requested',
      body: {
        providerPid: pid, consumerPid, datasetId: dataset.id, offerId: catalogOffer['@id'] as string, provider: dataset.provider, consumer,
        callbackAddress: msg.callbackAddress, offer, purpose,
        // A consumer's own terms always need the provider's decision; the catalog's may be automatic.
        approval: sameTerms(offer, catalogOffer) ? approvalMode(catalogOffer) : 'manual',
      },
    });
    const n = this.state.negotiations.get(pid)!;
    this.drive(pid);
    return { created: true, ack: this.ack(n) };
  }

  private findOffer(offer: Record<string, unknown>): { dataset: Dataset; catalogOffer: Record<string, unknown> } {
    const target = offer.target;
    const id = offer['@id'];
    for (const d of this.state.datasets.values()) {
      if (d.status !== 'published' || (typeof target === 'string' && d.id !== target)) continue;
      const catalogOffer = d.offers.find((o) => o['@id'] === id);
      if (catalogOffer) return { dataset: d, catalogOffer };
    }
    throw new DataportError('DP_ERR_UNKNOWN_OFFER', `no published dataset${typeof target === 'string' ? ` ${target}` : ''} has offer ${String(id)}`);
  }

  private checkPolicy(n: Pick<Negotiation, 'consumer' | 'datasetId' | 'purpose'>, policy: Record<string, unknown>, consumer: string, dataset?: Dataset): void {
    const participant = this.state.requireParticipant(consumer, 'consumer');
    const decision = this.policy(policy, 'negotiation', { participant, purpose: n.purpose, dataset: dataset ?? this.state.datasets.get(n.datasetId)!, action: offeredAction(policy) });
    if (!decision.allowed) {
      const offerId = typeof policy['@id'] === 'string' ? policy['@id'] : null;
      void this.commit({ type: 'negotiation.denied', body: { consumer, datasetId: n.datasetId, offerId, reason: decision.reason } }).catch(() => undefined);
      throw new DataportError('DP_ERR_POLICY_DENIED', decision.reason, { trace: decision.trace });
    }
  }

  /** ContractNegotiationEventMessage from the consumer: only ACCEPTED (FINALIZED is the provider's). */
  event(consumer: string, providerPid: string, msg: Record<string, unknown>): Promise<void> {
    return this.locked(providerPid, async () => {
      const n = this.find(providerPid, consumer, 'consumer');
      const kind = `ContractNegotiationEventMessage:${String(msg.eventType)}` as NegotiationMessageKind;
      this.check(n, kind, 'consumer');
      await this.commit({ type: 'negotiation.accepted', body: { providerPid } });
      this.drive(providerPid);
    });
  }

  /** ContractAgreementVerificationMessage: the consumer's signature over the agreement. */
  async verification(consumer: string, providerPid: string, msg: Record<string, unknown>): Promise<void> {
    // The consumer verifies as soon as the agreement reaches it; `agreed` is committed when its
    // acknowledgement is back (on this replica or another), under the lock taken below.
    await this.state.settle(() => {
      const n = this.state.negotiations.get(providerPid);
      return !(n && (n.state === 'REQUESTED' || n.state === 'ACCEPTED') && n.agreement);
    }, ACK_GRACE_MS);
    return this.locked(providerPid, async () => {
      const n = this.find(providerPid, consumer, 'consumer');
      const signature = msg[SIGNATURE] as JsonSignature | undefined;
      // The same verification again (its answer was lost on the way back): already done.
      if ((n.state === 'VERIFIED' || n.state === 'FINALIZED') && signature !== undefined && n.consumerSignature?.value === signature.value) return;
      this.check(n, 'ContractAgreementVerificationMessage', 'consumer');
      if (!n.agreement || !n.providerSignature || !verifyAgreementSignature(n.agreement, signature, consumer)) {
        throw new DataportError('DP_ERR_SIGNATURE_INVALID', `the verification carries no valid signature by ${consumer} over agreement ${n.agreement?.['@id']}`);
      }
      await this.commit({ type: 'negotiation.verified', body: { providerPid, agreement: n.agreement, signatures: [n.providerSignature, signature!] } });
      this.drive(providerPid);
    });
  }

  termination(party: Party, did: string, providerPid: string, msg: Record<string, unknown>): Promise<void> {
    return this.locked(providerPid, async () => {
      const n = this.find(providerPid, did, party);
      this.check(n, 'ContractNegotiationTerminationMessage', party);
      const reason = Array.isArray(msg.reason) ? msg.reason.map(String) : msg.reason === undefined ? [] : [String(msg.reason)];
      const code = String(msg.code ?? 'terminated');
      await this.commit({ type: 'negotiation.terminated', body: { providerPid, by: party, code, reason } });
      if (party === 'provider') this.spawn(() => this.notifyTermination(n, code, reason));
    });
  }

  /** Tells the consumer the provider ended the negotiation (best effort: it is already TERMINATED). */
  private async notifyTermination(n: Negotiation, code: string, reason: string[]): Promise<void> {
    await this.peers.post(n.callbackAddress, `negotiations/${n.consumerPid}/termination`, {
      '@context': [DSP_CONTEXT], '@type': 'ContractNegotiationTerminationMessage', providerPid: n.providerPid, consumerPid: n.consumerPid, code, reason,
    });
  }

  // ---- the provider's decision ------------------------------------------------------------------

  /** Approval requests still waiting for the provider (manual approval). */
  pending(provider: string): Negotiation[] {
    return [...this.state.negotiations.values()].filter((n) => n.provider === provider && (n.state === 'REQUESTED' || n.state === 'ACCEPTED') && !n.agreement);
  }

  /** The agreement the provider would sign for the offer on the table. */
  proposal(n: Negotiation): Agreement {
    return buildAgreement(`urn:uuid:${randomUUID()}`, n.offer, n.datasetId, n.provider, n.consumer, new Date().toISOString());
  }

  decide(provider: string, providerPid: string, d: ProviderDecision): Promise<void> {
    return this.locked(providerPid, () => this.decideLocked(provider, providerPid, d));
  }

  private async decideLocked(provider: string, providerPid: string, d: ProviderDecision): Promise<void> {
    const n = this.find(providerPid, provider, 'provider');
    if (d.decision === 'terminate') {
      await this.termination('provider', provider, providerPid, { code: 'DP_ERR_PROVIDER_REJECTED', reason: [d.reason] });
      return;
    }
    if (d.decision === 'counter') {
      this.check(n, 'ContractOfferMessage', 'provider');
      const offer = { ...d.offer, '@type': 'Offer', target: n.datasetId };
      this.spawn(() => this.deliver(n, `negotiations/${n.consumerPid}/offers`, {
        '@context': [DSP_CONTEXT], '@type': 'ContractOfferMessage', providerPid, consumerPid: n.consumerPid, offer,
      }, () => this.commit({ type: 'negotiation.offered', body: { providerPid, offer } })));
      return;
    }
    this.check(n, 'ContractAgreementMessage', 'provider');
    if (n.agreement) throw new DataportError('DP_ERR_CONFLICT', `negotiation ${providerPid} is already approved (agreement ${n.agreement['@id']})`);
    const a = d.agreement;
    const mismatch = a.target !== n.datasetId ? 'target' : a.assigner !== n.provider ? 'assigner' : a.assignee !== n.consumer ? 'assignee'
      : !sameTerms(a as unknown as Record<string, unknown>, n.offer) ? 'terms' : undefined;
    if (mismatch) throw new DataportError('DP_ERR_BAD_REQUEST', `the agreement's ${mismatch} differs from the negotiation's`);
    if (!verifyAgreementSignature(a, d.signature, provider)) {
      throw new DataportError('DP_ERR_SIGNATURE_INVALID', `no valid signature by ${provider} over agreement ${a['@id']}`);
    }
    if (this.state.agreements.has(a['@id'])) throw new DataportError('DP_ERR_CONFLICT', `agreement ${a['@id']} already exists`);
    await this.commit({ type: 'negotiation.approved', body: { providerPid, agreement: a, providerSignature: d.signature } });
    this.drive(providerPid);
  }

  // ---- outbound ---------------------------------------------------------------------------------

  /** Asks the provider's connector to decide; an automatic connector answers at once. */
  private async askProvider(n: Negotiation): Promise<void> {
    const provider = this.state.participant(n.provider);
    if (!provider?.callbackAddress) {
      this.log.warn({ providerPid: n.providerPid }, 'provider has no callback address: waiting for a manual decision');
      return;
    }
    const body = {
      providerPid: n.providerPid, consumerPid: n.consumerPid, datasetId: n.datasetId, offerId: n.offerId, approval: n.approval,
      offer: n.offer, purpose: n.purpose, consumer: this.state.participant(n.consumer), proposedAgreement: this.proposal(n),
    };
    const res = await this.peers.post(provider.callbackAddress, 'dataport/approvals', body);
    if (res.status === 202) return; // manual: the provider posts its decision later
    if (res.status !== 200) throw new Error(`provider connector answered ${res.status} to the approval request`);
    if (this.state.negotiations.get(n.providerPid)?.agreement) return;
    await this.decide(n.provider, n.providerPid, res.body as ProviderDecision);
  }

  private sendAgreement(n: Negotiation): Promise<void> {
    return this.deliver(n, `negotiations/${n.consumerPid}/agreement`, {
      '@context': [DSP_CONTEXT], '@type': 'ContractAgreementMessage', providerPid: n.providerPid, consumerPid: n.consumerPid,
      agreement: n.agreement, [SIGNATURE]: n.providerSignature,
    }, () => this.commit({ type: 'negotiation.agreed', body: { providerPid: n.providerPid } }));
  }

  private sendFinalized(n: Negotiation): Promise<void> {
    return this.deliver(n, `negotiations/${n.consumerPid}/events`, {
      '@context': [DSP_CONTEXT], '@type': 'ContractNegotiationEventMessage', providerPid: n.providerPid, consumerPid: n.consumerPid, eventType: 'FINALIZED',
    }, () => this.commit({ type: 'negotiation.finalized', body: { providerPid: n.providerPid } }));
  }

  /**
   * Sends a message to the consumer's callback; the state moves (`onAck`) only when the consumer
   * acknowledges. After the last failed attempt the negotiation is terminated, saying why.
   */
  private async deliver(n: Negotiation, path: string, message: Record<string, unknown>, onAck: () => Promise<unknown>): Promise<void> {
    let last = '';
    for (let attempt = 1; attempt <= this.attempts && !this.stopped; attempt++) {
      try {
        const res = await this.peers.post(n.callbackAddress, path, message);
        if (res.status >= 200 && res.status < 300) {
          // The consumer may have ended the negotiation meanwhile (through any replica).
          await this.locked(n.providerPid, async () => {
            if (!isTerminal(this.state.negotiations.get(n.providerPid)!.state)) await onAck();
          });
          return;
        }
        last = `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        if (res.status >= 400 && res.status < 500) break; // the consumer refused: retrying will not help
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, this.retryDelayMs * attempt));
    }
    if (this.stopped) return;
    await this.locked(n.providerPid, async () => {
      if (isTerminal(this.state.negotiations.get(n.providerPid)!.state)) return;
      this.log.warn({ providerPid: n.providerPid, path, last }, 'consumer did not acknowledge: terminating the negotiation');
      await this.commit({ type: 'negotiation.terminated', body: { providerPid: n.providerPid, by: 'provider', code: 'DP_ERR_DELIVERY_FAILED', reason: [`${message['@type']} to ${path} failed: ${last}`] } });
    });
  }

  private spawn(work: () => Promise<unknown>): void {
    if (this.stopped) return;
    const p = this.state.leases.detached(work).catch((e: unknown) => this.log.error({ err: e }, 'negotiation step failed'));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** The step the gateway owes a negotiation in its state, if any. */
  private owed(n: Negotiation): (() => Promise<void>) | undefined {
    if ((n.state === 'REQUESTED' || n.state === 'ACCEPTED') && !n.agreement) return () => this.askProvider(n);
    if ((n.state === 'REQUESTED' || n.state === 'ACCEPTED') && n.agreement) return () => this.sendAgreement(n);
    if (n.state === 'VERIFIED') return () => this.sendFinalized(n);
    return undefined;
  }

  /**
   * Does the steps the gateway owes the negotiation, holding its drive lease so that no other
   * replica does them at the same time; after each step, the next one its new state owes. When
   * another replica (or another piece of work here) holds the lease, it is asked again a little
   * later: the holder may have looked at the state just before this change. A replica that dies
   * holding it loses it when it expires, and `resume` (run periodically with PostgreSQL) takes over.
   */
  private drive(providerPid: string, attempt = 0): void {
    // Asked from inside the drive itself (a step that moved the state): its loop goes on.
    if (this.state.leases.holds(`drive:negotiation:${providerPid}`)) return;
    this.spawn(async () => {
      try {
        await this.state.exclusive(`drive:negotiation:${providerPid}`, async () => {
          while (!this.stopped) {
            const n = this.state.negotiations.get(providerPid);
            const step = n && this.owed(n);
            // Nothing owed, or the step was done at this very point and waits on someone else.
            if (!step || this.waiting.get(providerPid) === progress(n)) return;
            const before = progress(n);
            await step();
            await this.state.sync();
            // The step ended without moving the negotiation (a provider deciding by hand):
            // nothing is owed until someone else moves it.
            if (progress(this.state.negotiations.get(providerPid)!) === before) this.waiting.set(providerPid, before);
          }
        }, { waitMs: 0 });
      } catch (e) {
        if ((e as DataportError).code !== 'DP_ERR_BUSY') throw e;
        if (attempt < DRIVE_RETRIES) setTimeout(() => this.drive(providerPid, attempt + 1), 25 << attempt).unref();
      }
    });
  }

  /** After a restart, and periodically with several replicas: every step the gateway still owes. */
  resume(): void {
    for (const n of this.state.negotiations.values()) {
      if (!this.owed(n)) this.waiting.delete(n.providerPid);
      else if (this.waiting.get(n.providerPid) !== progress(n)) this.drive(n.providerPid, DRIVE_RETRIES);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }
}
