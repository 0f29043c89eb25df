// POST /policies/evaluate: a dry run of the ODRL engine, returning its whole trace, so a provider
// can test an offer and a denied consumer can see which rule, constraint and value decided.
import type { FastifyPluginAsync } from 'fastify';
import { DataportError } from '../../crypto/errors.js';
import { evaluate, parsePolicy, policyProblems, SCOPES, type EvaluationContext, type PolicyRequest } from '../../policies/odrl/index.js';
import { DEFAULT_PURPOSES, DEFAULT_REGIONS } from '../negotiation/policy-check.js';
import type { ControlPlane } from '../state/control-plane.js';
import { aggregationTerms } from '../../policies/aggregation/terms.js';
import { errorBody, signed } from './schemas.js';

/** Refuses offers the engine could not enforce (fail closed at publication, not at use). */
export function assertEnforceableOffers(offers: Record<string, unknown>[]): void {
  const ids = new Set<string>();
  for (const [i, offer] of offers.entries()) {
    const id = String(offer['@id']);
    if (ids.has(id)) throw new DataportError('DP_ERR_POLICY_INVALID', `offers[${i}]: the offer id ${id} is used twice`);
    ids.add(id);
    if (offer.target !== undefined) throw new DataportError('DP_ERR_POLICY_INVALID', `offers[${i}]: an offer in a dataset names no target (the dataset is the target)`);
    aggregationTerms(offer); // an aggregate permission's terms must be readable at publication, not at the first job
    const problems = policyProblems(parsePolicy(offer));
    if (problems.length > 0) {
      throw new DataportError('DP_ERR_POLICY_INVALID', `offers[${i}] (${id}): ${problems.map((p) => `${p.at}: ${p.message}`).join('; ')}`, { problems });
    }
  }
}

export const policyRoutes: FastifyPluginAsync<{ state: ControlPlane }> = async (app, { state }) => {
  app.post<{ Body: { policy: Record<string, unknown>; request: PolicyRequest; context: EvaluationContext } }>('/policies/evaluate', {
    schema: {
      tags: ['policies'], summary: 'Dry run: evaluate a policy for a request and context, with the full trace', security: signed,
      body: {
        type: 'object', required: ['policy', 'request', 'context'], additionalProperties: false,
        properties: {
          policy: { type: 'object' },
          request: { type: 'object', required: ['action', 'scope'], properties: { action: { type: 'string' }, scope: { enum: [...SCOPES] }, target: { type: 'string' } } },
          context: { type: 'object', required: ['now', 'consumer'], properties: { now: { type: 'string' }, consumer: { type: 'object', required: ['did'] } } },
        },
      },
      response: { 400: errorBody, 401: errorBody, 403: errorBody },
    },
  }, async (request) => {
    state.requireParticipant(request.signer);
    const { policy, request: req, context } = request.body;
    return evaluate(parsePolicy(policy), req, { regions: DEFAULT_REGIONS, purposes: DEFAULT_PURPOSES, ...context });
  });
};
