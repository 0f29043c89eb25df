// Datasets and their offers, managed by their provider.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane, DatasetInput } from '../state/control-plane.js';
import { dataset, datasetInput, errorBody, signed } from './schemas.js';
import { assertEnforceableOffers } from './policies.js';

const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

export const datasetRoutes: FastifyPluginAsync<{ state: ControlPlane }> = async (app, { state }) => {
  app.post<{ Body: DatasetInput }>('/datasets', {
    schema: {
      tags: ['datasets'], summary: 'Publish a dataset with its offers', security: signed,
      body: datasetInput,
      response: { 201: dataset, 400: errorBody, 401: errorBody, 403: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const provider = state.requireParticipant(request.signer, 'provider').did;
    assertEnforceableOffers(request.body.offers);
    const { value } = await state.publish(provider, { ...request.body, id: request.body.id ?? `urn:uuid:${randomUUID()}` });
    return reply.status(201).header('location', `/datasets/${encodeURIComponent(value.id)}`).send(value);
  });

  app.get('/datasets', {
    schema: {
      tags: ['datasets'], summary: "The signer's own datasets", security: signed,
      response: { 200: { type: 'array', items: dataset }, 401: errorBody, 403: errorBody },
    },
  }, async (request) => {
    const provider = state.requireParticipant(request.signer, 'provider').did;
    return [...state.datasets.values()].filter((d) => d.provider === provider);
  });

  app.get<{ Params: { id: string } }>('/datasets/:id', {
    schema: {
      tags: ['datasets'], summary: 'One of the signer\'s datasets', security: signed,
      params: idParam, response: { 200: dataset, 401: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request) => state.ownDataset(state.requireParticipant(request.signer, 'provider').did, request.params.id));

  app.put<{ Params: { id: string }; Body: DatasetInput }>('/datasets/:id', {
    schema: {
      tags: ['datasets'], summary: 'Replace a dataset and its offers', security: signed,
      params: idParam, body: datasetInput,
      response: { 200: dataset, 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request) => {
    const provider = state.requireParticipant(request.signer, 'provider').did;
    assertEnforceableOffers(request.body.offers);
    const { value } = await state.update(provider, { ...request.body, id: request.params.id });
    return value;
  });

  app.delete<{ Params: { id: string } }>('/datasets/:id', {
    schema: {
      tags: ['datasets'], summary: 'Withdraw a dataset (it stays in the ledger, leaves the catalog)', security: signed,
      params: idParam, response: { 200: dataset, 401: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const provider = state.requireParticipant(request.signer, 'provider').did;
    return (await state.withdraw(provider, request.params.id)).value;
  });
};
