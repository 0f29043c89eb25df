// The data plane: provider connector -> gateway pipeline -> consumer, as an Apache Arrow IPC
// stream end to end. Batches are pulled from the provider only as fast as the consumer reads
// (async iteration over the upstream reader, writes that wait for the socket to drain), so memory
// stays flat. Between batches the policy is re-evaluated and suspension/termination honoured;
// nothing after the last good batch is forwarded. Every few batches the input and output digests
// go to the ledger; the completion entry (totals, plan hash) is the receipt's leaf.
import { createHash } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { once } from 'node:events';
import { RecordBatchReader, RecordBatchStreamWriter, type RecordBatch } from 'apache-arrow';
import { fromBase64, toBase64 } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import { createAnonymizer } from '../pipeline/stream.js';
import type { PipelinePlan } from '../../policies/pipeline/index.js';
import type { LedgerStore } from '../store/types.js';
import type { PeerClient } from '../peer-client.js';
import type { ControlPlane } from '../state/control-plane.js';
import type { BatchDigest, Transfer } from '../state/transfers.js';
import { DSP_CONTEXT } from '../../policies/dsp/version.js';
import { RECEIPT, type Receipt } from '../../policies/transfer/receipt.js';
import type { ComplianceService } from '../compliance/service.js';
import type { TransferService } from './service.js';
import type { TransferMeter } from '../metrics/index.js';

/** Digests of this many batches share one ledger entry. */
const DIGESTS_PER_ENTRY = 8;

export interface DataPlaneOptions {
  state: ControlPlane;
  ledger: LedgerStore;
  peers: PeerClient;
  service: TransferService;
  /** Where a privacy model spools a transfer (the gateway's data directory). */
  spoolDir: string;
  /** Counts the individuals whose data leaves, and stops a transfer at a line it may not cross. */
  compliance: ComplianceService;
  /** Rows, bytes, stage latencies and refusals, for /metrics. */
  metrics?: TransferMeter;
}

/** SHA-256 over every buffer of every column, in schema order: what a batch holds, without re-encoding it. */
export function batchDigest(batch: RecordBatch): string {
  const h = createHash('sha256');
  for (const child of batch.data.children) hashData(h, child);
  return h.digest('hex');
}

