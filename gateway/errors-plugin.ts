// Every error leaves the gateway as `{ code, message, details }` with a DP_ERR_ code and a 4xx
// status; a 500 means a bug, and is logged as one.
import type { FastifyError, FastifyInstance } from 'fastify';
import { DataportError, type ErrorCode } from '../crypto/errors.js';
import { isStoreFailure, storeError } from './store/pg.js';

const FASTIFY_CODES: Record<number, ErrorCode> = {
  400: 'DP_ERR_BAD_REQUEST',
  404: 'DP_ERR_NOT_FOUND',
  413: 'DP_ERR_PAYLOAD_TOO_LARGE',
  415: 'DP_ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'DP_ERR_RATE_LIMITED',
};

export function toDataportError(err: unknown): DataportError {
  if (err instanceof DataportError) return err;
  // A PostgreSQL failure on any path (a lease, a counter, a nonce): the store is unavailable, not a bug.
  if (isStoreFailure(err)) return storeError(err, 'the shared store failed');
  const fe = err as FastifyError;
  if (fe.validation) {
    return new DataportError('DP_ERR_VALIDATION', `${fe.validationContext ?? 'request'} ${fe.validation.map((v) => `${v.instancePath || '/'} ${v.message ?? ''}`).join('; ')}`);
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    return new DataportError(FASTIFY_CODES[status] ?? 'DP_ERR_BAD_REQUEST', fe.message);
  }
  return new DataportError('DP_ERR_INTERNAL', 'the gateway failed to handle the request; see its log');
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toDataportError(err);
    if (e.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: e.code }, 'request refused');
    void reply.status(e.status).type('application/json').send(e.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new DataportError('DP_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
    void reply.status(404).send(e.toJSON());
  });
}
