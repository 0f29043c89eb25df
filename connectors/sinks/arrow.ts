// RecordBatches out as Arrow IPC: the file format (magic, messages, footer; random access) or
// the stream format (messages, end-of-stream marker). Each batch's bytes are written, and the
// write awaited, before the next batch is taken.
import { extname } from 'node:path';
import {
  AsyncByteQueue, RecordBatchFileWriter, RecordBatchStreamWriter, util, type RecordBatch, type RecordBatchWriter, type Schema,
} from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';
import { writeAtomically, type AtomicFile } from './file.js';
import { emptyResult, type SinkResult } from './types.js';

export type ArrowIpcFormat = 'file' | 'stream';

export interface ArrowSinkOptions {
  /** Default: 'stream' for `.arrows`, else 'file' (`.arrow`, `.feather`, `.ipc`). */
  ipc?: ArrowIpcFormat;
}

/** The IPC format a file name suggests. */
export function arrowIpcFormatOf(path: string): ArrowIpcFormat {
  return extname(path).toLowerCase() === '.arrows' ? 'stream' : 'file';
}

/**
 * The writer's byte sink: it keeps what the writer writes until it is taken, so that writing a
 * batch and taking its bytes is synchronous, and nothing queues up behind a slow disk.
 */
class CollectingSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: ArrayBufferView): void {
    if (value.byteLength > 0) this.chunks.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }

  /** Writes what the writer wrote since the last call, as one write (a message's buffers are many and small). */
  async drainInto(file: AtomicFile): Promise<void> {
    const chunks = this.chunks;
    this.chunks = [];
    if (chunks.length > 0) await file.bytesOut(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  }
}

/** Writes `batches` to `path` as Arrow IPC; the file appears only when all is written. */
export async function writeArrow(batches: AsyncIterable<RecordBatch>, path: string, opts: ArrowSinkOptions = {}): Promise<SinkResult> {
  const ipc = opts.ipc ?? arrowIpcFormatOf(path);
  return writeAtomically(path, async (file) => {
    const result = emptyResult(path, 'arrow');
    const sink = new CollectingSink();
    const writer: RecordBatchWriter = ipc === 'stream' ? new RecordBatchStreamWriter() : new RecordBatchFileWriter();
    writer.reset(sink);
    let schema: Schema | undefined;
    for await (const batch of batches) {
      schema ??= batch.schema;
      // The writer would end the output quietly at a new schema (its test: util.compareSchemas).
      if (batch.schema !== schema && !util.compareSchemas(schema, batch.schema)) {
        throw new DataportError('DP_ERR_VALIDATION', 'a batch has a schema different from the first batch\'s');
      }
      writer.write(batch);
      await sink.drainInto(file);
      result.rows += batch.numRows;
      result.batches++;
    }
    if (!schema) throw new DataportError('DP_ERR_VALIDATION', `nothing to write to ${path}: no batch, so no schema`);
    writer.close(); // the footer (file) or the end-of-stream marker (stream)
    await sink.drainInto(file);
    result.bytes = file.bytes;
    return result;
  });
}
