// The connector's HTTP client: every request signed (RFC 9421, ed25519) by the connector's
// did:key, with Content-Digest over the exact body bytes, over undici.
import { request as undiciRequest, type Dispatcher } from 'undici';
import { signRequest } from '../crypto/http-signatures.js';
import type { Identity } from '../crypto/identity.js';

/** An error answered by the gateway (or a peer connector), with its DP_ERR_ code. */
export class GatewayError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(`${code}: ${message}`);
    this.name = 'GatewayError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface SignedResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export class SignedClient {
  readonly base: string;
  readonly identity: Identity;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(base: string, identity: Identity, dispatcher?: Dispatcher) {
    this.base = base.endsWith('/') ? base.slice(0, -1) : base;
    this.identity = identity;
    this.dispatcher = dispatcher;
  }

  /** Sends a signed request; answers whatever the server answered (2xx or not). */
  async send<T = unknown>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<SignedResponse<T>> {
    const url = new URL(path, `${this.base}/`).toString();
    const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (bytes) headers['content-type'] = 'application/json';
    Object.assign(headers, signRequest({ method, url, headers, body: bytes }, this.identity));
    const res = await undiciRequest(url, { method: method as Dispatcher.HttpMethod, headers, body: bytes, dispatcher: this.dispatcher });
    const text = await res.body.text();
    const type = String(res.headers['content-type'] ?? '');
    const parsed = type.includes('json') && text ? JSON.parse(text) as T : (text as unknown as T);
    return { status: res.statusCode, headers: res.headers, body: parsed };
  }

  /** Sends a signed request and returns the body of a 2xx answer; throws GatewayError otherwise. */
  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send<T>(method, path, body);
    if (res.status >= 200 && res.status < 300) return res.body;
    // dataport errors carry `message`; DSP error bodies (ContractNegotiationError, ...) carry `reason`.
    const err = res.body as { code?: string; message?: string; reason?: unknown; details?: unknown } | string;
    if (typeof err === 'object' && err && typeof err.code === 'string') {
      const message = err.message ?? (Array.isArray(err.reason) ? err.reason.join('; ') : '');
      throw new GatewayError(res.status, err.code, message, err.details);
    }
    throw new GatewayError(res.status, 'DP_ERR_BAD_RESPONSE', `HTTP ${res.status}: ${String(err).slice(0, 200)}`);
  }
}
