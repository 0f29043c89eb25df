// Assembles the gateway from its plugins; nothing else happens here.
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from '../crypto/identity.js';
import { resolveConfig, type GatewayConfig, type GatewayConfigInput } from './config.js';
import { installErrorHandling } from './errors-plugin.js';
import { healthRoutes } from './health.js';
import { loadOrCreateKeyFile, readKeyFile } from './key-file.js';
import { openStore, type LedgerStore } from './store/index.js';
import { ledgerRoutes } from './ledger/routes.js';
import { signedRequests } from './auth/signed-requests.js';
import { ControlPlane } from './state/control-plane.js';
import { participantRoutes } from './management/participants.js';
import { datasetRoutes } from './management/datasets.js';
import { registerOpenApi } from './openapi.js';
import { PeerClient } from './peer-client.js';
import { NegotiationService } from './negotiation/service.js';
import { negotiationRoutes } from './negotiation/routes.js';
import { odrlPolicyCheck } from './negotiation/policy-check.js';
import { wellKnownRoutes } from './well-known.js';
import { catalogRoutes, visibilityRoutes } from './catalog/routes.js';
import { policyRoutes } from './management/policies.js';
import { TransferService } from './transfer/service.js';
import { DataPlane } from './transfer/data-plane.js';
import { transferRoutes } from './transfer/routes.js';
import { agreementPlan } from './transfer/plan.js';
import type { AddressInfo } from 'node:net';
import { ComplianceService } from './compliance/service.js';
import { DEFAULT_RULES, loadRules } from '../policies/compliance/index.js';
import { complianceRoutes } from './compliance/routes.js';
import { AggregationService } from './aggregation/service.js';
import { aggregationRoutes } from './aggregation/routes.js';
import { VERSION } from './version.js';
import { createMetrics, metricsRoutes, type Metrics } from './metrics/index.js';
import { dashboardRoutes } from './dashboard/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    ledger: LedgerStore;
    state: ControlPlane;
    /** 'file' (embedded, one process) or 'postgres' (replicas sharing one database). */
    storeKind: 'file' | 'postgres';
    negotiations: NegotiationService;
    transfers: TransferService;
    compliance: ComplianceService;
    aggregation: AggregationService;
    identity: Identity;
    gatewayConfig: GatewayConfig;
    metrics: Metrics;
  }
}

/** Routes that answer from this replica's own view without waiting for the shared ledger. */
const UNSYNCED = /^\/(metrics|healthz|readyz|dashboard)(\/|\?|$)/;

export async function buildGateway(input: GatewayConfigInput = {}): Promise<FastifyInstance> {
  const config = resolveConfig(input);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const identity = config.identity ?? (config.keyFile ? readKeyFile(config.keyFile) : loadOrCreateKeyFile(join(config.dataDir, 'gateway-key.json')));
  const store = await openStore(config, identity);
  const ledger = store.ledger;
  const shared = store.kind === 'postgres';

  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, ...(config.logStream && { stream: config.logStream }) },
    requestIdHeader: 'x-request-id',
    // On close, in-flight work is stopped first (preClose); then no connection may hold shutdown up.
    forceCloseConnections: true,
  });
  let shuttingDown = false;
  let state: ControlPlane;
  try {
    state = await ControlPlane.open(ledger, store.leases);
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  const policy = odrlPolicyCheck();
  const peers = new PeerClient(identity);
  const compliance = new ComplianceService({
    state, rules: config.complianceRules ? loadRules(config.complianceRules) : DEFAULT_RULES, subjects: store.subjects, secret: identity.secretKey,
    ...(config.now && { now: config.now }),
  });
  const negotiations = new NegotiationService({ state, peers, policy, compliance, log: app.log });
  const publicBase = () => config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${(app.server.address() as AddressInfo | null)?.port ?? config.port}`;
  const transfers = new TransferService({ state, peers, policy, plans: agreementPlan, identity, log: app.log, publicBase, compliance });
  const aggregation = new AggregationService({
    state, policy, blobs: store.blobs, log: app.log,
    ...(config.now && { now: config.now }),
  });
  const metrics = createMetrics({ state, ledger });
  const dataPlane = new DataPlane({ state, ledger, peers, service: transfers, spoolDir: config.dataDir, compliance, metrics });
  transfers.push = (t) => dataPlane.push(t);
  app.decorate('ledger', ledger);
  app.decorate('storeKind', store.kind);
  app.decorate('state', state);
  app.decorate('negotiations', negotiations);
  app.decorate('transfers', transfers);
  app.decorate('compliance', compliance);
  app.decorate('aggregation', aggregation);
  app.decorate('identity', identity);
  app.decorate('gatewayConfig', config);
  app.decorate('metrics', metrics);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // With replicas, a request sees everything any replica committed before it arrived.
    if (shared && !UNSYNCED.test(request.url)) await state.sync();
  });
  let resumeTimer: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    shuttingDown = true;
    clearInterval(resumeTimer);
    await negotiations.close();
    await transfers.close();
    aggregation.close();
    await aggregation.settled();
  });
  app.addHook('onClose', async () => {
    await ledger.append('gateway.stopped', { did: identity.did, size: ledger.size, ...(shared && { replica: store.leases.owner }) }).catch(() => undefined);
    await store.close();
  });

  installErrorHandling(app);
  await registerOpenApi(app);
  await app.register(signedRequests, { maxSkewSeconds: config.maxSkewSeconds, publicUrl: config.publicUrl, ...(store.nonces && { shared: store.nonces }) });
  await app.register(metricsRoutes, { metrics });
  await app.register(dashboardRoutes, { metrics, state, ledger });
  await app.register(healthRoutes, { ledger, isShuttingDown: () => shuttingDown });
  await app.register(ledgerRoutes, { ledger });
  await app.register(participantRoutes, { state });
  await app.register(datasetRoutes, { state });
  await app.register(wellKnownRoutes, { identity, origin: ledger.meta.origin });
  await app.register(negotiationRoutes, { service: negotiations, state, ledger });
  await app.register(catalogRoutes, { state, policy, gatewayDid: identity.did, pageSize: config.catalogPageSize });
  await app.register(visibilityRoutes, { state, policy });
  await app.register(policyRoutes, { state });
  await app.register(transferRoutes, { service: transfers, dataPlane });
  await app.register(aggregationRoutes, { state, service: aggregation });
  await app.register(complianceRoutes, { state, compliance, now: config.now ?? (() => new Date()) });

  for (const note of ledger.recovery.notes) app.log.warn({ ledger: ledger.location }, `ledger recovery: ${note}`);
  await ledger.append('gateway.started', { did: identity.did, version: VERSION, recovered: ledger.recovery.notes, ...(shared && { replica: store.leases.owner }) });
  // Steps the gateway still owed when it stopped (asking a provider, sending an agreement, FINALIZED).
  const resume = async () => {
    negotiations.resume();
    await transfers.resume();
    aggregation.resume();
  };
  app.addHook('onReady', async () => {
    await resume();
    if (!shared) return;
    // Work a dead replica left (its leases expired) is taken over by whichever replica looks first.
    resumeTimer = setInterval(() => {
      state.sync().then(resume).catch((e: unknown) => app.log.warn({ err: e }, 'looking for work left by other replicas failed'));
    }, config.resumeIntervalMs);
    resumeTimer.unref();
  });
  return app;
}
