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
import { ACK_GRACE_MS } from '../state/control-plane.js';
import { TransferService } from './service.js';

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
    // A consumer whose stream broke off says how many batches it has; the ledger's count bounds it.
    const asked = request.query.fromBatch;
    let from = 0;
    // The stream holds the transfer's drive lease while it runs: one reader at a time, on any replica.
    await new Promise<void>((resolve, reject) => {
      let streaming = false;
      const run = service.state.exclusive(TransferService.pullKey(t.providerPid), async () => {
        // The consumer fetches as soon as the start message reaches it, maybe before its acknowledgement is committed.
        await service.state.settle(() => service.state.transfers.get(t.providerPid)!.state !== 'REQUESTED', ACK_GRACE_MS);
        const now = service.state.transfers.get(t.providerPid)!;
        if (now.state !== 'STARTED') throw new DataportError('DP_ERR_INVALID_TRANSITION', `the transfer is ${now.state}, not STARTED`);
        if (service.streams.has(t.providerPid)) throw new DataportError('DP_ERR_CONFLICT', 'the data of this transfer is already being read');
        streaming = true;
        from = Math.min(asked ?? now.batchesOut, now.batchesOut);
        resolve();
        await dataPlane.run(now, out, from);
      }, { waitMs: 0 });
      service.track(run.catch((e: unknown) => {
        if (streaming) return;
        reject((e as DataportError).code === 'DP_ERR_BUSY' ? new DataportError('DP_ERR_CONFLICT', 'the data of this transfer is already being read') : e);
      }));
    });
    // Where this stream starts: after a broken stream, the batches the ledger records as sent are not sent again.
    return reply.type('application/vnd.apache.arrow.stream').header('x-dataport-plan-hash', t.planHash).header('x-dataport-from-batch', String(from)).send(out);
  });

  app.get<{ Params: { providerPid: string } }>('/transfers/:providerPid/receipt', { schema: { tags: ['dsp-transfer'], summary: 'The completion entry\'s inclusion proof under a signed checkpoint', params: pidParam } }, async (request) =>
    dataPlane.receipt(service.find(request.params.providerPid, request.signer)));
};
