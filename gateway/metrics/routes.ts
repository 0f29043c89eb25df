// GET /metrics in the Prometheus text format, and the hook that counts refusals. Registered with
// fastify-plugin so the error hook sees every route of the gateway, not only this plugin's.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import { toDataportError } from '../errors-plugin.js';
import type { Metrics } from './instruments.js';

export interface MetricsRoutesOptions {
  metrics: Metrics;
}

const plugin: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { metrics }) => {
  app.addHook('onError', async (_request, _reply, err) => {
    const e = toDataportError(err);
    metrics.denied(e.code, 'request', e.message);
  });
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
};

export const metricsRoutes = fp(plugin, { name: 'dataport-metrics' });
