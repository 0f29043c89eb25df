import t from 'tap';
import { thrown } from '../helpers.js';
import { base58 } from '@scure/base';
import {
  decodeKeyFile,
  didFromPublicKey,
  encodeKeyFile,
  generateIdentity,
  publicKeyFromDid,
  signBytes,
  verifyBytes,
} from '../../crypto/identity.js';
import { fromHex, toBase64Url, toHex, utf8 } from '../../crypto/bytes.js';

// W3C CCG did:key method, test-vectors/ed25519-x25519.json (github.com/w3c-ccg/did-method-key):
// seed -> did and the Ed25519 verification key (publicKeyBase58).
const DID_KEY_VECTORS = [
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000000',
    did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
    publicKeyBase58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000001',
    did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
    publicKeyBase58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000002',
    did: 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf',
    publicKeyBase58: '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000003',
    did: 'did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ',
    publicKeyBase58: 'HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000004',
    did: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL',
    publicKeyBase58: 'J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x',
  },
];

// RFC 8032 7.1, TEST 1..3 (https://www.rfc-editor.org/rfc/rfc8032#section-7.1).
const RFC8032_VECTORS = [
  {
    name: 'TEST 1',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];


const didFromBytes = (bytes: number[] | Uint8Array) => `did:key:z${base58.encode(Uint8Array.from(bytes))}`;
const alice = generateIdentity(fromHex(RFC8032_VECTORS[0]!.secretKey));
const bob = generateIdentity(fromHex(RFC8032_VECTORS[1]!.secretKey));

t.test('did:key test vectors: each seed gives the published did and public key', async (t) => {
  for (const v of DID_KEY_VECTORS) {
    const id = generateIdentity(fromHex(v.seed));
    t.equal(id.did, v.did, `seed ...${v.seed.slice(-2)}`);
    t.equal(base58.encode(id.publicKey), v.publicKeyBase58);
    t.equal(didFromPublicKey(id.publicKey), v.did);
    t.equal(toHex(publicKeyFromDid(v.did)), toHex(id.publicKey));
  }
});

t.test('publicKeyFromDid accepts the did:key#fragment verification-method form', async (t) => {
  const v = DID_KEY_VECTORS[0]!;
  const fragment = v.did.slice('did:key:'.length);
  t.equal(base58.encode(publicKeyFromDid(`${v.did}#${fragment}`)), v.publicKeyBase58);
});

t.test('RFC 8032 7.1 TEST 1..3: keys derive, signatures match byte for byte and verify', async (t) => {
  for (const v of RFC8032_VECTORS) {
    const id = generateIdentity(fromHex(v.secretKey));
    const message = fromHex(v.message);
    t.equal(toHex(id.publicKey), v.publicKey, `${v.name} public key`);
    t.equal(toHex(signBytes(id, message)), v.signature, `${v.name} signature`);
    t.equal(verifyBytes(fromHex(v.publicKey), message, fromHex(v.signature)), true, `${v.name} verifies`);
  }
});

t.test('verifyBytes is false for a changed message, signature or key', async (t) => {
  const message = utf8.encode('transfer 10 EUR');
  const signature = signBytes(alice, message);
  t.equal(verifyBytes(alice.publicKey, message, signature), true);
  t.equal(verifyBytes(alice.publicKey, utf8.encode('transfer 99 EUR'), signature), false);
  const flipped = Uint8Array.from(signature);
  flipped[10]! ^= 1;
  t.equal(verifyBytes(alice.publicKey, message, flipped), false);
  t.equal(verifyBytes(bob.publicKey, message, signature), false);
});

t.test('verifyBytes never throws on malformed input, it returns false', async (t) => {
  const message = utf8.encode('m');
  const signature = signBytes(alice, message);
  const junk = [undefined, null, 'abc', 42, {}, [1, 2], new Uint8Array(0)] as unknown as Uint8Array[];
  for (const bad of junk) {
    t.equal(verifyBytes(bad, message, signature), false);
    t.equal(verifyBytes(alice.publicKey, bad, signature), false);
    t.equal(verifyBytes(alice.publicKey, message, bad), false);
  }
  t.equal(verifyBytes(alice.publicKey.subarray(1), message, signature), false, 'short key');
  t.equal(verifyBytes(alice.publicKey, message, signature.subarray(0, 63)), false, 'short signature');
  t.equal(verifyBytes(new Uint8Array(32).fill(0xff), message, signature), false, 'key that is no point');
  const sBig = Uint8Array.from(signature);
  sBig.fill(0xff, 32);
  t.equal(verifyBytes(alice.publicKey, message, sBig), false, 'S >= L (RFC 8032 5.1.7)');
});

t.test('generateIdentity without a seed makes a fresh, consistent identity', async (t) => {
  const a = generateIdentity();
  const b = generateIdentity();
  t.equal(a.secretKey.length, 32);
  t.equal(a.publicKey.length, 32);
  t.match(a.did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
  t.equal(toHex(publicKeyFromDid(a.did)), toHex(a.publicKey));
  t.not(a.did, b.did);
});

t.test('generateIdentity copies its seed and refuses one that is not 32 bytes', async (t) => {
  const seed = new Uint8Array(32);
  const id = generateIdentity(seed);
  seed[0] = 1;
  t.equal(id.did, DID_KEY_VECTORS[0]!.did);
  t.match(thrown(() => generateIdentity(new Uint8Array(31))), { code: 'DP_ERR_INVALID_ARGUMENT', message: /seed has length 31, want 32/ });
  t.match(thrown(() => didFromPublicKey(new Uint8Array(33))), { code: 'DP_ERR_INVALID_ARGUMENT', message: /publicKey has length 33, want 32/ });
});

t.test('publicKeyFromDid refuses what is not an Ed25519 did:key, saying why', async (t) => {
  const key = alice.publicKey;
  const cases: Array<[unknown, RegExp]> = [
    ['did:web:example.com', /"did:web:example.com" does not start with "did:key:"/],
    ['DID:KEY:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', /does not start with "did:key:"/],
    ['did:key:', /multibase prefix "" is not base58btc "z"/],
    [`did:key:m${toBase64Url(key)}`, /multibase prefix "m" is not base58btc "z"/],
    ['did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0', /is not valid base58btc/],
    ['did:key:zOIl', /is not valid base58btc/],
    [didFromBytes([0xe7, 0x01, ...new Uint8Array(33)]), /multicodec 0xe7 is not ed25519-pub 0xed/],
    [didFromBytes([0x80, 0x24, ...new Uint8Array(33)]), /multicodec 0x1200 is not ed25519-pub 0xed/],
    [didFromBytes([0xec, 0x01, ...key]), /multicodec 0xec is not ed25519-pub 0xed/],
    [didFromBytes([0xed, 0x81, 0x00, ...key]), /multicodec 0xed is not ed25519-pub 0xed/],
    [didFromBytes([0xed]), /does not start with a multicodec varint/],
    [didFromBytes([0xed, 0x01, ...key.subarray(1)]), /ed25519 public key is 31 bytes, want 32/],
    [didFromBytes([0xed, 0x01, ...key, 0]), /ed25519 public key is 33 bytes, want 32/],
    [didFromBytes([0xed, 0x01, ...new Uint8Array(32).fill(0xff)]), /not an Ed25519 point encoding/],
    [`${alice.did}#${bob.did.slice(8)}`, /the fragment of .* must repeat the key/],
    [`${alice.did}#`, /the fragment of .* must repeat the key/],
    [42, /expected a string, got number/],
  ];
  for (const [did, message] of cases) {
    t.match(thrown(() => publicKeyFromDid(did as string)), { code: 'DP_ERR_DID_INVALID', message }, String(did));
  }
});

t.test('a key file round-trips and has the documented shape', async (t) => {
  const text = encodeKeyFile(alice);
  t.same(JSON.parse(text), {
    type: 'dataport-ed25519-key',
    version: 1,
    did: alice.did,
    publicKey: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
    secretKey: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
  });
  t.match(text, /^\{\n {2}"type": "dataport-ed25519-key",\n/);
  t.ok(text.endsWith('}\n'));
  const back = decodeKeyFile(text, 0o600);
  t.equal(back.did, alice.did);
  t.equal(toHex(back.publicKey), toHex(alice.publicKey));
  t.equal(toHex(back.secretKey), toHex(alice.secretKey));
  t.equal(decodeKeyFile(text).did, alice.did, 'mode is optional');
  t.equal(decodeKeyFile(text, 0o100400).did, alice.did, 'owner-only bits with a file-type bit are fine');
});

t.test('encodeKeyFile refuses an identity whose secret key does not derive its public key', async (t) => {
  const forged = { ...alice, publicKey: bob.publicKey };
  t.match(thrown(() => encodeKeyFile(forged)), { code: 'DP_ERR_INVALID_ARGUMENT', message: /does not derive/ });
});

t.test('decodeKeyFile refuses a key file that group or others can access', async (t) => {
  const text = encodeKeyFile(alice);
  for (const [mode, octal] of [
    [0o644, '0644'],
    [0o640, '0640'],
    [0o604, '0604'],
    [0o100660, '0660'],
    [0o602, '0602'],
  ] as const) {
    t.match(
      thrown(() => decodeKeyFile(text, mode)),
      { code: 'DP_ERR_KEY_FILE_PERMISSIONS', message: new RegExp(`mode ${octal} lets group or others .*chmod 600`) },
      octal,
    );
  }
  t.match(thrown(() => decodeKeyFile('not even json', 0o644)), { code: 'DP_ERR_KEY_FILE_PERMISSIONS' }, 'mode checked first');
});

t.test('decodeKeyFile refuses malformed content, each with a precise message', async (t) => {
  const good = JSON.parse(encodeKeyFile(alice)) as Record<string, unknown>;
  const withField = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  const without = (name: string) => {
    const copy = { ...good };
    delete copy[name];
    return JSON.stringify(copy);
  };
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"type": ', /not valid JSON/],
    ['a JSON array', '[]', /expected a JSON object/],
    ['JSON null', 'null', /expected a JSON object/],
    ['missing type', without('type'), /missing field "type"/],
    ['missing version', without('version'), /missing field "version"/],
    ['missing did', without('did'), /missing field "did"/],
    ['missing publicKey', without('publicKey'), /missing field "publicKey"/],
    ['missing secretKey', without('secretKey'), /missing field "secretKey"/],
    ['unexpected field', withField({ comment: 'x' }), /unexpected field "comment"/],
    ['wrong type', withField({ type: 'ssh-ed25519' }), /type is "ssh-ed25519", want "dataport-ed25519-key"/],
    ['wrong version', withField({ version: 2 }), /version is 2, want 1/],
    ['version as a string', withField({ version: '1' }), /version is "1", want 1/],
    ['publicKey not a string', withField({ publicKey: 12 }), /field "publicKey" must be a string, got 12/],
    ['publicKey padded base64', withField({ publicKey: `${good.publicKey as string}=` }), /field "publicKey" is not unpadded base64url/],
    ['secretKey in standard base64', withField({ secretKey: 'nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' }), /field "secretKey" is not unpadded base64url/],
    ['publicKey 31 bytes', withField({ publicKey: toBase64Url(alice.publicKey.subarray(1)) }), /field "publicKey" is 31 bytes, want 32/],
    ['secretKey 64 bytes', withField({ secretKey: toBase64Url(new Uint8Array(64)) }), /field "secretKey" is 64 bytes, want 32/],
    ['did not a string', withField({ did: null }), /field "did" must be a string, got null/],
    ['did not a did:key', withField({ did: 'did:web:example.com' }), /field "did": .*does not start with "did:key:"/],
    ['did of another key', withField({ did: bob.did }), /does not name publicKey \(want "did:key:z6Mk/],
    ['did in fragment form', withField({ did: `${alice.did}#${alice.did.slice(8)}` }), /does not name publicKey/],
    ['secretKey of another key', withField({ secretKey: toBase64Url(bob.secretKey) }), /secretKey does not derive publicKey/],
  ];
  for (const [name, text, message] of cases) {
    t.match(thrown(() => decodeKeyFile(text, 0o600)), { code: 'DP_ERR_KEY_FILE_INVALID', message }, name);
  }
});

t.test('decodeKeyFile never echoes the file text in its message', async (t) => {
  const secret = alice.did.slice(8);
  const { message } = thrown(() => decodeKeyFile(`{"secretKey": "${secret}" oops`));
  t.notMatch(message, secret);
});
