import t from 'tap';
import { randomBytes } from 'node:crypto';
import { ed25519Backend, nobleEd25519, nodeEd25519 } from '../../crypto/ed25519.js';
import { fromHex } from '../../crypto/bytes.js';

// RFC 8032 7.1 TEST 1 and TEST 2 (secret key, public key, message, signature).
const vectors = [
  {
    sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

t.test('the backend in use is the native one, and both backends meet the RFC 8032 vectors', async (t) => {
  t.equal(ed25519Backend.name, 'node:crypto');
  for (const b of [nodeEd25519, nobleEd25519]) {
    for (const v of vectors) {
      t.same(Buffer.from(b.sign(fromHex(v.msg), fromHex(v.sk))).toString('hex'), v.sig, `${b.name} sign`);
      t.ok(b.verify(fromHex(v.sig), fromHex(v.msg), fromHex(v.pk)), `${b.name} verify`);
    }
  }
});

t.test('the two backends agree on random messages, keys and corrupted signatures', async (t) => {
  let agreed = 0;
  for (let i = 0; i < 50; i++) {
    const seed = randomBytes(32);
    const msg = randomBytes(i * 7);
    const sig = nodeEd25519.sign(msg, seed);
    t.same(sig, nobleEd25519.sign(msg, seed));
    const { ed25519 } = await import('@noble/curves/ed25519.js');
    const pk = ed25519.getPublicKey(seed);
    const bad = Uint8Array.from(sig);
    bad[i % 64]! ^= 1 << (i % 8);
    for (const s of [sig, bad]) {
      if (nodeEd25519.verify(s, msg, pk) === nobleEd25519.verify(s, msg, pk)) agreed++;
    }
  }
  t.equal(agreed, 100);
});

t.test('a non-canonical public key encoding is refused by both', async (t) => {
  // y = p (2^255 - 19) encoded: not canonical (RFC 8032 5.1.3 step 1).
  const p = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
  const sig = new Uint8Array(64);
  t.equal(nodeEd25519.verify(sig, new Uint8Array(0), p), false);
  let noble: boolean;
  try {
    noble = nobleEd25519.verify(sig, new Uint8Array(0), p);
  } catch {
    noble = false;
  }
  t.equal(noble, false);
});
