// Participants: a did:key registers (and later updates) its own profile by signing the request.
import type { FastifyPluginAsync } from 'fastify';
import { DataportError } from '../../crypto/errors.js';
import type { ControlPlane, ParticipantProfile } from '../state/control-plane.js';
import { errorBody, participant, participantProfile, signed } from './schemas.js';

export const participantRoutes: FastifyPluginAsync<{ state: ControlPlane }> = async (app, { state }) => {
  app.post<{ Body: ParticipantProfile }>('/participants', {
    schema: {
      tags: ['participants'],
      summary: 'Register or update the signing key as a participant',
      security: signed,
      body: participantProfile,
      response: { 200: participant, 201: participant, 400: errorBody, 401: errorBody },
    },
  }, async (request, reply) => {
    const did = request.signer!;
    const existed = state.participant(did) !== undefined;
    const { value } = await state.register(did, request.body);
    return reply.status(existed ? 200 : 201).send(value);
  });

  app.get<{ Params: { did: string } }>('/participants/:did', {
    schema: {
      tags: ['participants'],
      summary: 'A registered participant (visible to registered participants)',
      security: signed,
      params: { type: 'object', properties: { did: { type: 'string' } }, required: ['did'] },
      response: { 200: participant, 401: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request) => {
    state.requireParticipant(request.signer);
    const p = state.participant(request.params.did);
    if (!p) throw new DataportError('DP_ERR_NOT_FOUND', `participant ${request.params.did}`);
    return p;
  });
};
