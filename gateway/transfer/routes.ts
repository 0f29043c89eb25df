// DSP 2025-1 transfer process, provider path bindings (transfer.process.binding.https.md), the
// pull data endpoint, and transfer receipts.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DataportError } from '../../crypto/errors.js';
import { assertDspMessage } from '../../policies/dsp/validate.js';
import { DSP_CONTEXT } from '../../policies/dsp/version.js';
import type { TransferMessageKind } from '../../policies/transfer/state-machine.js';
import { toDataportError } from '../errors-plugin.js';
import type { DataPlane } from './data-plane.js';
import { replyStream } from './data-plane.js';
import type { TransferService } from './service.js';

type Msg = Record<string, unknown>;
const pidParam = { type: 'object', properties: { providerPid: { type: 'string' } }, required: ['providerPid'] } as const;
const ack = {
  type: 'object', required: ['@context', '@type', 'providerPid', 'consumerPid', 'state'],
  properties: { '@context': { type: 'array', items: { type: 'string' } }, '@type': { const: 'TransferProcess' }, providerPid: { type: 'string' }, consumerPid: { type: 'string' }, state: { type: 'string' } },
} as const;

export const transferRoutes: FastifyPluginAsync<{ service: TransferService; dataPlane: DataPlane }> = async (app, { service, dataPlane }) => {
  app.setErrorHandler((err, request: FastifyRequest, reply: FastifyReply) => {
    const e = toDataportError(err);
    if (e.status >= 500) request.log.error({ err }, 'transfer request failed');
    const body = (request.body ?? {}) as Msg;
    const params = (request.params ?? {}) as { providerPid?: string };
    void reply.status(e.status).type('application/json').send({
      '@context': [DSP_CONTEXT], '@type': 'TransferError', providerPid: String(params.providerPid ?? body.providerPid ?? ''), consumerPid: String(body.consumerPid ?? ''),
      code: e.code, reason: [e.message], ...(e.details === undefined ? {} : { details: e.details }),
    });
  });

  app.get<{ Params: { providerPid: string } }>('/transfers/:providerPid', { schema: { tags: ['dsp-transfer'], params: pidParam, response: { 200: ack } } }, async (request) =>
    service.ack(service.find(request.params.providerPid, request.signer)));

  app.post<{ Body: Msg }>('/transfers/request', { schema: { tags: ['dsp-transfer'], summary: 'TransferRequestMessage', body: { type: 'object' }, response: { 200: ack, 201: ack } } }, async (request, reply) => {
    assertDspMessage('TransferRequestMessage', request.body);
    const { created, ack: body } = await service.request(request.signer!, request.body);
    return reply.status(created ? 201 : 200).send(body);
  });

  const messages: [string, TransferMessageKind][] = [
    ['start', 'TransferStartMessage'], ['suspension', 'TransferSuspensionMessage'], ['completion', 'TransferCompletionMessage'], ['termination', 'TransferTerminationMessage'],
  ];
  for (const [path, kind] of messages) {
    app.post<{ Params: { providerPid: string }; Body: Msg }>(`/transfers/:providerPid/${path}`, { schema: { tags: ['dsp-transfer'], summary: kind, params: pidParam, body: { type: 'object' }, response: { 200: ack } } }, async (request) => {
      assertDspMessage(kind, request.body);
      const t = service.find(request.params.providerPid, request.signer);
      const party = t.consumer === request.signer ? 'consumer' : 'provider';
      return service.ack(await service.message(party, request.signer!, request.params.providerPid, kind, request.body));
    });
  }

  // Pull: the consumer fetches the data with the bearer token of the TransferStartMessage, in a
  // request signed by the key the token is bound to.
  const fromQuery = { type: 'object', properties: { fromBatch: { type: 'integer', minimum: 0 } } } as const;
  app.get<{ Params: { providerPid: string }; Querystring: { fromBatch?: number } }>('/data/:providerPid', {
    schema: { tags: ['dsp-transfer'], summary: 'The transfer\'s data as an Apache Arrow IPC stream (pull); ?fromBatch=N after a stream broke off', params: pidParam, querystring: fromQuery },
  }, async (request, reply) => {
    const t = service.find(request.params.providerPid, request.signer);
    if (t.consumer !== request.signer) throw new DataportError('DP_ERR_NOT_FOUND', `transfer process ${t.providerPid}`);
    service.checkToken(request.headers.authorization, t.providerPid, request.signer);
    const out = replyStream();
    const from = await service.openPull(t.providerPid, request.query.fromBatch, (now, start) => dataPlane.run(now, out, start));
    // Where the stream starts: a consumer whose stream broke off skips what it already has from there.
    return reply.type('application/vnd.apache.arrow.stream').header('x-dataport-plan-hash', t.planHash).header('x-dataport-from-batch', String(from)).send(out);
  });

  app.get<{ Params: { providerPid: string } }>('/transfers/:providerPid/receipt', { schema: { tags: ['dsp-transfer'], summary: 'The completion entry\'s inclusion proof under a signed checkpoint', params: pidParam } }, async (request) =>
    dataPlane.receipt(service.find(request.params.providerPid, request.signer)));
};
