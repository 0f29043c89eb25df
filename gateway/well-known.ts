// Unauthenticated metadata: the DSP version endpoint, and the gateway's own identity (the key its
// checkpoints and callbacks are signed with).
import type { FastifyPluginAsync } from 'fastify';
import type { Identity } from '../crypto/identity.js';
import { verifierKey } from '../crypto/checkpoint.js';
import { dspVersions, DSP_VERSION_ENDPOINT } from '../policies/dsp/version.js';
import { VERSION } from './version.js';

export const wellKnownRoutes: FastifyPluginAsync<{ identity: Identity; origin: string }> = async (app, { identity, origin }) => {
  const versions = dspVersions({ path: '/' });
  app.get(DSP_VERSION_ENDPOINT, { config: { public: true }, schema: { tags: ['dsp'], summary: 'DSP protocol versions (2025-1)' } }, async () => versions);
  const self = { did: identity.did, ledgerOrigin: origin, checkpointKey: verifierKey(origin, identity.publicKey), version: VERSION };
  app.get('/.well-known/dataport', { config: { public: true }, schema: { tags: ['gateway'], summary: 'The gateway\'s did:key and checkpoint verifier key' } }, async () => self);
};
