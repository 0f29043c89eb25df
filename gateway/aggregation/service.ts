// Homomorphic aggregation jobs: an analyst with agreements over several providers' datasets opens
// a job (the query, its BFV public key, a deadline); each provider's connector encrypts its local
// aggregate under that key and submits it; the gateway checks each ciphertext against the job's
// parameters and keeps it (a file, synced, before it answers), and when every expected provider
// has contributed, or at the deadline, adds them up, adds integer noise calibrated to the epsilon
// spent, debits the analyst's budget and releases one ciphertext. It never holds a secret key and
// never sees a plaintext. Every step is a ledger entry (contributions and the release by digest).
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { fromBase64, toBase64 } from '../../crypto/bytes.js';
import { discreteLaplace, laplaceBound } from '../../crypto/dp.js';
import { DataportError } from '../../crypto/errors.js';
import { HE_PARAM_SETS, HeAccumulator, heParams, validateCiphertext, validatePublicKey, type HeParamSet } from '../../crypto/he/index.js';
import { aggregationTerms, cellCount, checkQuery, type AggregationQuery, type AggregationTerms } from '../../policies/aggregation/terms.js';
import type { PolicyCheck } from '../negotiation/policy-check.js';
import type { ControlPlane } from '../state/control-plane.js';
import type { Job } from './state.js';

/** Longest a job may stay open. */
const MAX_OPEN_MS = 7 * 24 * 3600_000;
/** The confidence of the noise bound a release reports. */
const BOUND_CONFIDENCE = 0.95;

export interface OpenJobInput {
  agreements: string[];
  query: unknown;
  paramSet: HeParamSet;
  /** base64 of the analyst's serialised public key. */
  publicKey: string;
  epsilon: number;
  /** ISO 8601 time. */
  deadline: string;
}

export interface AggregationOptions {
  state: ControlPlane;
  policy: PolicyCheck;
  dir: string;
  log: FastifyBaseLogger;
  now?: () => Date;
}

export class AggregationService {
  private readonly o: AggregationOptions;
  private readonly now: () => Date;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly releasing = new Map<string, Promise<void>>();

