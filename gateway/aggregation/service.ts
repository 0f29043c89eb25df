// Homomorphic aggregation jobs: an analyst with agreements over several providers' datasets opens
// a job (the query, its BFV public key, a deadline); each provider's connector encrypts its local
// aggregate under that key and submits it; the gateway checks each ciphertext against the job's
// parameters and keeps it (a blob, durable, before it answers), and when every expected provider
// has contributed, or at the deadline, adds them up, adds integer noise calibrated to the epsilon
// spent, debits the analyst's budget and releases one ciphertext. It never holds a secret key and
// never sees a plaintext. Every step is a ledger entry (contributions and the release by digest).
// With several replicas, one job is released by one of them: under its lease, after catching up
// with the shared ledger.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { fromBase64, toBase64 } from '../../crypto/bytes.js';
import { discreteLaplace, laplaceBound, laplaceScale } from '../../crypto/dp.js';
import { DataportError } from '../../crypto/errors.js';
import { HE_PARAM_SETS, HeAccumulator, heParams, validateCiphertext, validatePublicKey, type HeParamSet } from '../../crypto/he/index.js';
import { aggregationTerms, cellCount, checkQuery, type AggregationQuery, type AggregationTerms } from '../../policies/aggregation/terms.js';
import type { PolicyCheck } from '../negotiation/policy-check.js';
import type { ControlPlane } from '../state/control-plane.js';
import type { BlobStore } from '../store/types.js';
import type { Job } from './state.js';

