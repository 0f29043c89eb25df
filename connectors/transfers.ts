// The connector's side of the DSP transfer process: a consumer requests a transfer under an
// agreement, is told where to pull (TransferStartMessage), reads the Arrow stream, and checks the
// gateway's receipt; a provider serves its local files as Arrow streams to the gateway.
import { randomUUID } from 'node:crypto';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { request as undiciRequest } from 'undici';
import { toBase64 } from '../crypto/bytes.js';
import { DataportError } from '../crypto/errors.js';
import { signRequest } from '../crypto/http-signatures.js';
import type { Identity } from '../crypto/identity.js';
import { agreementSecret, pseudonymRoot } from '../crypto/provider-secrets.js';
import { DSP_CONTEXT } from '../policies/dsp/version.js';
import { assertDspMessage } from '../policies/dsp/validate.js';
import { DATAPORT_NS } from '../policies/negotiation/extensions.js';
import { RECEIPT, verifyReceipt, type CompletionEntry, type Receipt } from '../policies/transfer/receipt.js';

export { RECEIPT, verifyReceipt, type CompletionEntry, type Receipt };
import { transferTransition, type TransferMessageKind, type TransferProcessState } from '../policies/transfer/state-machine.js';
import { GatewayError, type SignedClient } from './signed-http.js';
import { readSource, toArrowStream, type SourceField } from './sources/index.js';

export const PULL_FORMAT = 'dataport:ArrowStream-PULL';
export const PUSH_FORMAT = 'dataport:ArrowStream-PUSH';
const ARROW_STREAM_ENDPOINT = `${DATAPORT_NS}ArrowStream`;

/**
 * Hands batches from a push request's handler to the application, one at a time: the handler
 * waits until the application has taken a batch, so a slow reader slows the gateway down.
 */
class BatchQueue implements AsyncIterable<RecordBatch> {
  private waiting: ((r: IteratorResult<RecordBatch>) => void) | undefined;
  private offered: { batch: RecordBatch; taken: () => void } | undefined;
  private ended = false;
  private failure: Error | undefined;

