// DSP 2025-1 contract negotiation, provider path bindings (contract.negotiation.binding.https.md),
// plus the provider's approval route and agreements with their ledger inclusion proofs.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { toBase64 } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import { assertDspMessage } from '../../policies/dsp/validate.js';
import { DSP_CONTEXT } from '../../policies/dsp/version.js';
import { toDataportError } from '../errors-plugin.js';
import type { LedgerStore } from '../store/types.js';
import type { ControlPlane } from '../state/control-plane.js';
import type { NegotiationService, ProviderDecision } from './service.js';

export interface NegotiationRoutesOptions {
  service: NegotiationService;
  state: ControlPlane;
  ledger: LedgerStore;
}

type Msg = Record<string, unknown>;
type PidParams = { Params: { providerPid: string }; Body: Msg };

const pidParam = { type: 'object', properties: { providerPid: { type: 'string' } }, required: ['providerPid'] } as const;
const dspBody = { type: 'object' } as const;
const ack = {
  description: 'ContractNegotiation (DSP 2025-1)',
  type: 'object',
  required: ['@context', '@type', 'providerPid', 'consumerPid', 'state'],
  properties: {
    '@context': { type: 'array', items: { type: 'string' } }, '@type': { const: 'ContractNegotiation' },
    providerPid: { type: 'string' }, consumerPid: { type: 'string' }, state: { type: 'string' },
  },
} as const;