  constructor(opts: AggregationOptions) {
    this.o = opts;
    this.now = opts.now ?? (() => new Date());
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  /** Schedules the deadlines of the jobs the ledger says are still open (after a restart). */
  resume(): void {
    for (const job of this.o.state.aggregation.jobs.values()) if (job.state === 'OPEN') this.schedule(job);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.releasing.values()]);
  }

  async open(analyst: string, input: OpenJobInput): Promise<Job> {
    const state = this.o.state;
    state.requireParticipant(analyst, 'consumer');
    if (!HE_PARAM_SETS.includes(input.paramSet)) throw new DataportError('DP_ERR_VALIDATION', `paramSet ${JSON.stringify(input.paramSet)} is not one of ${HE_PARAM_SETS.join(', ')}`);
    const params = await heParams(input.paramSet);
    const deadline = Date.parse(input.deadline);
    const now = this.now().getTime();
    if (!Number.isFinite(deadline) || deadline <= now || deadline - now > MAX_OPEN_MS) {
      throw new DataportError('DP_ERR_VALIDATION', `the deadline ${JSON.stringify(input.deadline)} must be a time within the next 7 days`);
    }
    if (input.agreements.length === 0) throw new DataportError('DP_ERR_VALIDATION', 'a job needs at least one agreement');
    const sources: Job['sources'] = [];
    const terms: AggregationTerms[] = [];
    let query: AggregationQuery | undefined;
    for (const agreementId of input.agreements) {
      const pid = state.agreements.get(agreementId);
      const n = pid === undefined ? undefined : state.negotiations.get(pid);
      if (!n?.agreement || n.consumer !== analyst || n.state !== 'FINALIZED') throw new DataportError('DP_ERR_NOT_FOUND', `agreement ${agreementId} (of ${analyst})`);
      const dataset = state.datasets.get(n.datasetId)!;
      const agreement = n.agreement as unknown as Record<string, unknown>;
      const verdict = this.o.policy(agreement, 'transfer', { participant: state.participant(analyst)!, dataset, purpose: n.purpose, agreedAt: n.agreement.timestamp, action: 'aggregate' });
      if (!verdict.allowed) throw new DataportError('DP_ERR_POLICY_DENIED', `agreement ${agreementId}: ${verdict.reason}`, { trace: verdict.trace });
      const t = aggregationTerms(agreement);
      if (!t) throw new DataportError('DP_ERR_POLICY_DENIED', `agreement ${agreementId} has no aggregate permission with aggregation terms`);
      query = checkQuery(input.query, t, input.epsilon, params.slots);
      // Open jobs hold their epsilon already: two jobs opened at once cannot both spend the last of it.
      const left = t.epsilonBudget - state.aggregation.committed(analyst, n.datasetId);
      if (input.epsilon > left + 1e-12) {
        throw new DataportError('DP_ERR_BUDGET_EXHAUSTED', `${analyst} has ${Math.max(0, left)} of its epsilon budget ${t.epsilonBudget} left on ${n.datasetId} (open jobs included); the job asks for ${input.epsilon}`);
      }
      if (sources.some((s) => s.provider === n.provider)) throw new DataportError('DP_ERR_VALIDATION', `two agreements of the job are with the same provider ${n.provider}: one contribution per provider`);
      sources.push({ agreementId, datasetId: n.datasetId, provider: n.provider });
      terms.push(t);
    }
    const minProviders = Math.max(...terms.map((t) => t.minProviders));
    if (minProviders > sources.length) {
      throw new DataportError('DP_ERR_POLICY_DENIED', `the terms need at least ${minProviders} contributing providers, and the job names ${sources.length}`);
    }
    const publicKey = fromBase64(input.publicKey);
    await validatePublicKey(input.paramSet, publicKey);
    const q = query!;
    const id = `urn:uuid:${randomUUID()}`;
    await state.commit({
      type: 'aggregation.opened',
      body: {
        id, analyst, sources, query: q, paramSet: input.paramSet, publicKey: input.publicKey, epsilon: input.epsilon,
        sensitivity: q.statistic === 'count' ? 1 : Math.max(...terms.map((t) => t.valueBound ?? 0)),
        minProviders, minCohort: Math.max(...terms.map((t) => t.minCohort)), deadline: new Date(deadline).toISOString(),
      },
    });
    const job = state.aggregation.jobs.get(id)!;
    this.schedule(job);
    return job;
  }

  /** The job as `did` may see it: its analyst, or a provider it expects. */
  find(id: string, did: string): Job {
    const job = this.o.state.aggregation.jobs.get(id);
    if (!job || (job.analyst !== did && !job.sources.some((s) => s.provider === did))) throw new DataportError('DP_ERR_NOT_FOUND', `aggregation job ${id}`);
    return job;
  }

  async contribute(provider: string, id: string, ciphertext: string): Promise<Job> {
    const job = this.find(id, provider);
    if (!job.sources.some((s) => s.provider === provider)) throw new DataportError('DP_ERR_FORBIDDEN', `${provider} is not a provider of job ${id}`);
    if (job.state !== 'OPEN' || Date.parse(job.deadline) <= this.now().getTime()) {
      throw new DataportError('DP_ERR_CONFLICT', `job ${id} is ${job.state === 'OPEN' ? 'past its deadline' : job.state.toLowerCase()}: no more contributions`);
    }
    if (job.contributions.has(provider)) throw new DataportError('DP_ERR_CONFLICT', `${provider} has already contributed to job ${id}`);
    const bytes = fromBase64(ciphertext);
    await validateCiphertext(job.paramSet as HeParamSet, bytes);
    // Kept before it is acknowledged: an accepted contribution survives a crash.
    const sum = digest(bytes);
    const file = this.contributionFile(job, provider, sum);
    mkdirSync(join(this.o.dir, digest(job.id)), { recursive: true, mode: 0o700 });
    const handle = await open(file, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    // Checked again: another request of the same provider may have won the race meanwhile.
    if (job.contributions.has(provider) || job.state !== 'OPEN') throw new DataportError('DP_ERR_CONFLICT', `${provider} has already contributed to job ${id}`);
    await this.o.state.commit({ type: 'aggregation.contributed', body: { job: id, provider, digest: sum, bytes: bytes.length } });
    if (job.contributions.size === job.sources.length) await this.release(job);
    return job;
  }

  /** The released ciphertext (base64) of a job, for its analyst. */
  result(job: Job): string | undefined {
    if (job.state !== 'RELEASED') return undefined;
    return toBase64(readFileSync(join(this.o.dir, digest(job.id), 'result.ct')));
  }

  private schedule(job: Job): void {
    const wait = Math.max(0, Date.parse(job.deadline) - this.now().getTime());
    const timer = setTimeout(() => void this.release(job).catch((e: unknown) => this.o.log.error({ job: job.id, err: e }, 'aggregation release failed')), Math.min(wait, 2 ** 31 - 1));
    timer.unref();
    this.timers.set(job.id, timer);
  }

  /** Adds the contributions and the noise, debits the budget and releases; or fails the job if too few contributed. */
  private release(job: Job): Promise<void> {
    let running = this.releasing.get(job.id);
    if (!running) {
      running = this.doRelease(job).finally(() => {
        clearTimeout(this.timers.get(job.id));
        this.timers.delete(job.id);
      });
      this.releasing.set(job.id, running);
    }
    return running;
  }

  private async doRelease(job: Job): Promise<void> {
    if (job.state !== 'OPEN') return;
    const contributors = [...job.contributions.keys()];
    if (contributors.length < job.minProviders) {
      await this.o.state.commit({ type: 'aggregation.failed', body: { job: job.id, reason: `${contributors.length} of the ${job.minProviders} providers the terms require contributed by the deadline: nothing is released` } });
      return;
    }
    const cells = cellCount(job.query);
    const scale = job.sensitivity / job.epsilon;
    const acc = await HeAccumulator.create(job.paramSet as HeParamSet);
    let result: Uint8Array;
    try {
      for (const [provider, sum] of job.contributions) acc.add(readFileSync(this.contributionFile(job, provider, sum)));
      // Discrete Laplace noise on every cell, from a cryptographic source, added under encryption.
      acc.addPlain(Array.from({ length: cells }, () => discreteLaplace(scale)));
      result = acc.result();
    } finally {
      acc.free();
    }
    const handle = await open(join(this.o.dir, digest(job.id), 'result.ct'), 'w', 0o600);
    try {
      await handle.writeFile(result);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await this.o.state.commit({
      type: 'aggregation.released',
      body: {
        job: job.id, contributors: contributors.length, epsilon: job.epsilon, scale, bound95: laplaceBound(scale, BOUND_CONFIDENCE), digest: digest(result),
        debited: job.sources.map((s) => ({ analyst: job.analyst, datasetId: s.datasetId, epsilon: job.epsilon })),
      },
    });
  }

  private contributionFile(job: Job, provider: string, sum: string): string {
    return join(this.o.dir, digest(job.id), `${digest(provider).slice(0, 32)}-${sum}.ct`);
  }
}

function digest(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