/** Longest a job may stay open. */
const MAX_OPEN_MS = 7 * 24 * 3600_000;
/** The confidence of the noise bound a release reports. */
export const BOUND_CONFIDENCE = 0.95;
/** How soon a release is tried again when another replica holds the job's lease. */
const RETRY_MS = 1_000;
/** The blob names of a job (the names its files had before the BlobStore, so those still read). */
const RESULT = 'result.ct';

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
  /** The ciphertexts, by job id: contributions and the released result. */
  blobs: BlobStore;
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
    // The budget check and the opened entry under the analyst's lease: two jobs opened at once,
    // on this replica or another, cannot both spend the last of it.
    return state.exclusive(`aggregation-budget:${analyst}`, async () => {
      const sources: Job['sources'] = [];
      const terms: AggregationTerms[] = [];
      let query: AggregationQuery | undefined;
      for (const agreementId of input.agreements) {
        const n = await state.settledAgreement(agreementId);
        if (!n?.agreement || n.consumer !== analyst || n.state !== 'FINALIZED') throw new DataportError('DP_ERR_NOT_FOUND', `agreement ${agreementId} (of ${analyst})`);
        const dataset = state.datasets.get(n.datasetId)!;
        const agreement = n.agreement as unknown as Record<string, unknown>;
        const verdict = this.o.policy(agreement, 'transfer', { participant: state.participant(analyst)!, dataset, purpose: n.purpose, agreedAt: n.agreement.timestamp, action: 'aggregate' });
        if (!verdict.allowed) throw new DataportError('DP_ERR_POLICY_DENIED', `agreement ${agreementId}: ${verdict.reason}`, { trace: verdict.trace });
        const t = aggregationTerms(agreement);
        if (!t) throw new DataportError('DP_ERR_POLICY_DENIED', `agreement ${agreementId} has no aggregate permission with aggregation terms`);
        query = checkQuery(input.query, t, input.epsilon, params.slots);
        // Open jobs hold their epsilon already.
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
    });
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
    await validateCiphertext(job.paramSet, bytes);
    // Kept before it is acknowledged: an accepted contribution survives a crash.
    const sum = digest(bytes);
    await this.o.blobs.put(job.id, contributionName(provider, sum), bytes);
    // Checked again under the job's lease: another request of the same provider, on this replica
    // or another, may have won the race meanwhile.
    const all = await this.o.state.exclusive(`aggregation:${id}`, async () => {
      const now = this.o.state.aggregation.jobs.get(id)!;
      if (now.contributions.has(provider) || now.state !== 'OPEN') throw new DataportError('DP_ERR_CONFLICT', `${provider} has already contributed to job ${id}`);
      await this.o.state.commit({ type: 'aggregation.contributed', body: { job: id, provider, digest: sum, bytes: bytes.length } });
      return now.contributions.size === now.sources.length;
    });
    if (all) {
      try {
        await this.release(job);
      } catch (e) {
        // Another replica holds the job's lease: it is releasing the job (or will be retried here).
        if (!(e instanceof DataportError && e.code === 'DP_ERR_BUSY')) throw e;
        this.schedule(job, RETRY_MS);
      }
    }
    return job;
  }

  /** The released ciphertext (base64) of a job, for its analyst. */
  async result(job: Job): Promise<string | undefined> {
    if (job.state !== 'RELEASED') return undefined;
    return toBase64(await this.o.blobs.get(job.id, RESULT));
  }

  /** Releases the job at its deadline, or `wait` ms from now. */
  private schedule(job: Job, wait = Math.max(0, Date.parse(job.deadline) - this.now().getTime())): void {
    clearTimeout(this.timers.get(job.id));
    // Detached: the timer must take the job's lease itself, whatever leases its scheduler held.
    const timer = this.o.state.leases.detached(() => setTimeout(() => {
      this.timers.delete(job.id);
      this.release(job).catch((e: unknown) => {
        // Another replica is releasing it: look again shortly (it will be released, or ours to do).
        if (e instanceof DataportError && e.code === 'DP_ERR_BUSY') this.schedule(job, RETRY_MS);
        else this.o.log.error({ job: job.id, err: e }, 'aggregation release failed');
      });
    }, Math.min(wait, 2 ** 31 - 1)));
    timer.unref();
    this.timers.set(job.id, timer);
  }

  /** Adds the contributions and the noise, debits the budget and releases; or fails the job if too few contributed. */
  private release(job: Job): Promise<void> {
    let running = this.releasing.get(job.id);
    if (!running) {
      // Under the lease the state includes everything committed before: another replica may have
      // released (or failed) the job since this one last looked.
      running = this.o.state.exclusive(`aggregation:${job.id}`, async () => {
        const current = this.o.state.aggregation.jobs.get(job.id) ?? job;
        if (current.state === 'OPEN') await this.doRelease(current);
      }).then(() => {
        clearTimeout(this.timers.get(job.id));
        this.timers.delete(job.id);
      }, (e: unknown) => {
        // Not released: a later attempt (the retry timer, the next contribution) runs afresh.
        this.releasing.delete(job.id);
        throw e;
      });
      this.releasing.set(job.id, running);
    }
    return running;
  }

  private async doRelease(job: Job): Promise<void> {
    const contributors = [...job.contributions.keys()];
    if (contributors.length < job.minProviders) {
      await this.o.state.commit({ type: 'aggregation.failed', body: { job: job.id, reason: `${contributors.length} of the ${job.minProviders} providers the terms require contributed by the deadline: nothing is released` } });
      return;
    }
    const cells = cellCount(job.query);
    const scale = laplaceScale(job.sensitivity, job.epsilon);
    const ciphertexts = await Promise.all([...job.contributions].map(([provider, sum]) => this.o.blobs.get(job.id, contributionName(provider, sum))));
    const acc = await HeAccumulator.create(job.paramSet);
    let result: Uint8Array;
    try {
      for (const ct of ciphertexts) acc.add(ct);
      // Discrete Laplace noise on every cell, from a cryptographic source, added under encryption.
      acc.addPlain(Array.from({ length: cells }, () => discreteLaplace(scale)));
      result = acc.result();
    } finally {
      acc.free();
    }
    await this.o.blobs.put(job.id, RESULT, result);
    await this.o.state.commit({
      type: 'aggregation.released',
      body: {
        job: job.id, contributors: contributors.length, epsilon: job.epsilon, scale, bound95: laplaceBound(scale, BOUND_CONFIDENCE), digest: digest(result),
        debited: job.sources.map((s) => ({ analyst: job.analyst, datasetId: s.datasetId, epsilon: job.epsilon })),
      },
    });
  }
}

function contributionName(provider: string, sum: string): string {
  return `${digest(provider).slice(0, 32)}-${sum}.ct`;
}

function digest(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