function hashData(h: ReturnType<typeof createHash>, d: RecordBatch['data']['children'][number]): void {
  for (const buf of [d.valueOffsets, d.values, d.nullBitmap, d.typeIds] as (ArrayBufferView | undefined)[]) {
    if (buf && buf.byteLength) h.update(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }
  for (const c of d.children) hashData(h, c);
}

export class DataPlane {
  private readonly o: DataPlaneOptions;

  constructor(opts: DataPlaneOptions) {
    this.o = opts;
  }

  async receipt(t: Transfer): Promise<Receipt> {
    if (t.completionSeq === undefined) throw new DataportError('DP_ERR_NOT_FOUND', `transfer ${t.providerPid} has not completed`);
    const cp = this.o.ledger.checkpoint();
    return {
      providerPid: t.providerPid, seq: t.completionSeq, leaf: toBase64((await this.o.ledger.entry(t.completionSeq)).raw), checkpoint: cp.note, size: cp.size,
      inclusionProof: this.o.ledger.inclusionProof(t.completionSeq, cp.size).map(toBase64),
    };
  }

  /** Push: the gateway POSTs the stream to the consumer's endpoint. */
  async push(t: Transfer): Promise<void> {
    const body = pushStream();
    const delivered = this.o.peers.postStream(t.pushEndpoint!, body, { 'x-dataport-plan-hash': t.planHash })
      .catch((e: unknown) => ({ status: 0, body: (e as Error).message }));
    await this.run(t, body);
    const res = await delivered;
    const now = this.o.state.transfers.get(t.providerPid)!;
    if ((res.status < 200 || res.status >= 300) && now.state === 'STARTED') {
      await this.o.service.terminate(now, 'gateway', 'DP_ERR_DELIVERY_FAILED', [`the consumer's push endpoint answered ${res.status || String(res.body)}`]);
    }
  }

  /** Opens the provider's stream for a transfer, from the batch where the last run stopped. */
  private async upstream(t: Transfer, fromBatch: number): Promise<{ reader: AsyncIterable<RecordBatch>; secret: Uint8Array; close: () => void; failure: () => Error | undefined }> {
    const provider = this.o.state.participant(t.provider);
    if (!provider?.callbackAddress) throw new DataportError('DP_ERR_DELIVERY_FAILED', 'the provider has no connector address to pull the data from');
    const q = new URLSearchParams({ agreement: t.agreementId, transfer: t.providerPid, fromBatch: String(fromBatch) });
    const res = await this.o.peers.stream(provider.callbackAddress, `dataport/data/${encodeURIComponent(t.datasetId)}?${q}`);
    if (res.status !== 200) {
      res.body.resume();
      throw new DataportError('DP_ERR_DELIVERY_FAILED', `the provider connector answered ${res.status} for the data of ${t.datasetId}`);
    }
    const secretHeader = res.headers['x-dataport-agreement-secret'];
    if (typeof secretHeader !== 'string') throw new DataportError('DP_ERR_DELIVERY_FAILED', 'the provider connector sent no pseudonym secret for this agreement');
    // A provider whose stream breaks mid-way must not look like one that finished: the Arrow
    // reader ends quietly on a cut body, so remember the body's error and check it at the end.
    let failure: Error | undefined;
    res.body.on('error', (e: Error) => (failure ??= e));
    // Arrow gets an iterator, not the stream, so it cannot destroy the body early after the end
    // of the stream (its abort would look like a cut).
    const reader = await RecordBatchReader.from(chunks(res.body));
    return {
      reader: reader as AsyncIterable<RecordBatch>,
      secret: fromBase64(secretHeader),
      close: () => res.body.destroy(),
      failure: () => failure,
    };
  }

  /**
   * Runs the transfer into `out` (the consumer's response body, or a push request's body).
   * Resolves when the stream ended, however it ended; the ledger says how. `from` (at most the
   * batches the ledger records as sent) starts the stream earlier: a consumer whose stream broke
   * off gets again the batches it did not receive, and they are not recorded twice.
   */
  async run(t: Transfer, out: Writable, from = t.batchesOut): Promise<void> {
    const { service, state, metrics } = this.o;
    let stopped: { code: string; reason: string } | undefined;
    service.streams.set(t.providerPid, { stop: (why) => (stopped ??= why) });
    const n = state.negotiations.get(state.agreements.get(t.agreementId)!)!;
    let up: Awaited<ReturnType<DataPlane['upstream']>> | undefined;
    let report: (() => unknown) | undefined;
    let index = t.batchesOut;
    let pending: BatchDigest[] = [];
    let pendingBytes = 0;
    const flushDigests = async () => {
      if (pending.length === 0 && pendingBytes === 0) return;
      const digests = pending;
      const bytes = pendingBytes; // bytes counted from here on belong to the next entry
      pending = [];
      pendingBytes = 0;
      await service.commit({ type: 'transfer.batches', body: { providerPid: t.providerPid, digests, bytes } });
    };
    out.on('error', () => undefined); // a consumer that goes away shows as `out.destroyed`
    const writer = new RecordBatchStreamWriter();
    // The writer's bytes go to `out` as fast as the consumer takes them, and no faster.
    const pump = (async () => {
      for await (const chunk of writer) {
        pendingBytes += chunk.byteLength;
        metrics?.bytes(t, chunk.byteLength);
        if (!out.write(chunk)) await drained(out);
        if (out.destroyed) stopped ??= { code: 'DP_ERR_STREAM_INTERRUPTED', reason: 'the consumer closed the connection' };
      }
    })();
    try {
      const plan = t.plan as PipelinePlan;
      // A whole-transfer stage (trajectories, a privacy model) must see every batch again to
      // decide the same way: a resumed run reads from the start and skips what was sent.
      const whole = plan.trajectory !== undefined || plan.privacy !== undefined;
      const start = Math.min(from, t.batchesOut);
      up = await this.upstream(t, whole ? 0 : start);
      const source = up.reader;
      const dataset = state.datasets.get(t.datasetId)!;
      const gate = this.o.compliance.gate(t, dataset, this.o.compliance.facts(dataset));
      const anonymizer = createAnonymizer(plan, up.secret, { spoolDir: this.o.spoolDir, admit: gate.admit });
      report = () => anonymizer.report();
      let skip = whole ? start : 0;
      index = start;
      // This transfer is one of the uses already; the count does not change while it runs.
      const uses = service.useCount(t.agreementId);
      // Each output batch pairs with the input batch it came from: the stages keep one per input, in order.
      const inputs: { rows: number; digest: string; at: number }[] = [];
      const began = performance.now();
      let first = true;
      const read = async function* (): AsyncGenerator<RecordBatch> {
        for await (const input of source) {
          if (stopped) return;
          // Re-evaluate the agreement: dateTime and elapsedTime can run out mid-transfer.
          service.evaluate(n, 'reevaluation', uses);
          inputs.push({ rows: input.numRows, digest: batchDigest(input), at: performance.now() });
          yield input;
        }
      };
      for await (const output of anonymizer.run(read())) {
        const input = inputs.shift()!;
        if (first && whole) metrics?.stage(plan.privacy ? 'privacy-search' : 'trajectory', (performance.now() - began) / 1000);
        first = false;
        if (skip > 0) {
          skip--;
          continue;
        }
        if (stopped) break;
        // Batches the ledger already records as sent go again unrecorded (the stream before broke off).
        if (index >= t.batchesOut) pending.push({ batch: index, rowsIn: input.rows, rowsOut: output.numRows, inDigest: input.digest, outDigest: batchDigest(output) });
        index++;
        writer.write(output);
        metrics?.batch(t, input.rows, output.numRows);
        metrics?.stage('batch', (performance.now() - input.at) / 1000);
        await new Promise((r) => setImmediate(r)); // let the pump hand this batch to `out`
        if (out.writableNeedDrain) await drained(out);
        if (pending.length >= DIGESTS_PER_ENTRY) await flushDigests();
      }
      const cut = up.failure();
      if (cut && !stopped) throw new DataportError('DP_ERR_TRANSFER_FAILED', `the provider's stream broke off after ${index} batches: ${cut.message}`);
      writer.finish();
      await pump;
      await flushDigests();
      if (stopped?.code === 'DP_ERR_STREAM_INTERRUPTED' && state.transfers.get(t.providerPid)!.state === 'STARTED') {
        // The consumer went away mid-stream: suspend, so it can resume from the last batch sent.
        await service.commit({ type: 'transfer.suspended', body: { providerPid: t.providerPid, by: 'gateway', code: stopped.code, reason: [stopped.reason] } });
      }
      if (stopped) {
        out.destroy(); // suspended or terminated (the state is recorded): the reader sees the cut
        return;
      }
      const current = state.transfers.get(t.providerPid)!;
      await service.commit({
        type: 'transfer.completed',
        body: { providerPid: t.providerPid, batches: current.batchesOut, rowsIn: current.rowsIn, rowsOut: current.rowsOut, bytes: current.bytesOut, planHash: t.planHash, report: (report?.() ?? null) as never },
      });
      out.end();
      const receipt = await this.receipt(state.transfers.get(t.providerPid)!);
      service.spawn(() => this.o.peers.post(t.callbackAddress, `transfers/${t.consumerPid}/completion`, {
        '@context': [DSP_CONTEXT], '@type': 'TransferCompletionMessage', providerPid: t.providerPid, consumerPid: t.consumerPid, [RECEIPT]: receipt,
      }));
    } catch (e) {
      const err = e instanceof DataportError ? e : new DataportError('DP_ERR_TRANSFER_FAILED', (e as Error).message);
      await flushDigests().catch(() => undefined);
      metrics?.denied(err.code, 'transfer', err.message);
      await service.terminate(state.transfers.get(t.providerPid)!, 'gateway', err.code, [err.message]);
      out.destroy(err); // the consumer sees a cut stream, and the termination message says why
    } finally {
      service.streams.delete(t.providerPid);
      up?.close();
      if (!writer.closed) writer.close();
    }
  }
}

/** The stream a pull request's reply sends: bytes written by `run`, read by fastify. */
export function replyStream(): PassThrough & Readable {
  return new PassThrough({ highWaterMark: 1 << 20 });
}

/** The chunks of a stream, as a plain async iterator. */
export async function* chunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of body) yield c;
  } catch {
    // a cut body: recorded by its 'error' listener, and checked when the batches end
  }
}

/** The stream a push request's body reads from. */
export function pushStream(): PassThrough {
  return new PassThrough({ highWaterMark: 1 << 20 });
}

/** Resolves when `out` can take more, or has gone away (and removes the listener that lost). */
async function drained(out: Writable): Promise<void> {
  if (out.destroyed) return;
  const ac = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'close', { signal: ac.signal })]);
  } catch {
    // 'error' before either: the stream is gone, which the caller sees as `out.destroyed`
  } finally {
    ac.abort();
  }
}
