// HTTP view of the ledger: the signed checkpoint, entries, and RFC 9162 proofs.
import type { FastifyPluginAsync } from 'fastify';
import { toBase64 } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import type { LedgerStore } from '../store/types.js';

export interface LedgerRoutesOptions {
  ledger: LedgerStore;
}

const b64 = { type: 'string', contentEncoding: 'base64' } as const;
const size = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const errorBody = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
  required: ['code', 'message'],
} as const;

export const ledgerRoutes: FastifyPluginAsync<LedgerRoutesOptions> = async (app, { ledger }) => {
  app.get('/ledger/checkpoint', {
    config: { public: true },
    schema: {
      description: 'The newest signed checkpoint (C2SP tlog-checkpoint signed note); JSON when asked with Accept: application/json.',
      response: {
        200: {
          content: {
            'text/plain': { schema: { type: 'string' } },
            'application/json': {
              schema: {
                type: 'object',
                properties: { origin: { type: 'string' }, size, rootHash: b64, note: { type: 'string' } },
                required: ['origin', 'size', 'rootHash', 'note'],
              },
            },
          },
        },
      },
    },
  }, async (request, reply) => {
    const cp = ledger.recentCheckpoint();
    if (request.headers.accept?.includes('application/json')) {
      return reply.type('application/json').send({ origin: ledger.meta.origin, size: cp.size, rootHash: toBase64(cp.rootHash), note: cp.note });
    }
    return reply.type('text/plain; charset=utf-8').send(cp.note);
  });

  app.get<{ Params: { seq: number } }>('/ledger/entries/:seq', {
    config: { public: true },
    schema: {
      params: { type: 'object', properties: { seq: size }, required: ['seq'] },
      response: {
        200: {
          type: 'object',
          properties: {
            seq: size, type: { type: 'string' }, time: { type: 'string' }, body: {},
            prev: b64, leafHash: b64, leaf: { ...b64, description: 'the exact leaf data hashed into the tree' },
          },
          required: ['seq', 'type', 'time', 'body', 'prev', 'leafHash', 'leaf'],
        },
        404: errorBody,
      },
    },
  }, async (request) => {
    const e = await ledger.entry(request.params.seq);
    return { seq: e.seq, type: e.type, time: e.time, body: e.body, prev: toBase64(e.prev), leafHash: toBase64(e.leafHash), leaf: toBase64(e.raw) };
  });

  app.get<{ Querystring: { seq: number; size?: number } }>('/ledger/proofs/inclusion', {
    config: { public: true },
    schema: {
      querystring: { type: 'object', properties: { seq: size, size }, required: ['seq'] },
      response: {
        200: {
          type: 'object',
          properties: { seq: size, size, leafHash: b64, rootHash: b64, proof: { type: 'array', items: b64 } },
          required: ['seq', 'size', 'leafHash', 'rootHash', 'proof'],
        },
        400: errorBody,
      },
    },
  }, async (request) => {
    const treeSize = request.query.size ?? ledger.size;
    const { seq } = request.query;
    if (seq >= treeSize) throw new DataportError('DP_ERR_PROOF_RANGE', `entry ${seq} is not in a tree of size ${treeSize}`);
    const proof = ledger.inclusionProof(seq, treeSize);
    return {
      seq, size: treeSize, leafHash: toBase64((await ledger.entry(seq)).leafHash), rootHash: toBase64(ledger.root(treeSize)), proof: proof.map(toBase64),
    };
  });

  app.get<{ Querystring: { from: number; to?: number } }>('/ledger/proofs/consistency', {
    config: { public: true },
    schema: {
      querystring: { type: 'object', properties: { from: size, to: size }, required: ['from'] },
      response: {
        200: {
          type: 'object',
          properties: { from: size, to: size, fromRoot: b64, toRoot: b64, proof: { type: 'array', items: b64 } },
          required: ['from', 'to', 'fromRoot', 'toRoot', 'proof'],
        },
        400: errorBody,
      },
    },
  }, async (request) => {
    const to = request.query.to ?? ledger.size;
    const { from } = request.query;
    const proof = ledger.consistencyProof(from, to);
    return { from, to, fromRoot: toBase64(ledger.root(from)), toRoot: toBase64(ledger.root(to)), proof: proof.map(toBase64) };
  });
};
