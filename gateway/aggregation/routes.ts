// Homomorphic aggregation jobs over HTTP: the analyst opens a job and fetches its result; the
// providers it names read the job (its query and the analyst's public key) and contribute.
import type { FastifyPluginAsync } from 'fastify';
import { HE_PARAM_SETS } from '../../crypto/he/index.js';
import { QUERY_SCHEMA } from '../../policies/aggregation/terms.js';
import { errorBody, signed } from '../management/schemas.js';
import type { ControlPlane } from '../state/control-plane.js';
import type { JobView } from '../../policies/aggregation/job.js';
import { BOUND_CONFIDENCE, type AggregationService, type OpenJobInput } from './service.js';
import type { Job } from './state.js';

/** A contribution: one compressed BFV ciphertext, in base64 (an 8192-slot one is a few hundred kB). */
const CONTRIBUTION_LIMIT = 16 * 1024 * 1024;

const { $schema: _s, $id: _i, ...query } = QUERY_SCHEMA;

/** Standard base64 (RFC 4648 4), so that a malformed body is a 400 here, not a failure further in. */
const BASE64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

const openBody = {
  type: 'object',
  additionalProperties: false,
  required: ['agreements', 'query', 'paramSet', 'publicKey', 'epsilon', 'deadline'],
  properties: {
    agreements: { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    query,
    paramSet: { enum: [...HE_PARAM_SETS] },
    publicKey: { type: 'string', minLength: 1, maxLength: 8 * 1024 * 1024, pattern: BASE64, description: "base64 of the analyst's serialised BFV public key" },
    epsilon: { type: 'number', exclusiveMinimum: 0 },
    deadline: { type: 'string', format: 'date-time' },
  },
} as const;

const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

/** A job as its parties see it; the analyst also gets the released ciphertext. */
function view(job: Job, did: string, ciphertext?: string): JobView {
  return {
    id: job.id, state: job.state, analyst: job.analyst, query: job.query, paramSet: job.paramSet, publicKey: job.publicKey,
    epsilon: job.epsilon, sensitivity: job.sensitivity, minProviders: job.minProviders, minCohort: job.minCohort, deadline: job.deadline, openedAt: job.openedAt,
    providers: job.sources.map((s) => ({ provider: s.provider, datasetId: s.datasetId, contributed: job.contributions.has(s.provider) })),
    ...(job.failure && { failure: job.failure }),
    ...(job.released && {
      released: {
        at: job.released.at, contributors: job.released.contributors, digest: job.released.digest,
        noise: { mechanism: 'discrete-laplace', epsilon: job.epsilon, sensitivity: job.sensitivity, scale: job.released.scale, bound: job.released.bound95, confidence: BOUND_CONFIDENCE },
        ...(did === job.analyst && { ciphertext }),
      },
    }),
  };
}

export const aggregationRoutes: FastifyPluginAsync<{ state: ControlPlane; service: AggregationService }> = async (app, { state, service }) => {
  app.post<{ Body: OpenJobInput }>('/aggregation/jobs', {
    bodyLimit: CONTRIBUTION_LIMIT,
    schema: { tags: ['aggregation'], summary: 'Open a homomorphic aggregation job over the analyst\'s agreements', security: signed, body: openBody, response: { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody } },
  }, async (request, reply) => {
    const job = await service.open(request.signer!, request.body);
    return reply.status(201).send(view(job, request.signer!));
  });

  app.get<{ Params: { id: string } }>('/aggregation/jobs/:id', {
    schema: { tags: ['aggregation'], summary: 'A job: its query and key (providers), its state and, once released, the noisy total (analyst)', security: signed, params: idParams, response: { 401: errorBody, 404: errorBody } },
  }, async (request) => {
    state.requireParticipant(request.signer);
    const job = service.find(request.params.id, request.signer!);
    return view(job, request.signer!, request.signer === job.analyst ? await service.result(job) : undefined);
  });

  app.post<{ Params: { id: string }; Body: { ciphertext: string } }>('/aggregation/jobs/:id/contributions', {
    bodyLimit: CONTRIBUTION_LIMIT,
    schema: {
      tags: ['aggregation'], summary: "A provider's encrypted local aggregate", security: signed, params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['ciphertext'], properties: { ciphertext: { type: 'string', minLength: 1, maxLength: CONTRIBUTION_LIMIT, pattern: BASE64 } } },
      response: { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    state.requireParticipant(request.signer, 'provider');
    const job = await service.contribute(request.signer!, request.params.id, request.body.ciphertext);
    return reply.status(201).send(view(job, request.signer!));
  });
};
