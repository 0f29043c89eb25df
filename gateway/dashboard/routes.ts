// The operator dashboard: one public page of aggregate figures, its assets, a JSON snapshot, and
// the same snapshot pushed every second over server-sent events. One timer serves every viewer
// (a snapshot is computed once per tick, however many are watching) and runs only while someone is.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { LedgerStore } from '../store/types.js';
import type { Metrics } from '../metrics/index.js';
import type { ControlPlane } from '../state/control-plane.js';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from './page.js';
import { dashboardSnapshot } from './snapshot.js';

export interface DashboardOptions {
  metrics: Metrics;
  state: ControlPlane;
  ledger: LedgerStore;
  /** How often the event stream sends a snapshot (default 1000 ms). */
  intervalMs?: number;
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'";
const require = createRequire(import.meta.url);
/** uPlot's browser build, from node_modules (resolved from here, so it works from dist/ too). */
const ASSETS = {
  'uplot.js': { file: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  'uplot.css': { file: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
} as const;

export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, { metrics, state, ledger, intervalMs = 1000 }) => {
  const snapshot = () => dashboardSnapshot(metrics, state, ledger);
  const page = (reply: FastifyReply, type: string, body: string) =>
    reply.type(type).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(body);
  const hidden = { config: { public: true }, schema: { hide: true } } as const;

  app.get('/dashboard', hidden, async (_request, reply) => page(reply, 'text/html; charset=utf-8', DASHBOARD_HTML));
  app.get('/dashboard/app.js', hidden, async (_request, reply) => page(reply, 'text/javascript; charset=utf-8', DASHBOARD_JS));
  app.get('/dashboard/app.css', hidden, async (_request, reply) => page(reply, 'text/css; charset=utf-8', DASHBOARD_CSS));
  const cache = new Map<string, string>();
  for (const [name, asset] of Object.entries(ASSETS)) {
    app.get(`/dashboard/${name}`, hidden, async (_request, reply) => {
      let body = cache.get(name);
      if (body === undefined) cache.set(name, (body = await readFile(require.resolve(asset.file), 'utf8')));
      return reply.type(asset.type).header('cache-control', 'max-age=3600').send(body);
    });
  }
  app.get('/dashboard/snapshot', hidden, async () => snapshot());

  const viewers = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let closing = false;
  const send = (res: ServerResponse, json: string) => {
    if (!res.destroyed) res.write(`data: ${json}\n\n`);
  };
  const tick = async () => {
    if (viewers.size === 0) return;
    const json = JSON.stringify(await snapshot());
    for (const res of viewers) send(res, json);
  };
  const leave = (res: ServerResponse) => {
    viewers.delete(res);
    if (viewers.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  app.get('/dashboard/events', hidden, async (request, reply) => {
    if (closing) return reply.code(503).send({ code: 'DP_ERR_SHUTTING_DOWN', message: 'The gateway is shutting down' });
    reply.hijack(); // fastify no longer owns the response: it stays open, written to by the timer
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    viewers.add(res);
    request.raw.on('close', () => leave(res));
    res.on('close', () => leave(res));
    timer ??= setInterval(() => void tick().catch((e: unknown) => app.log.warn({ err: e }, 'dashboard snapshot failed')), intervalMs);
    await snapshot().then((s) => send(res, JSON.stringify(s)), (e: unknown) => app.log.warn({ err: e }, 'dashboard snapshot failed'));
  });

  // Open event streams must not hold shutdown up: end them before the server stops listening.
  app.addHook('preClose', async () => {
    closing = true;
    if (timer) clearInterval(timer);
    timer = undefined;
    for (const res of viewers) res.end();
    viewers.clear();
  });
};