  offer(batch: RecordBatch): Promise<void> {
    return new Promise((taken) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w({ value: batch, done: false });
        taken();
      } else {
        this.offered = { batch, taken };
      }
    });
  }

  end(failure?: Error): void {
    this.ended = true;
    this.failure = failure;
    this.waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    return {
      next: () => {
        if (this.offered) {
          const { batch, taken } = this.offered;
          this.offered = undefined;
          taken();
          return Promise.resolve({ value: batch, done: false });
        }
        if (this.failure) return Promise.reject(this.failure);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

export interface LocalDataset {
  path: string;
  format: 'csv' | 'ndjson' | 'dataset-json' | 'arrow' | 'gps-trace';
  schema?: SourceField[];
  delimiter?: string;
  batchRows?: number;
}

interface ConsumerTransfer {
  consumerPid: string;
  /** Push: where the gateway's POSTed batches are handed to the application. */
  queue?: BatchQueue;
  providerPid?: string;
  state: TransferProcessState | undefined;
  started?: { resolve: (address: { endpoint: string; token: string }) => void; reject: (e: Error) => void };
  completed?: { resolve: (r: CompletionEntry) => void; reject: (e: Error) => void };
}

/** A pull stream that breaks off is fetched again at most this often. */
const MAX_REFETCHES = 5;
/** How long to wait for a suspension or termination message after a stream broke off. */
const REFETCH_SETTLE_MS = 500;
/** How long to keep asking for a broken stream again (the dead replica's lease must expire first). */
const REFETCH_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TransferClient {
  private readonly transfers = new Map<string, ConsumerTransfer>();

  constructor(
    private readonly client: SignedClient,
    private readonly identity: Identity,
    private readonly ctx: { callbackAddress: () => string; gatewayDid: () => string; origin: () => string; datasets: Record<string, LocalDataset>; onMessage?: (d: 'sent' | 'received', m: Record<string, unknown>) => void },
  ) {}

  /**
   * Requests a pull transfer under an agreement and returns its Arrow batches as they arrive, and
   * the completion: the totals from the gateway's ledger, proven by the receipt.
   */
  async pull(agreementId: string): Promise<{ providerPid: string; batches: AsyncIterable<RecordBatch>; completed: Promise<CompletionEntry> }> {
    const consumerPid = `urn:uuid:${randomUUID()}`;
    const t: ConsumerTransfer = { consumerPid, state: undefined };
    this.transfers.set(consumerPid, t);
    const address = new Promise<{ endpoint: string; token: string }>((resolve, reject) => (t.started = { resolve, reject }));
    const completed = new Promise<CompletionEntry>((resolve, reject) => (t.completed = { resolve, reject }));
    completed.catch(() => undefined);
    const message = { '@context': [DSP_CONTEXT], '@type': 'TransferRequestMessage', consumerPid, agreementId, format: PULL_FORMAT, callbackAddress: this.ctx.callbackAddress() };
    this.ctx.onMessage?.('sent', message);
    const ack = await this.client.json<{ providerPid: string; state: TransferProcessState }>('POST', '/transfers/request', message);
    t.providerPid = ack.providerPid;
    t.state ??= ack.state;
    const { endpoint, token } = await address;
    const first = await this.open(endpoint, token);
    return { providerPid: ack.providerPid, batches: this.refetching(t, endpoint, token, first), completed };
  }

  /**
   * The batches of a pull, fetched again when the stream breaks off while the transfer is still
   * STARTED: the gateway replica that served it died (one that suspends or terminates a transfer
   * says so in a message, and the state moves). The fetch says how many batches arrived here;
   * another replica sends again those the ledger records as sent but that never arrived, and goes
   * on from there. A stream may start before the last batch received (the dead replica sent some it
   * had not recorded yet): those are skipped, so every batch is handed over once.
   */
  private async *refetching(t: ConsumerTransfer, endpoint: string, token: string, first: { batches: AsyncIterable<RecordBatch>; from: number }): AsyncGenerator<RecordBatch> {
    let stream = first;
    let received = first.from;
    for (let refetches = 0; ; refetches++) {
      let skip = received - stream.from;
      try {
        for await (const batch of stream.batches) {
          if (skip > 0) {
            skip--;
            continue;
          }
          received++;
          yield batch;
        }
        return;
      } catch (e) {
        if ((e as GatewayError).code !== 'DP_ERR_STREAM_INTERRUPTED' || refetches >= MAX_REFETCHES) throw e;
        // A suspension or termination message may be on its way: give it a moment.
        await sleep(REFETCH_SETTLE_MS);
        if (t.state !== 'STARTED') throw e;
        stream = await this.reopen(t, `${endpoint}${endpoint.includes('?') ? '&' : '?'}fromBatch=${received}`, token, e as Error);
      }
    }
  }

  /** Fetches a STARTED pull again; the replica that held its stream keeps it leased (409) until the lease expires. */
  private async reopen(t: ConsumerTransfer, endpoint: string, token: string, cause: Error): Promise<{ batches: AsyncIterable<RecordBatch>; from: number }> {
    const deadline = Date.now() + REFETCH_WAIT_MS;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await this.open(endpoint, token);
      } catch (e) {
        const busy = e instanceof GatewayError && (e.status === 409 || e.status >= 502);
        if (!busy && e instanceof GatewayError) throw e;
        if (Date.now() + delay > deadline || t.state !== 'STARTED') throw cause;
        await sleep(delay);
      }
    }
  }

  /**
   * Requests a push transfer: the gateway POSTs the Arrow stream to this connector's callback
   * server; the batches are handed over as they arrive, at the pace the caller reads them.
   */
  async push(agreementId: string): Promise<{ providerPid: string; batches: AsyncIterable<RecordBatch>; completed: Promise<CompletionEntry> }> {
    const consumerPid = `urn:uuid:${randomUUID()}`;
    const t: ConsumerTransfer = { consumerPid, state: undefined, queue: new BatchQueue() };
    this.transfers.set(consumerPid, t);
    const completed = new Promise<CompletionEntry>((resolve, reject) => (t.completed = { resolve, reject }));
    completed.catch(() => undefined);
    t.started = { resolve: () => undefined, reject: (e) => t.queue!.end(e) };
    const message = {
      '@context': [DSP_CONTEXT], '@type': 'TransferRequestMessage', consumerPid, agreementId, format: PUSH_FORMAT, callbackAddress: this.ctx.callbackAddress(),
      dataAddress: { '@type': 'DataAddress', endpointType: ARROW_STREAM_ENDPOINT, endpoint: `${this.ctx.callbackAddress()}/dataport/push/${consumerPid}` },
    };
    this.ctx.onMessage?.('sent', message);
    const ack = await this.client.json<{ providerPid: string; state: TransferProcessState }>('POST', '/transfers/request', message);
    t.providerPid = ack.providerPid;
    t.state ??= ack.state;
    return { providerPid: ack.providerPid, batches: t.queue!, completed };
  }

  /** Reads a transfer's Arrow stream from the gateway: a signed GET with the bearer token. */
  async read(endpoint: string, token: string): Promise<AsyncIterable<RecordBatch>> {
    return (await this.open(endpoint, token)).batches;
  }

  /** The stream, and the transfer's batch number it starts at (x-dataport-from-batch). */
  private async open(endpoint: string, token: string): Promise<{ batches: AsyncIterable<RecordBatch>; from: number }> {
    const headers: Record<string, string> = { accept: 'application/vnd.apache.arrow.stream', authorization: `Bearer ${token}` };
    Object.assign(headers, signRequest({ method: 'GET', url: endpoint, headers }, this.identity));
    const res = await undiciRequest(endpoint, { method: 'GET', headers, bodyTimeout: 0 });
    if (res.statusCode !== 200) {
      const body = (await res.body.json().catch(() => ({}))) as { code?: string; reason?: string[] };
      throw new GatewayError(res.statusCode, body.code ?? 'DP_ERR_BAD_RESPONSE', (body.reason ?? []).join('; '));
    }
    // The Arrow reader ends quietly on a cut body; a stream the gateway cut (a termination) must
    // not look finished, so the iteration throws at its end when the body broke off.
    let failure: Error | undefined;
    res.body.on('error', (e: Error) => (failure ??= e));
    const from = Number(res.headers['x-dataport-from-batch'] ?? 0);
    const reader = (await RecordBatchReader.from(chunks(res.body))) as AsyncIterable<RecordBatch>;
    const batches = (async function* () {
      try {
        yield* reader;
      } catch (e) {
        throw new GatewayError(409, 'DP_ERR_STREAM_INTERRUPTED', `the data stream broke off: ${(e as Error).message}`);
      }
      if (failure) throw new GatewayError(409, 'DP_ERR_STREAM_INTERRUPTED', `the data stream broke off: ${failure.message}`);
    })();
    return { batches, from: Number.isSafeInteger(from) && from >= 0 ? from : 0 };
  }

  /** Sends a transfer message (suspension, start to resume, termination) to the gateway. */
  async send(providerPid: string, kind: 'TransferSuspensionMessage' | 'TransferStartMessage' | 'TransferTerminationMessage', extra: Record<string, unknown> = {}): Promise<void> {
    const t = [...this.transfers.values()].find((x) => x.providerPid === providerPid);
    if (!t) throw new DataportError('DP_ERR_NOT_FOUND', `transfer ${providerPid}`);
    const path = { TransferSuspensionMessage: 'suspension', TransferStartMessage: 'start', TransferTerminationMessage: 'termination' }[kind];
    const message = { '@context': [DSP_CONTEXT], '@type': kind, providerPid, consumerPid: t.consumerPid, ...extra };
    if (kind === 'TransferStartMessage') {
      // A resume: wait for the gateway's new TransferStartMessage, with a new token.
      t.state = 'SUSPENDED';
    }
    this.ctx.onMessage?.('sent', message);
    await this.client.json('POST', `/transfers/${encodeURIComponent(providerPid)}/${path}`, message);
    if (kind === 'TransferSuspensionMessage') t.state = 'SUSPENDED';
    if (kind === 'TransferTerminationMessage') t.state = 'TERMINATED';
  }

  /** Resumes a suspended pull: the gateway starts it again and the stream continues from the last batch sent. */
  async resume(providerPid: string): Promise<AsyncIterable<RecordBatch>> {
    const t = [...this.transfers.values()].find((x) => x.providerPid === providerPid);
    if (!t) throw new DataportError('DP_ERR_NOT_FOUND', `transfer ${providerPid}`);
    const address = new Promise<{ endpoint: string; token: string }>((resolve, reject) => (t.started = { resolve, reject }));
    await this.send(providerPid, 'TransferStartMessage');
    const { endpoint, token } = await address;
    return this.read(endpoint, token);
  }

  private move(t: ConsumerTransfer, kind: TransferMessageKind): void {
    const r = transferTransition(t.state ?? 'REQUESTED', kind, 'provider');
    if (!r.ok) throw new DataportError('DP_ERR_INVALID_TRANSITION', r.reason);
    t.state = r.to;
  }

  private transfer(consumerPid: string, providerPid: unknown): ConsumerTransfer {
    const t = this.transfers.get(consumerPid);
    if (!t || (t.providerPid !== undefined && t.providerPid !== providerPid)) throw new DataportError('DP_ERR_NOT_FOUND', `transfer process ${consumerPid}`);
    t.providerPid ??= String(providerPid);
    return t;
  }

  /** The consumer callback bindings of the transfer process, and the provider's data endpoint. */
  routes(app: FastifyInstance): void {
    type P = { Params: { consumerPid: string }; Body: Record<string, unknown> };
    const ack = (t: ConsumerTransfer) => ({ '@context': [DSP_CONTEXT], '@type': 'TransferProcess', providerPid: t.providerPid, consumerPid: t.consumerPid, state: t.state });

    app.post<P>('/callback/transfers/:consumerPid/start', async (request) => {
      assertDspMessage('TransferStartMessage', request.body);
      const t = this.transfer(request.params.consumerPid, request.body.providerPid);
      this.move(t, 'TransferStartMessage');
      if (t.queue) return ack(t); // push: the data comes to us
      const address = request.body.dataAddress as { endpoint?: string; endpointProperties?: { name: string; value: string }[] } | undefined;
      const token = address?.endpointProperties?.find((p) => p.name === 'authorization')?.value;
      if (!address?.endpoint || !token) throw new DataportError('DP_ERR_BAD_REQUEST', 'a pull start needs dataAddress.endpoint and an authorization token');
      setImmediate(() => t.started?.resolve({ endpoint: address.endpoint!, token }));
      return ack(t);
    });

    app.post<P>('/callback/transfers/:consumerPid/completion', async (request) => {
      assertDspMessage('TransferCompletionMessage', request.body);
      const t = this.transfer(request.params.consumerPid, request.body.providerPid);
      this.move(t, 'TransferCompletionMessage');
      const receipt = request.body[RECEIPT] as Receipt | undefined;
      try {
        if (!receipt) throw new DataportError('DP_ERR_BAD_REQUEST', 'the completion carries no receipt');
        t.completed?.resolve(verifyReceipt(receipt, this.ctx.gatewayDid(), this.ctx.origin(), t.providerPid!));
      } catch (e) {
        t.completed?.reject(e as Error);
        throw e;
      }
      return ack(t);
    });

    app.post<P>('/callback/transfers/:consumerPid/termination', async (request) => {
      assertDspMessage('TransferTerminationMessage', request.body);
      const t = this.transfer(request.params.consumerPid, request.body.providerPid);
      this.move(t, 'TransferTerminationMessage');
      const err = new GatewayError(409, String(request.body.code ?? 'terminated'), ((request.body.reason as string[] | undefined) ?? []).join('; '));
      t.started?.reject(err);
      t.completed?.reject(err);
      t.queue?.end(err);
      return ack(t);
    });

    // Push: the gateway POSTs the Arrow stream here.
    app.addContentTypeParser('application/vnd.apache.arrow.stream', (_request, payload, done) => done(null, payload));
    app.post<{ Params: { consumerPid: string } }>('/callback/dataport/push/:consumerPid', async (request) => {
      const t = this.transfers.get(request.params.consumerPid);
      if (!t?.queue) throw new DataportError('DP_ERR_NOT_FOUND', `push transfer ${request.params.consumerPid}`);
      let rows = 0;
      try {
        const reader = await RecordBatchReader.from(request.body as AsyncIterable<Uint8Array>);
        for await (const batch of reader as AsyncIterable<RecordBatch>) {
          rows += batch.numRows;
          await t.queue.offer(batch);
        }
        t.queue.end();
      } catch (e) {
        t.queue.end(e as Error); // a cut stream: the termination message will say why
        throw new DataportError('DP_ERR_STREAM_INTERRUPTED', (e as Error).message);
      }
      return { received: rows };
    });

    app.post<P>('/callback/transfers/:consumerPid/suspension', async (request) => {
      assertDspMessage('TransferSuspensionMessage', request.body);
      const t = this.transfer(request.params.consumerPid, request.body.providerPid);
      this.move(t, 'TransferSuspensionMessage');
      return ack(t);
    });

    // Provider role: the gateway pulls a dataset's rows for a transfer.
    const root = pseudonymRoot(this.identity.secretKey);
    app.get<{ Params: { datasetId: string }; Querystring: { agreement: string; transfer: string; fromBatch?: string } }>('/callback/dataport/data/:datasetId', async (request, reply) => {
      const local = this.ctx.datasets[request.params.datasetId];
      if (!local) throw new DataportError('DP_ERR_NOT_FOUND', `this connector serves no dataset ${request.params.datasetId}`);
      const skip = Number(request.query.fromBatch ?? 0);
      if (!Number.isSafeInteger(skip) || skip < 0) throw new DataportError('DP_ERR_BAD_REQUEST', 'fromBatch must be a non-negative integer');
      const batches = skipBatches(readSource(local.path, local.format, { batchRows: local.batchRows, schema: local.schema, delimiter: local.delimiter }), skip);
      return reply
        .type('application/vnd.apache.arrow.stream')
        .header('x-dataport-agreement-secret', toBase64(agreementSecret(root, request.query.agreement)))
        .send(toArrowStream(batches));
    });
  }
}

/** A body's chunks as a plain async iterator: Arrow then cannot destroy the body early, and a cut shows as `failure`. */
async function* chunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of body) yield c;
  } catch {
    // recorded by the body's 'error' listener
  }
}

async function* skipBatches(batches: AsyncIterable<RecordBatch>, n: number): AsyncGenerator<RecordBatch> {
  let i = 0;
  for await (const b of batches) if (i++ >= n) yield b;
}
