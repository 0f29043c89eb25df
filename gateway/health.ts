// Liveness and readiness.
import type { FastifyPluginAsync } from 'fastify';
import { DataportError } from '../crypto/errors.js';
import type { LedgerStore } from './store/types.js';

export interface HealthOptions {
  ledger: LedgerStore;
  isShuttingDown: () => boolean;
}

const status = { type: 'object', properties: { status: { type: 'string' }, ledgerSize: { type: 'integer' } }, required: ['status'] } as const;

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { ledger, isShuttingDown }) => {
  app.get('/healthz', { config: { public: true }, schema: { response: { 200: status } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { response: { 200: status } } }, async () => {
    if (isShuttingDown()) throw new DataportError('DP_ERR_SHUTTING_DOWN', 'not taking new work');
    if (!ledger.healthy) throw new DataportError('DP_ERR_NOT_READY', 'the ledger has stopped after a write failure');
    return { status: 'ready', ledgerSize: ledger.size };
  });
};
