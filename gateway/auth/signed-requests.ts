// Every management and protocol request is signed (RFC 9421, ed25519, with Content-Digest over
// the exact body bytes); this plugin keeps the raw body, verifies the signature before the
// handler runs, and names the signer on the request. Routes opt out with `config: { public: true }`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DataportError } from '../../crypto/errors.js';
import { NonceStore, verifyRequest } from '../../crypto/http-signatures.js';
import type { NonceLedger } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact body bytes, as signed. */
    rawBody?: Buffer;
    /** The did:key that signed the request (set for every non-public route). */
    signer?: string;
  }
  interface FastifyContextConfig {
    /** No signature needed (health, public ledger views, protocol version). */
    public?: boolean;
  }
}

export interface SignedRequestOptions {
  /** How far a signature's `created` may be from the gateway's clock, in seconds. */
  maxSkewSeconds: number;
  /** The gateway's externally visible base URL, when behind a proxy that rewrites Host. */
  publicUrl?: string;
  now?: () => number;
  /** With replicas: the nonces every replica has seen, so a request replayed to another is refused too. */
  shared?: NonceLedger;
}

const JSON_TYPES = ['application/json', 'application/ld+json'];

async function plugin(app: FastifyInstance, opts: SignedRequestOptions): Promise<void> {
  const nonces = new NonceStore(opts.maxSkewSeconds * 2);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('signer', undefined);

  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer', bodyLimit: 4 * 1024 * 1024 }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch (e) {
      done(new DataportError('DP_ERR_BAD_REQUEST', `the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.public || request.is404) return;
    const verified = verifyRequest(
      { method: request.method, url: targetUri(request, opts.publicUrl), headers: request.headers, body: request.rawBody },
      { nonces, maxSkewSeconds: opts.maxSkewSeconds, now: opts.now?.() },
    );
    if (opts.shared && verified.nonce !== undefined && !(await opts.shared.remember(verified.keyid, verified.nonce, verified.created))) {
      throw new DataportError('DP_ERR_SIGNATURE_REPLAYED', `nonce ${JSON.stringify(verified.nonce)} of keyid ${JSON.stringify(verified.keyid)} was already used (at another replica)`);
    }
    request.signer = verified.keyid;
  });
}

/** RFC 9421 @target-uri: the absolute URI the client addressed. */
function targetUri(request: FastifyRequest, publicUrl?: string): string {
  const base = publicUrl ?? `${request.protocol}://${request.headers.host ?? request.hostname}`;
  return new URL(request.url, base.endsWith('/') ? base : `${base}/`).toString();
}

export const signedRequests = fp(plugin, { name: 'dataport-signed-requests' });
