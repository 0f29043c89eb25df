// RecordBatches out as the Arrow IPC stream format, pulled: the next batch is taken from the
// source only when the consumer has read what the last one produced.
import { Readable } from 'node:stream';
import { AsyncByteQueue, RecordBatchStreamWriter, util, type RecordBatch, type Schema } from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';

/**
 * The writer's byte sink: it keeps what the writer writes until it is taken, instead of
 * queueing it for an async reader, so that writing one batch and taking its bytes is synchronous.
 */
class CollectingSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: ArrayBufferView): void {
    if (value.byteLength > 0) this.chunks.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }

  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}

class ArrowIpcReadable extends Readable {
  private readonly source: AsyncIterator<RecordBatch>;
  private readonly sink = new CollectingSink();
  private readonly writer = new RecordBatchStreamWriter();
  private schema: Schema | undefined;
  private pulling = false;

  constructor(batches: AsyncIterable<RecordBatch>) {
    super();
    this.source = batches[Symbol.asyncIterator]();
    this.writer.reset(this.sink);
  }

  override _read(): void {
    if (this.pulling) return;
    this.pulling = true;
    this.pull().catch((e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))));
  }

  /** One batch from the source, written, its bytes pushed; or the end of the stream. */
  private async pull(): Promise<void> {
    const next = await this.source.next();
    // Pushing may ask for more at once: that is a new pull.
    this.pulling = false;
    if (this.destroyed) return;
    if (next.done) {
      this.writer.close(); // writes the end-of-stream marker
      for (const chunk of this.sink.take()) this.push(chunk);
      this.push(null);
      return;
    }
    const batch = next.value;
    this.schema ??= batch.schema;
    // The writer would end the stream quietly at a new schema (same test: util.compareSchemas).
    if (!util.compareSchemas(this.schema, batch.schema)) {
      throw new DataportError('DP_ERR_VALIDATION', 'a batch of the stream has a schema different from the first batch');
    }
    this.writer.write(batch);
    for (const chunk of this.sink.take()) this.push(chunk);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Closing the source lets a reader generator close its file.
    const done = this.source.return?.();
    Promise.resolve(done).then(() => callback(error), (e: unknown) => callback(error ?? (e as Error)));
  }
}

/**
 * The Arrow IPC stream (schema, then one message per batch, then the end-of-stream marker) of
 * `batches`, as a byte Readable with backpressure: a batch is pulled from `batches` only when the
 * consumer reads. Destroying the Readable closes the source. No batches: an empty stream.
 */
export function toArrowStream(batches: AsyncIterable<RecordBatch>): Readable {
  return new ArrowIpcReadable(batches);
}
