// A text file read in bounded chunks, or line by line, never whole.
import { createReadStream } from 'node:fs';
import { DataportError } from '../../crypto/errors.js';

export const CHUNK_BYTES = 64 * 1024;

/** The file's text in chunks of about `CHUNK_BYTES` (UTF-8 sequences are never split; a BOM is dropped). */
export async function* textChunks(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      yield first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      first = false;
    }
  } catch (e) {
    throw fileError(e, path);
  } finally {
    stream.destroy();
  }
}

export interface Line {
  text: string;
  /** 1-based line number. */
  line: number;
}

/** The file's lines, without their LF or CRLF ending. */
export async function* textLines(path: string): AsyncGenerator<Line> {
  let rest = '';
  let line = 0;
  for await (const chunk of textChunks(path)) {
    const buf = rest + chunk;
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { text: buf.slice(start, end), line: ++line };
      start = nl + 1;
    }
    rest = buf.slice(start);
  }
  if (rest.length > 0) yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line: ++line };
}

/** A file-system error as a DataportError that names the file. */
export function fileError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new DataportError('DP_ERR_NOT_FOUND', `source file ${path}`);
  if (code === 'EISDIR') return new DataportError('DP_ERR_INVALID_ARGUMENT', `${path} is a directory, not a file`);
  return e;
}
