// The OpenAPI document of the management API, generated from the routes' JSON Schemas.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { DOCS_PAGE } from './docs-page.js';
import { VERSION } from './version.js';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dataport gateway',
        version: VERSION,
        description: 'Management API and Dataspace Protocol 2025-1 endpoints of the dataport cross-border data gateway. '
          + 'Every non-public request is signed with HTTP Message Signatures (RFC 9421, ed25519) by a did:key, '
          + 'covering @method, @target-uri and content-digest (RFC 9530), with created, nonce and keyid parameters.',
      },
      components: {
        securitySchemes: {
          httpMessageSignature: {
            type: 'apiKey', in: 'header', name: 'Signature',
            description: 'RFC 9421 Signature and Signature-Input headers; keyid is the signer\'s did:key',
          },
        },
      },
    },
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(DOCS_PAGE));
}
