import t from 'tap';
import { signJson, verifyJson } from '../../crypto/signed-json.js';
import { generateIdentity } from '../../crypto/identity.js';

const alice = generateIdentity(new Uint8Array(32).fill(1));
const agreement = { '@id': 'urn:uuid:1', target: 'ds', permission: [{ action: 'use' }], timestamp: '2026-11-27T10:00:00Z' };

t.test('a signature verifies for the same value regardless of key order', async (t) => {
  const sig = signJson('agreement', agreement, alice);
  t.equal(sig.signer, alice.did);
  t.ok(verifyJson('agreement', { timestamp: agreement.timestamp, permission: [{ action: 'use' }], target: 'ds', '@id': 'urn:uuid:1' }, sig));
});

t.test('a changed value, another purpose or another signer fails', async (t) => {
  const sig = signJson('agreement', agreement, alice);
  t.notOk(verifyJson('agreement', { ...agreement, target: 'other' }, sig));
  t.notOk(verifyJson('approval', agreement, sig), 'domain separation');
  t.notOk(verifyJson('agreement', agreement, { ...sig, signer: generateIdentity(new Uint8Array(32).fill(2)).did }));
});

t.test('malformed signatures are false, never thrown', async (t) => {
  for (const bad of [null, 'x', {}, { signer: 'did:key:zzz', alg: 'ed25519', value: 'AA==' }, { signer: alice.did, alg: 'rsa', value: '' }]) {
    t.equal(verifyJson('agreement', agreement, bad), false);
  }
});

t.test('the signed bytes are the purpose line and the RFC 8785 form (deterministic Ed25519)', async (t) => {
  t.equal(signJson('agreement', agreement, alice).value, signJson('agreement', { ...agreement }, alice).value);
});
