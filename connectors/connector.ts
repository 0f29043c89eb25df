// The Connector SDK, for both roles. A connector has a did:key identity, talks to the gateway with
// signed requests, and hosts its own DSP callback endpoint (consumer path bindings of the contract
// negotiation protocol, and dataport's approval requests for providers) on a port of its own.
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { fromBase64 } from '../crypto/bytes.js';
import { verifyCheckpoint } from '../crypto/checkpoint.js';
import { DataportError } from '../crypto/errors.js';
import { canonicalize } from '../crypto/jcs.js';
import { verifyRequest, NonceStore } from '../crypto/http-signatures.js';
import { publicKeyFromDid, type Identity } from '../crypto/identity.js';
import { leafHash, verifyInclusion } from '../crypto/merkle.js';
import { DSP_CONTEXT } from '../policies/dsp/version.js';
import { assertDspMessage } from '../policies/dsp/validate.js';
import { sameTerms, signAgreement, verifyAgreementSignature, approvalMode, type Agreement } from '../policies/negotiation/agreement.js';
import { PURPOSE, SIGNATURE } from '../policies/negotiation/extensions.js';
import { negotiationTransition, type NegotiationMessageKind, type NegotiationState } from '../policies/negotiation/state-machine.js';
import { GatewayError, SignedClient } from './signed-http.js';
import { TransferClient, type LocalDataset } from './transfers.js';
import { ledgerEntryOf } from '../policies/transfer/receipt.js';
import { AggregationClient } from './aggregation.js';
import type { JsonSignature } from '../crypto/signed-json.js';

export interface ConnectorOptions {
  /** The gateway's base URL. */
  gateway: string;
  identity: Identity;
  /** The gateway's did:key; default: read from its /.well-known/dataport on start (trust on first use). */
  gatewayDid?: string;
  /** Where the callback server listens (default 127.0.0.1, an ephemeral port). */
  host?: string;
  port?: number;
  /** The callback base URL to announce (default http://host:port/callback). */
  publicUrl?: string;
  /**
   * What to do with a provider's counter-offer: accept it (true), terminate (false, the default),
   * or answer with a counter-offer of our own ({ counter: offer }).
   */
  acceptCounterOffers?: boolean | ((offer: Record<string, unknown>) => boolean | { counter: Record<string, unknown> } | Promise<boolean | { counter: Record<string, unknown> }>);
  /** For manual approvals (providers): decide, or return undefined to leave it pending. */
  onApprovalRequest?: (request: ApprovalRequest) => Promise<ApprovalDecision | undefined> | ApprovalDecision | undefined;
  /** How long negotiate() waits for FINALIZED (ms). */
  negotiationTimeoutMs?: number;
  logLevel?: 'silent' | 'info' | 'debug' | 'warn' | 'error';
  /** Provider: the local files this connector serves, by dataset id. */
  datasets?: Record<string, LocalDataset>;
  /** Sees every DSP message this connector sends or receives (and the gateway's answers). */
  onMessage?: (direction: 'sent' | 'received', message: Record<string, unknown>) => void;
}

export interface ApprovalRequest {
  providerPid: string;
  consumerPid: string;
  datasetId: string;
  offerId: string;
  approval: 'auto' | 'manual';
  offer: Record<string, unknown>;
  purpose?: string;
  consumer?: { did: string; legalName: string; jurisdiction: string };
  proposedAgreement: Agreement;
}

export type ApprovalDecision = { decision: 'agree' } | { decision: 'counter'; offer: Record<string, unknown> } | { decision: 'terminate'; reason: string };

/** A DSP Dataset as the catalog shows it (with dataport's extension terms). */
export interface CatalogDataset {
  '@id': string;
  title?: string;
  hasPolicy: Record<string, unknown>[];
  [term: string]: unknown;
}

export interface NegotiationResult {
  providerPid: string;
  consumerPid: string;
  state: NegotiationState;
  agreement: Agreement;
  signatures: JsonSignature[];
}

interface ConsumerNegotiation {
  consumerPid: string;
  providerPid?: string;
  state: NegotiationState | undefined;
  provider?: string;
  datasetId: string;
  offer: Record<string, unknown>;
  agreement?: Agreement;
  signatures?: JsonSignature[];
  settle?: { resolve: (r: NegotiationResult) => void; reject: (e: Error) => void };
  termination?: { code: string; reason: string[] };
}

