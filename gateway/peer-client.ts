// The gateway's outbound requests to connectors (DSP callbacks, approval requests), signed with
// the gateway's own key so a connector knows the message comes from the gateway it trusts.
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { signRequest } from '../crypto/http-signatures.js';
import type { Identity } from '../crypto/identity.js';

export interface PeerResponse {
  status: number;
  body: unknown;
}

export class PeerClient {
  private readonly identity: Identity;
  private readonly timeoutMs: number;

  constructor(identity: Identity, timeoutMs = 10_000) {
    this.identity = identity;
    this.timeoutMs = timeoutMs;
  }

  /** POSTs `body` as signed JSON to `base` + `path` (DSP callback addresses may or may not end in '/'). */
  async post(base: string, path: string, body: unknown): Promise<PeerResponse> {
    const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`).toString();
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    Object.assign(headers, signRequest({ method: 'POST', url, headers, body: bytes }, this.identity));
    const res = await request(url, {
      method: 'POST' as Dispatcher.HttpMethod, headers, body: bytes, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, body: parsed };
  }

  /** A signed GET whose body is streamed (the provider connector's Arrow data). */
  async stream(base: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Readable }> {
    const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`).toString();
    const headers: Record<string, string> = { accept: 'application/vnd.apache.arrow.stream' };
    Object.assign(headers, signRequest({ method: 'GET', url, headers }, this.identity));
    const res = await request(url, { method: 'GET', headers, headersTimeout: this.timeoutMs, bodyTimeout: 0 });
    return { status: res.statusCode, headers: res.headers, body: res.body as unknown as Readable };
  }

  /**
   * A signed POST whose body is a stream (push transfers). The signature covers @method and
   * @target-uri only: a streamed body has no digest up front; its integrity is the receipt's job
   * (the batch digests in the ledger).
   */
  async postStream(url: string, body: Readable, extraHeaders: Record<string, string>): Promise<PeerResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/vnd.apache.arrow.stream', ...extraHeaders };
    Object.assign(headers, signRequest({ method: 'POST', url, headers }, this.identity));
    const res = await request(url, { method: 'POST', headers, body, headersTimeout: 0, bodyTimeout: 0 });
    const text = await res.body.text();
    return { status: res.statusCode, body: text };
  }
}