export const negotiationRoutes: FastifyPluginAsync<NegotiationRoutesOptions> = async (app, { service, state, ledger }) => {
  // DSP: errors are ContractNegotiationError bodies (with our DP_ERR code as `code`).
  app.setErrorHandler((err, request: FastifyRequest, reply: FastifyReply) => {
    const e = toDataportError(err);
    if (e.status >= 500) request.log.error({ err }, 'negotiation request failed');
    const body = (request.body ?? {}) as Msg;
    const params = (request.params ?? {}) as { providerPid?: string };
    void reply.status(e.status).type('application/json').send({
      '@context': [DSP_CONTEXT], '@type': 'ContractNegotiationError',
      providerPid: String(params.providerPid ?? body.providerPid ?? ''), consumerPid: String(body.consumerPid ?? ''),
      code: e.code, reason: [e.message], ...(e.details === undefined ? {} : { details: e.details }),
    });
  });

  const schema = (summary: string, params = false) => ({
    tags: ['dsp-negotiation'], summary, ...(params ? { params: pidParam } : {}), body: dspBody, response: { 200: ack, 201: ack },
  });

  app.get<{ Params: { providerPid: string } }>('/negotiations/:providerPid', { schema: { tags: ['dsp-negotiation'], params: pidParam } }, async (request) =>
    service.ack(service.find(request.params.providerPid, request.signer)));

  app.post<{ Body: Msg }>('/negotiations/request', { schema: schema('ContractRequestMessage: start a negotiation') }, async (request, reply) => {
    assertDspMessage('ContractRequestMessage', request.body);
    if (request.body.providerPid !== undefined) throw new DataportError('DP_ERR_BAD_REQUEST', 'an initial request has no providerPid; POST /negotiations/:providerPid/request to counter an offer');
    const { created, ack: body } = await service.request(request.signer!, request.body);
    return reply.status(created ? 201 : 200).send(body);
  });

  app.post<PidParams>('/negotiations/:providerPid/request', { schema: schema('ContractRequestMessage: counter the provider\'s offer', true) }, async (request) => {
    assertDspMessage('ContractRequestMessage', request.body);
    return (await service.request(request.signer!, request.body, request.params.providerPid)).ack;
  });

  app.post<PidParams>('/negotiations/:providerPid/events', { schema: schema('ContractNegotiationEventMessage (ACCEPTED)', true) }, async (request) => {
    assertDspMessage('ContractNegotiationEventMessage', request.body);
    await service.event(request.signer!, request.params.providerPid, request.body);
    return service.ack(service.find(request.params.providerPid, request.signer));
  });

  app.post<PidParams>('/negotiations/:providerPid/agreement/verification', { schema: schema('ContractAgreementVerificationMessage', true) }, async (request) => {
    assertDspMessage('ContractAgreementVerificationMessage', request.body);
    await service.verification(request.signer!, request.params.providerPid, request.body);
    return service.ack(service.find(request.params.providerPid, request.signer));
  });

  app.post<PidParams>('/negotiations/:providerPid/termination', { schema: schema('ContractNegotiationTerminationMessage', true) }, async (request) => {
    assertDspMessage('ContractNegotiationTerminationMessage', request.body);
    const n = service.find(request.params.providerPid, request.signer);
    await service.termination(n.consumer === request.signer ? 'consumer' : 'provider', request.signer!, request.params.providerPid, request.body);
    return service.ack(n);
  });

  // ---- the provider's side (management) ------------------------------------------------------

  app.get('/approvals', { schema: { tags: ['negotiations'], summary: 'Negotiations waiting for the signer\'s decision (manual approval)' } }, async (request) => {
    const provider = state.requireParticipant(request.signer, 'provider').did;
    return service.pending(provider).map((n) => ({
      providerPid: n.providerPid, consumerPid: n.consumerPid, datasetId: n.datasetId, offerId: n.offerId, offer: n.offer, purpose: n.purpose,
      consumer: state.participant(n.consumer), proposedAgreement: service.proposal(n),
    }));
  });

  app.post<{ Params: { providerPid: string }; Body: ProviderDecision }>('/negotiations/:providerPid/approval', {
    schema: {
      tags: ['negotiations'], summary: 'The provider agrees (with its signature over the agreement), counters or rejects', params: pidParam,
      body: {
        type: 'object', required: ['decision'],
        properties: { decision: { enum: ['agree', 'counter', 'terminate'] }, agreement: { type: 'object' }, signature: { type: 'object' }, offer: { type: 'object' }, reason: { type: 'string' } },
      },
    },
  }, async (request) => {
    const d = request.body;
    if (d.decision === 'agree' && (!d.agreement || !d.signature)) throw new DataportError('DP_ERR_VALIDATION', 'agree needs the agreement and the provider\'s signature over it');
    if (d.decision === 'counter' && !d.offer) throw new DataportError('DP_ERR_VALIDATION', 'counter needs an offer');
    if (d.decision === 'terminate' && !d.reason) throw new DataportError('DP_ERR_VALIDATION', 'terminate needs a reason');
    await service.decide(request.signer!, request.params.providerPid, d);
    return service.ack(service.find(request.params.providerPid, request.signer));
  });

  app.get<{ Params: { id: string } }>('/agreements/:id', {
    schema: { tags: ['negotiations'], summary: 'An agreement with both signatures and its proof of inclusion in the ledger', params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
  }, async (request) => {
    const pid = state.agreements.get(request.params.id);
    const n = pid === undefined ? undefined : state.negotiations.get(pid);
    if (!n || (n.consumer !== request.signer && n.provider !== request.signer) || n.agreementSeq === undefined) {
      throw new DataportError('DP_ERR_NOT_FOUND', `agreement ${request.params.id}`);
    }
    const cp = ledger.checkpoint();
    const entry = await ledger.entry(n.agreementSeq);
    return {
      agreement: n.agreement, signatures: [n.providerSignature, n.consumerSignature], negotiation: { providerPid: n.providerPid, consumerPid: n.consumerPid, state: n.state },
      ledger: {
        seq: n.agreementSeq, leaf: toBase64(entry.raw), leafHash: toBase64(entry.leafHash),
        checkpoint: cp.note, size: cp.size, rootHash: toBase64(cp.rootHash), inclusionProof: ledger.inclusionProof(n.agreementSeq, cp.size).map(toBase64),
      },
    };
  });
};