/** DSP requests the gateway answers the same way when repeated (by consumerPid, or the same signature): safe to send again. */
const IDEMPOTENT = /^\/(negotiations|transfers)\/request$|^\/negotiations\/[^/]+\/agreement\/verification$/;

/**
 * Sends again when the request may not have reached a working gateway replica (no connection, or a
 * 502/503 from the balancer in front of the replicas); any other answer is the answer.
 */
async function retrying<T>(send: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const transient = !(e instanceof GatewayError) || e.status === 502 || e.status === 503;
      if (!transient || attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export class Connector {
  readonly identity: Identity;
  readonly client: SignedClient;
  /** Homomorphic aggregation: open jobs and read results (analyst), contribute (provider). */
  readonly aggregation: AggregationClient;
  private readonly opts: ConnectorOptions;
  private server: FastifyInstance | undefined;
  private gatewayDid: string | undefined;
  private readonly nonces = new NonceStore(600);
  private readonly negotiations = new Map<string, ConsumerNegotiation>();
  private readonly pendingApprovals = new Map<string, ApprovalRequest>();
  private ledgerOrigin = 'dataport.local/ledger';
  callbackAddress = '';
  /** Transfers: pull, suspend, resume, terminate; and the provider's data endpoint. */
  readonly transfers: TransferClient;

  constructor(opts: ConnectorOptions) {
    this.opts = opts;
    this.identity = opts.identity;
    this.client = new SignedClient(opts.gateway, opts.identity);
    this.aggregation = new AggregationClient(this.client);
    this.gatewayDid = opts.gatewayDid;
    this.transfers = new TransferClient(this.client, this.identity, {
      callbackAddress: () => this.callbackAddress, gatewayDid: () => this.gatewayDid!, origin: () => this.ledgerOrigin,
      datasets: opts.datasets ?? {}, onMessage: opts.onMessage,
    });
  }

  get did(): string {
    return this.identity.did;
  }

  /** Sends a DSP message to the gateway, letting `onMessage` see it and the answer. */
  private async dsp<T>(path: string, message: Record<string, unknown>): Promise<T> {
    this.opts.onMessage?.('sent', message);
    const answer = IDEMPOTENT.test(path) ? await retrying(() => this.client.json<T>('POST', path, message)) : await this.client.json<T>('POST', path, message);
    if (answer && typeof answer === 'object' && '@type' in answer) this.opts.onMessage?.('received', answer as Record<string, unknown>);
    return answer;
  }

  /** Starts the callback server and learns the gateway's key. */
  async start(): Promise<void> {
    const info = await this.client.json<{ did: string; ledgerOrigin: string }>('GET', '/.well-known/dataport');
    this.gatewayDid ??= info.did;
    this.ledgerOrigin = info.ledgerOrigin;
    const app = Fastify({ logger: this.opts.logLevel && this.opts.logLevel !== 'silent' ? { level: this.opts.logLevel } : false });
    app.removeContentTypeParser(['application/json']);
    app.addContentTypeParser(['application/json', 'application/ld+json'], { parseAs: 'buffer' }, (request, body, done) => {
      (request as unknown as { rawBody: Buffer }).rawBody = body as Buffer;
      try {
        done(null, (body as Buffer).length ? JSON.parse((body as Buffer).toString('utf8')) : undefined);
      } catch (e) {
        done(new DataportError('DP_ERR_BAD_REQUEST', `not JSON: ${(e as Error).message}`), undefined);
      }
    });
    // Only the gateway may call back, with a fresh signature by its key.
    app.addHook('preHandler', async (request) => {
      const base = this.opts.publicUrl ? new URL(this.opts.publicUrl).origin : `${request.protocol}://${request.headers.host}`;
      verifyRequest(
        { method: request.method, url: new URL(request.url, base).toString(), headers: request.headers, body: (request as unknown as { rawBody?: Buffer }).rawBody },
        { nonces: this.nonces, resolveKey: (keyid) => (keyid === this.gatewayDid ? publicKeyFromDid(keyid) : undefined) },
      );
      const body = request.body as Record<string, unknown> | undefined;
      if (body && typeof body === 'object' && '@type' in body) this.opts.onMessage?.('received', body);
    });
    app.addHook('onSend', async (_request, _reply, payload) => {
      if (this.opts.onMessage && typeof payload === 'string' && payload.includes('"@type"')) {
        try {
          this.opts.onMessage('sent', JSON.parse(payload) as Record<string, unknown>);
        } catch {
          // not JSON: nothing to observe
        }
      }
      return payload;
    });
    app.setErrorHandler((err, request, reply) => {
      const e = err instanceof DataportError ? err : new DataportError((err as { validation?: unknown }).validation ? 'DP_ERR_VALIDATION' : 'DP_ERR_BAD_REQUEST', (err as Error).message);
      const body = (request.body ?? {}) as Record<string, unknown>;
      void reply.status(e.status).type('application/json').send({
        '@context': [DSP_CONTEXT], '@type': 'ContractNegotiationError',
        providerPid: String(body.providerPid ?? ''), consumerPid: String(body.consumerPid ?? (request.params as { consumerPid?: string })?.consumerPid ?? ''),
        code: e.code, reason: [e.message],
      });
    });
    this.routes(app);
    this.transfers.routes(app);
    const address = await app.listen({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port ?? 0 });
    this.server = app;
    this.callbackAddress = `${this.opts.publicUrl ?? address}/callback`;
  }

  async stop(): Promise<void> {
    for (const n of this.negotiations.values()) n.settle?.reject(new Error('connector stopped'));
    await this.server?.close();
  }

  // ---- management -------------------------------------------------------------------------------

  register(profile: { legalName: string; jurisdiction: string; roles: ('provider' | 'consumer')[]; exporter?: Record<string, unknown> }): Promise<unknown> {
    return this.client.json('POST', '/participants', { ...profile, ...(this.callbackAddress ? { callbackAddress: this.callbackAddress } : {}) });
  }

  publish(dataset: Record<string, unknown>): Promise<{ id: string }> {
    return this.client.json('POST', '/datasets', dataset);
  }
  /** This participant's compliance record as an exporter: counters against thresholds, denials, stopped transfers, artefacts. */
  complianceRecord<T = Record<string, unknown>>(): Promise<T> {
    return this.client.json<T>('GET', `/compliance/exporters/${encodeURIComponent(this.identity.did)}`);
  }

  // ---- consumer: catalog ---------------------------------------------------------------------------

  /** The gateway's DSP catalog as this connector may see it (every page, following Link headers). */
  async catalog(filter: Record<string, string>[] = []): Promise<CatalogDataset[]> {
    const message = { '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage', ...(filter.length ? { filter } : {}) };
    const out: CatalogDataset[] = [];
    let path: string | undefined = '/catalog/request';
    while (path) {
      const res: { status: number; headers: Record<string, string | string[] | undefined>; body: { dataset?: CatalogDataset[] } } = await this.client.send('POST', path, message);
      if (res.status !== 200) await this.client.json('POST', path, message); // throws the gateway's error
      out.push(...(res.body.dataset ?? []));
      path = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ''))?.[1];
    }
    return out;
  }

  /** One dataset of the catalog, with the offers this connector could use. */
  dataset(id: string): Promise<CatalogDataset> {
    return this.client.json('GET', `/catalog/datasets/${encodeURIComponent(id)}`);
  }

  // ---- consumer: negotiation ----------------------------------------------------------------------

  /**
   * Requests an agreement on a catalog offer and waits until the negotiation is FINALIZED; throws
   * a GatewayError naming the reason when it is refused or terminated.
   */
  async negotiate(args: { datasetId: string; offer: Record<string, unknown>; provider?: string; purpose?: string }): Promise<NegotiationResult> {
    if (!this.callbackAddress) throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'start() the connector first: it needs a callback address');
    const consumerPid = `urn:uuid:${randomUUID()}`;
    const offer = { ...args.offer, '@type': 'Offer', target: args.datasetId };
    const n: ConsumerNegotiation = { consumerPid, state: undefined, datasetId: args.datasetId, offer, provider: args.provider };
    this.negotiations.set(consumerPid, n);
    const done = new Promise<NegotiationResult>((resolve, reject) => {
      n.settle = { resolve, reject };
    });
    const timeout = setTimeout(() => n.settle?.reject(new GatewayError(504, 'DP_ERR_TIMEOUT', `negotiation ${consumerPid} not finalized in time (state ${n.state})`)), this.opts.negotiationTimeoutMs ?? 30_000);
    try {
      const ack = await this.dsp<{ providerPid: string; state: NegotiationState }>('/negotiations/request', {
        '@context': [DSP_CONTEXT], '@type': 'ContractRequestMessage', consumerPid, offer, callbackAddress: this.callbackAddress,
        ...(args.purpose ? { [PURPOSE]: args.purpose } : {}),
      });
      n.providerPid = ack.providerPid;
      if (n.state === undefined) n.state = 'REQUESTED';
      return await done;
    } catch (e) {
      this.negotiations.delete(consumerPid);
      throw e;
    } finally {
      clearTimeout(timeout);
    }
  }

  private move(n: ConsumerNegotiation, kind: NegotiationMessageKind, sender: 'consumer' | 'provider'): void {
    // An initial request may still be waiting for its ACK when the first callback arrives.
    const from = n.state ?? 'REQUESTED';
    const t = negotiationTransition(from, kind, sender);
    if (!t.ok) throw new DataportError('DP_ERR_INVALID_TRANSITION', t.reason);
    n.state = t.to;
  }

  private negotiation(consumerPid: string, providerPid: unknown): ConsumerNegotiation {
    const n = this.negotiations.get(consumerPid);
    if (!n || (n.providerPid !== undefined && providerPid !== n.providerPid)) throw new DataportError('DP_ERR_NOT_FOUND', `contract negotiation ${consumerPid}`);
    n.providerPid ??= String(providerPid);
    return n;
  }

  private routes(app: FastifyInstance): void {
    type P = { Params: { consumerPid: string }; Body: Record<string, unknown> };

    app.get<{ Params: { consumerPid: string } }>('/callback/negotiations/:consumerPid', async (request) => {
      const n = this.negotiation(request.params.consumerPid, undefined);
      return { '@context': [DSP_CONTEXT], '@type': 'ContractNegotiation', providerPid: n.providerPid, consumerPid: n.consumerPid, state: n.state };
    });

    // Provider-initiated negotiations are not offered by dataport's gateway; refuse them clearly.
    app.post('/callback/negotiations/offers', async () => {
      throw new DataportError('DP_ERR_BAD_REQUEST', 'this connector takes offers only within negotiations it started');
    });

    app.post<P>('/callback/negotiations/:consumerPid/offers', async (request) => {
      assertDspMessage('ContractOfferMessage', request.body);
      const n = this.negotiation(request.params.consumerPid, request.body.providerPid);
      this.move(n, 'ContractOfferMessage', 'provider');
      n.offer = request.body.offer as unknown as Record<string, unknown>;
      setImmediate(() => void this.answerOffer(n));
      return { '@context': [DSP_CONTEXT], '@type': 'ContractNegotiation', providerPid: n.providerPid, consumerPid: n.consumerPid, state: n.state };
    });

    app.post<P>('/callback/negotiations/:consumerPid/agreement', async (request) => {
      assertDspMessage('ContractAgreementMessage', request.body);
      const n = this.negotiation(request.params.consumerPid, request.body.providerPid);
      const agreement = request.body.agreement as Agreement;
      const signature = request.body[SIGNATURE] as JsonSignature;
      // The agreement must be what we asked for (or accepted), for us, signed by its assigner.
      if (agreement.assignee !== this.did || agreement.target !== n.datasetId) throw new DataportError('DP_ERR_BAD_REQUEST', 'the agreement is not for this consumer and dataset');
      if (n.provider && agreement.assigner !== n.provider) throw new DataportError('DP_ERR_BAD_REQUEST', `the agreement's assigner ${agreement.assigner} is not the provider ${n.provider}`);
      if (!sameTerms(agreement as unknown as Record<string, unknown>, n.offer)) throw new DataportError('DP_ERR_BAD_REQUEST', 'the agreement\'s terms differ from the offer');
      if (!verifyAgreementSignature(agreement, signature, agreement.assigner)) throw new DataportError('DP_ERR_SIGNATURE_INVALID', 'the provider\'s signature over the agreement does not verify');
      this.move(n, 'ContractAgreementMessage', 'provider');
      n.agreement = agreement;
      n.signatures = [signature];
      setImmediate(() => void this.verifyAgreement(n));
      return { '@context': [DSP_CONTEXT], '@type': 'ContractNegotiation', providerPid: n.providerPid, consumerPid: n.consumerPid, state: n.state };
    });

    app.post<P>('/callback/negotiations/:consumerPid/events', async (request) => {
      assertDspMessage('ContractNegotiationEventMessage', request.body);
      const n = this.negotiation(request.params.consumerPid, request.body.providerPid);
      this.move(n, `ContractNegotiationEventMessage:${String(request.body.eventType)}` as NegotiationMessageKind, 'provider');
      if (n.state === 'FINALIZED' && n.agreement) {
        n.settle?.resolve({ providerPid: n.providerPid!, consumerPid: n.consumerPid, state: n.state, agreement: n.agreement, signatures: n.signatures ?? [] });
      }
      return { '@context': [DSP_CONTEXT], '@type': 'ContractNegotiation', providerPid: n.providerPid, consumerPid: n.consumerPid, state: n.state };
    });

    app.post<P>('/callback/negotiations/:consumerPid/termination', async (request) => {
      assertDspMessage('ContractNegotiationTerminationMessage', request.body);
      const n = this.negotiation(request.params.consumerPid, request.body.providerPid);
      this.move(n, 'ContractNegotiationTerminationMessage', 'provider');
      const reason = (request.body.reason as string[] | undefined) ?? [];
      n.termination = { code: String(request.body.code ?? 'terminated'), reason };
      n.settle?.reject(new GatewayError(409, n.termination.code, `negotiation terminated by the provider: ${reason.join('; ')}`));
      return { '@context': [DSP_CONTEXT], '@type': 'ContractNegotiation', providerPid: n.providerPid, consumerPid: n.consumerPid, state: n.state };
    });

    // Provider role: the gateway asks whether to agree.
    app.post<{ Body: ApprovalRequest }>('/callback/dataport/approvals', async (request, reply) => {
      const r = request.body;
      const decision = await this.autoDecision(r);
      if (decision) return decision;
      this.pendingApprovals.set(r.providerPid, r);
      if (this.opts.onApprovalRequest) setImmediate(() => void this.askOwner(r));
      return reply.status(202).send({ status: 'pending' });
    });
  }

  private async answerOffer(n: ConsumerNegotiation): Promise<void> {
    const answer = typeof this.opts.acceptCounterOffers === 'function' ? await this.opts.acceptCounterOffers(n.offer) : !!this.opts.acceptCounterOffers;
    const base = { '@context': [DSP_CONTEXT], providerPid: n.providerPid, consumerPid: n.consumerPid };
    const pid = encodeURIComponent(n.providerPid!);
    try {
      if (answer === true) {
        this.move(n, 'ContractNegotiationEventMessage:ACCEPTED', 'consumer');
        await this.dsp(`/negotiations/${pid}/events`, { ...base, '@type': 'ContractNegotiationEventMessage', eventType: 'ACCEPTED' });
      } else if (answer) {
        // Our own terms again: OFFERED -> REQUESTED, and the provider decides once more.
        this.move(n, 'ContractRequestMessage', 'consumer');
        n.offer = { ...answer.counter, '@type': 'Offer', target: n.datasetId };
        await this.dsp(`/negotiations/${pid}/request`, { ...base, '@type': 'ContractRequestMessage', offer: n.offer });
      } else {
        await this.dsp(`/negotiations/${pid}/termination`, { ...base, '@type': 'ContractNegotiationTerminationMessage', code: 'DP_ERR_COUNTER_OFFER_DECLINED', reason: ['the consumer does not accept the counter-offer'] });
        n.state = 'TERMINATED';
        n.settle?.reject(new GatewayError(409, 'DP_ERR_COUNTER_OFFER_DECLINED', 'the provider countered with other terms, and this connector does not accept counter-offers'));
      }
    } catch (e) {
      n.settle?.reject(e as Error);
    }
  }

  private async verifyAgreement(n: ConsumerNegotiation): Promise<void> {
    const signature = signAgreement(n.agreement!, this.identity);
    // VERIFIED before the message goes: the gateway may send FINALIZED before our POST returns.
    const before = n.state;
    if (n.state === 'AGREED') n.state = 'VERIFIED';
    n.signatures = [...(n.signatures ?? []), signature];
    try {
      await this.dsp(`/negotiations/${encodeURIComponent(n.providerPid!)}/agreement/verification`, {
        '@context': [DSP_CONTEXT], '@type': 'ContractAgreementVerificationMessage', providerPid: n.providerPid, consumerPid: n.consumerPid, [SIGNATURE]: signature,
      });
    } catch (e) {
      if (n.state === 'VERIFIED') n.state = before;
      n.settle?.reject(e as Error);
    }
  }

  // ---- provider: approvals --------------------------------------------------------------------------

  /** Signs at once when the request is for one of our own catalog offers marked 'auto', unchanged. */
  private async autoDecision(r: ApprovalRequest): Promise<Record<string, unknown> | undefined> {
    if (r.approval !== 'auto' || r.proposedAgreement.assigner !== this.did) return undefined;
    const own = await this.client.json<{ offers: Record<string, unknown>[] }>('GET', `/datasets/${encodeURIComponent(r.datasetId)}`).catch(() => undefined);
    const offer = own?.offers.find((o) => o['@id'] === r.offerId);
    if (!offer || approvalMode(offer) !== 'auto' || !sameTerms(offer, r.offer) || !sameTerms(r.proposedAgreement as unknown as Record<string, unknown>, offer)) return undefined;
    return { decision: 'agree', agreement: r.proposedAgreement, signature: signAgreement(r.proposedAgreement, this.identity) };
  }

  private async askOwner(r: ApprovalRequest): Promise<void> {
    const d = await this.opts.onApprovalRequest!(r);
    if (d) await this.decide(r.providerPid, d);
  }

  /** Approval requests waiting for this provider, as the gateway has them. */
  approvals(): Promise<ApprovalRequest[]> {
    return this.client.json('GET', '/approvals');
  }

  /** The provider's decision on a pending negotiation: agree (signing the proposed agreement), counter or terminate. */
  async decide(providerPid: string, d: ApprovalDecision): Promise<void> {
    let body: Record<string, unknown> = d;
    if (d.decision === 'agree') {
      const r = this.pendingApprovals.get(providerPid) ?? (await this.approvals()).find((a) => a.providerPid === providerPid);
      if (!r) throw new DataportError('DP_ERR_NOT_FOUND', `no approval request for ${providerPid}`);
      body = { decision: 'agree', agreement: r.proposedAgreement, signature: signAgreement(r.proposedAgreement, this.identity) };
    }
    await this.client.json('POST', `/negotiations/${encodeURIComponent(providerPid)}/approval`, body);
    this.pendingApprovals.delete(providerPid);
  }

  // ---- agreements -------------------------------------------------------------------------------------

  /**
   * Fetches an agreement and checks it: both parties' signatures, and its inclusion in the
   * gateway's ledger under a checkpoint signed by the gateway.
   */
  async agreement(id: string, ledgerOrigin = this.ledgerOrigin): Promise<{ agreement: Agreement; signatures: JsonSignature[]; seq: number; checkpointSize: number }> {
    const r = await this.client.json<{
      agreement: Agreement; signatures: JsonSignature[];
      ledger: { seq: number; leaf: string; leafHash: string; checkpoint: string; size: number; inclusionProof: string[] };
    }>('GET', `/agreements/${encodeURIComponent(id)}`);
    const a = r.agreement;
    if (!verifyAgreementSignature(a, r.signatures[0], a.assigner) || !verifyAgreementSignature(a, r.signatures[1], a.assignee)) {
      throw new DataportError('DP_ERR_SIGNATURE_INVALID', `agreement ${id} does not carry valid signatures of both parties`);
    }
    const cp = verifyCheckpoint(r.ledger.checkpoint, { name: ledgerOrigin, publicKey: publicKeyFromDid(this.gatewayDid!) }, ledgerOrigin);
    const leaf = fromBase64(r.ledger.leaf);
    const entry = ledgerEntryOf<{ agreement: Agreement }>(leaf);
    if (canonicalize(entry.body.agreement) !== canonicalize(a)) {
      throw new DataportError('DP_ERR_LEDGER_TAMPERED', 'the ledger entry does not hold this agreement');
    }
    if (!verifyInclusion(r.ledger.seq, cp.size, leafHash(leaf), r.ledger.inclusionProof.map(fromBase64), cp.rootHash)) {
      throw new DataportError('DP_ERR_LEDGER_TAMPERED', `agreement ${id}: the inclusion proof does not lead to the signed checkpoint`);
    }
    return { agreement: a, signatures: r.signatures, seq: r.ledger.seq, checkpointSize: cp.size };
  }
}
