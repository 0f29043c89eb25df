import t from 'tap';
import { thrown, err } from '../helpers.js';
import {
  contentDigest,
  NonceStore,
  signatureBase,
  signRequest,
  verifyRequest,
  type HttpRequestLike,
  type VerifyOptions,
} from '../../crypto/http-signatures.js';
import { generateIdentity, signBytes } from '../../crypto/identity.js';
import { fromBase64, fromBase64Url, fromHex, toBase64, toHex, utf8 } from '../../crypto/bytes.js';

// ---- RFC 9421 (https://www.rfc-editor.org/rfc/rfc9421) Appendix B vectors, copied from the RFC.

// B.1.4 "Example Ed25519 Test Key" test-key-ed25519, PKCS#8 and SPKI PEM bodies, and its JWK.
const TEST_KEY_ED25519_PKCS8 = 'MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF';
const TEST_KEY_ED25519_SPKI = 'MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=';
const TEST_KEY_ED25519_JWK = { d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs' };
// DER prefixes of an Ed25519 PrivateKeyInfo (RFC 8410 7) and SubjectPublicKeyInfo (RFC 8410 4).
const PKCS8_ED25519_PREFIX = '302e020100300506032b657004220420';
const SPKI_ED25519_PREFIX = '302a300506032b6570032100';

// B.2 test-request.
const B2_BODY = '{"hello": "world"}';
const B2_CONTENT_DIGEST = 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';
function testRequest(): HttpRequestLike {
  return {
    method: 'POST',
    url: 'https://example.com/foo?param=Value&Pet=dog',
    headers: {
      Host: 'example.com',
      Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'Content-Type': 'application/json',
      'Content-Digest': B2_CONTENT_DIGEST,
      'Content-Length': '18',
    },
    body: utf8.encode(B2_BODY),
  };
}

// B.2.6 "Signing a Request Using ed25519" (the RFC 8792 line wrapping undone).
const B26_COMPONENTS = ['date', '@method', '@path', '@authority', 'content-type', 'content-length'];
const B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');
const B26_SIGNATURE_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';

// B.4 "HTTP Message Transformations": one ed25519 signature, messages it does and does not survive.
const B4_SIGNATURE_FIELDS = {
  'Signature-Input': 'transform=("@method" "@path" "@authority" "accept");created=1618884473;keyid="test-key-ed25519"',
  Signature: 'transform=:ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A+vyYP9t/LXlh5QMFFQ6cpLt2m0pmj3NDA==:',
};

const testKey = generateIdentity(fromBase64(TEST_KEY_ED25519_PKCS8).subarray(16));
const testKeyOnly: VerifyOptions['resolveKey'] = (keyid) => (keyid === 'test-key-ed25519' ? testKey.publicKey : undefined);
const rfcVerifyOptions = (requiredComponents: string[]): VerifyOptions => ({
  now: 1618884473,
  requireNonce: false, // the RFC examples carry no nonce
  resolveKey: testKeyOnly,
  requiredComponents,
});



// What verifyRequest threw for `req`.
const rejection = (req: HttpRequestLike, opts: VerifyOptions) => thrown(() => verifyRequest(req, opts));

const NOW = 1_700_000_000;
const alice = generateIdentity(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
const bob = generateIdentity(fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'));

function postRequest(): HttpRequestLike {
  return {
    method: 'POST',
    url: 'https://gateway.example/dsp/transfers?tenant=eu',
    headers: { 'content-type': 'application/json' },
    body: utf8.encode('{"offer":"urn:uuid:1"}'),
  };
}

// `req` with the signature fields `signRequest` returned added.
function signed(req: HttpRequestLike, created = NOW, nonce = 'n-1'): HttpRequestLike {
  return { ...req, headers: { ...req.headers, ...signRequest(req, alice, { created, nonce }) } };
}

function withHeaders(req: HttpRequestLike, patch: Record<string, string | string[] | undefined>): HttpRequestLike {
  return { ...req, headers: { ...req.headers, ...patch } };
}

// ---------------------------------------------------------------------------------------------

t.test('RFC 9421 B.1.4: the raw test-key-ed25519 keys come out of its PKCS#8 and SPKI DER', async (t) => {
  const pkcs8 = fromBase64(TEST_KEY_ED25519_PKCS8);
  const spki = fromBase64(TEST_KEY_ED25519_SPKI);
  t.equal(toHex(pkcs8.subarray(0, 16)), PKCS8_ED25519_PREFIX);
  t.equal(toHex(spki.subarray(0, 12)), SPKI_ED25519_PREFIX);
  t.equal(pkcs8.length, 48);
  t.equal(spki.length, 44);
  t.equal(toHex(testKey.secretKey), toHex(fromBase64Url(TEST_KEY_ED25519_JWK.d)));
  t.equal(toHex(testKey.publicKey), toHex(spki.subarray(12)), 'the seed derives the SPKI key');
  t.equal(toHex(testKey.publicKey), toHex(fromBase64Url(TEST_KEY_ED25519_JWK.x)));
});

t.test('RFC 9421 B.2.6: the signature base of test-request is reproduced exactly', async (t) => {
  t.equal(signatureBase(testRequest(), B26_COMPONENTS, { created: 1618884473, keyid: 'test-key-ed25519' }), B26_BASE);
});

t.test('RFC 9421 B.2.6: signing that base reproduces the RFC signature value (ed25519 is deterministic)', async (t) => {
  t.equal(`sig-b26=:${toBase64(signBytes(testKey, utf8.encode(B26_BASE)))}:`, B26_SIGNATURE);
});

t.test('RFC 9421 B.2.6: verifyRequest accepts the RFC signature of test-request', async (t) => {
  const req = withHeaders(testRequest(), { 'Signature-Input': B26_SIGNATURE_INPUT, Signature: B26_SIGNATURE });
  t.same(verifyRequest(req, rfcVerifyOptions(B26_COMPONENTS)), {
    keyid: 'test-key-ed25519',
    label: 'sig-b26',
    created: 1618884473,
    components: B26_COMPONENTS,
  });
});

t.test('RFC 9421 B.2.6: the RFC signature fails once a covered field changes', async (t) => {
  const req = withHeaders(testRequest(), {
    'Signature-Input': B26_SIGNATURE_INPUT,
    Signature: B26_SIGNATURE,
    'Content-Type': 'text/plain',
  });
  t.match(rejection(req, rfcVerifyOptions(B26_COMPONENTS)), err('SIGNATURE_INVALID', /does not verify/));
});

t.test('RFC 9421 B.4: the signature survives the transformations the RFC calls safe', async (t) => {
  const url = 'https://example.org/demo?name1=Value1&Name2=value2';
  const get = (url: string, headers: HttpRequestLike['headers']): HttpRequestLike => ({ method: 'GET', url, headers });
  const opts = rfcVerifyOptions(['@method', '@path', '@authority', 'accept']);
  const valid: Array<[string, HttpRequestLike]> = [
    ['original', get(url, { Host: 'example.org', Date: 'Fri, 15 Jul 2022 14:24:55 GMT', Accept: ['application/json', '*/*'] })],
    ['query and Accept-Language added', get(`${url}&param=added`, { Accept: ['application/json', '*/*'], 'Accept-Language': 'en-US,en;q=0.5' })],
    ['Date removed, Referer added, Accept collapsed', get(url, { Referer: 'https://developer.example.org/demo', Accept: 'application/json, */*' })],
    ['fields re-ordered', get(url, { accept: ['application/json', '*/*'], date: 'Fri, 15 Jul 2022 14:24:55 GMT', host: 'example.org' })],
  ];
  for (const [name, req] of valid) {
    t.equal(verifyRequest(withHeaders(req, B4_SIGNATURE_FIELDS), opts).label, 'transform', name);
  }
});

t.test('RFC 9421 B.4: the signature fails when the method, authority or Accept order changes', async (t) => {
  const opts = rfcVerifyOptions(['@method', '@path', '@authority', 'accept']);
  const invalid: Array<[string, HttpRequestLike]> = [
    ['POST to example.com', { method: 'POST', url: 'https://example.com/demo?name1=Value1&Name2=value2', headers: { Accept: ['application/json', '*/*'] } }],
    ['Accept lines swapped', { method: 'GET', url: 'https://example.org/demo?name1=Value1&Name2=value2', headers: { Accept: ['*/*', 'application/json'] } }],
  ];
  for (const [name, req] of invalid) {
    t.match(rejection(withHeaders(req, B4_SIGNATURE_FIELDS), opts), err('SIGNATURE_INVALID'), name);
  }
});

t.test('RFC 9421 2.1: field values are trimmed, unfolded and combined with ", "', async (t) => {
  const req: HttpRequestLike = {
    method: 'GET',
    url: 'https://www.example.com/',
    headers: {
      Host: 'www.example.com',
      Date: 'Tue, 20 Apr 2021 02:07:56 GMT',
      'X-OWS-Header': '  Leading and trailing whitespace.  ',
      'X-Obs-Fold-Header': 'Obsolete\r\n    line folding.',
      'Cache-Control': ['max-age=60', '   must-revalidate'],
      'Example-Dict': ' a=1,    b=2;x=1;y=2,   c=(a   b   c)',
      'X-Empty-Header': '',
    },
  };
  const names = ['host', 'date', 'x-ows-header', 'x-obs-fold-header', 'cache-control', 'example-dict', 'x-empty-header'];
  const lines = signatureBase(req, names, {}).split('\n').slice(0, -1);
  t.same(lines, [
    '"host": www.example.com',
    '"date": Tue, 20 Apr 2021 02:07:56 GMT',
    '"x-ows-header": Leading and trailing whitespace.',
    '"x-obs-fold-header": Obsolete line folding.',
    '"cache-control": max-age=60, must-revalidate',
    '"example-dict": a=1,    b=2;x=1;y=2,   c=(a   b   c)',
    '"x-empty-header": ',
  ]);
});

t.test('RFC 9421 2.2: derived components of a request take the RFC example values', async (t) => {
  const line = (url: string, name: string, method = 'POST') =>
    signatureBase({ method, url, headers: {} }, [name], {}).split('\n')[0];
  const url = 'https://www.example.com/path?param=value';
  t.equal(line(url, '@method'), '"@method": POST');
  t.equal(line(url, '@target-uri'), '"@target-uri": https://www.example.com/path?param=value');
  t.equal(line(url, '@authority'), '"@authority": www.example.com');
  t.equal(line('http://www.example.com/path?param=value', '@scheme'), '"@scheme": http');
  t.equal(line(url, '@request-target'), '"@request-target": /path?param=value');
  t.equal(line(url, '@path'), '"@path": /path');
  t.equal(line('https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman', '@query'), '"@query": ?param=value&foo=bar&baz=bat%2Dman');
  t.equal(line('https://www.example.com/path?queryString', '@query'), '"@query": ?queryString');
  t.equal(line('https://www.example.com/path', '@query'), '"@query": ?');
});

t.test('derived components normalise the authority and drop the fragment', async (t) => {
  const line = (url: string, name: string) => signatureBase({ method: 'GET', url, headers: {} }, [name], {}).split('\n')[0];
  t.equal(line('HTTPS://WWW.Example.COM:443/a', '@authority'), '"@authority": www.example.com');
  t.equal(line('https://www.example.com:8443/a', '@authority'), '"@authority": www.example.com:8443');
  t.equal(line('https://www.example.com', '@path'), '"@path": /');
  t.equal(line('https://www.example.com/a?b#frag', '@target-uri'), '"@target-uri": https://www.example.com/a?b');
});

t.test('signature parameters serialise in the order created, expires, nonce, alg, keyid, tag', async (t) => {
  const base = signatureBase({ method: 'GET', url: 'https://a.example/', headers: {} }, ['@method'], {
    tag: 'app',
    keyid: 'k"1\\',
    alg: 'ed25519',
    nonce: 'abc',
    expires: 1700000300,
    created: 1700000000,
  });
  t.equal(
    base.split('\n')[1],
    '"@signature-params": ("@method");created=1700000000;expires=1700000300;nonce="abc";alg="ed25519";keyid="k\\"1\\\\";tag="app"',
  );
});

t.test('signRequest adds content-digest, signature-input and signature with the default components', async (t) => {
  const req = postRequest();
  const added = signRequest(req, alice, { created: NOW, nonce: 'n-1' });
  t.same(Object.keys(added), ['content-digest', 'signature-input', 'signature']);
  t.equal(added['content-digest'], contentDigest(req.body!));
  t.equal(
    added['signature-input'],
    `dp=("@method" "@target-uri" "content-digest");created=${NOW};nonce="n-1";alg="ed25519";keyid="${alice.did}"`,
  );
  t.match(added['signature'], /^dp=:[A-Za-z0-9+/]{86}==:$/);
  t.same(verifyRequest(withHeaders(req, added), { now: NOW }), {
    keyid: alice.did,
    label: 'dp',
    created: NOW,
    components: ['@method', '@target-uri', 'content-digest'],
    nonce: 'n-1',
  });
});

t.test('signRequest without a body covers @method and @target-uri and adds no digest', async (t) => {
  const req: HttpRequestLike = { method: 'GET', url: 'https://gateway.example/catalog', headers: {} };
  const added = signRequest(req, alice, { label: 'sig1' });
  t.same(Object.keys(added), ['signature-input', 'signature']);
  t.match(added['signature-input'], /^sig1=\("@method" "@target-uri"\);created=\d+;nonce="[A-Za-z0-9_-]{22}";alg="ed25519";keyid="did:key:z6Mk/);
  t.equal(verifyRequest(withHeaders(req, added), { nonces: new NonceStore(600) }).label, 'sig1');
});

t.test('two signatures of the same request use different random nonces', async (t) => {
  const req: HttpRequestLike = { method: 'GET', url: 'https://gateway.example/', headers: {} };
  t.not(signRequest(req, alice)['signature-input'], signRequest(req, alice)['signature-input']);
});

t.test('signRequest covers the caller-chosen components', async (t) => {
  const req = withHeaders(postRequest(), { Date: 'Tue, 20 Apr 2021 02:07:55 GMT' });
  const components = ['@method', '@path', 'date', 'content-digest'];
  const added = signRequest(req, alice, { created: NOW, nonce: 'x', components, tag: 'dsp', expires: NOW + 60 });
  t.match(added['signature-input'], /^dp=\("@method" "@path" "date" "content-digest"\);created=\d+;expires=\d+;nonce="x";alg="ed25519";keyid="[^"]+";tag="dsp"$/);
  const result = verifyRequest(withHeaders(req, added), { now: NOW, requiredComponents: ['@method', 'content-digest'] });
  t.same(result.components, ['@method', '@path', 'date', 'content-digest']);
});

t.test('signRequest refuses what it cannot sign, with DP_ERR_INVALID_ARGUMENT', async (t) => {
  const req = postRequest();
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['relative url', () => signRequest({ ...req, url: '/dsp' }, alice), /req.url must be an absolute URL/],
    ['ftp url', () => signRequest({ ...req, url: 'ftp://a.example/' }, alice), /http\(s\) URL/],
    ['bad method', () => signRequest({ ...req, method: 'GET /' }, alice), /req.method must be an HTTP method token/],
    ['bad body', () => signRequest({ ...req, body: 'x' as unknown as Uint8Array }, alice), /req.body must be a Uint8Array/],
    ['header not a string', () => signRequest(withHeaders(req, { 'x-n': 1 as unknown as string }), alice), /header "x-n" must be a string/],
    ['bad label', () => signRequest(req, alice, { label: 'Sig' }), /label "Sig" is not a structured-field key/],
    ['uppercase field', () => signRequest(req, alice, { components: ['Content-Type'] }), /"Content-Type" is not a lowercased field name/],
    ['absent field', () => signRequest(req, alice, { components: ['date'] }), /covered field "date" is not in the request/],
    ['twice', () => signRequest(req, alice, { components: ['@method', '@method'] }), /"@method" is covered twice/],
    ['@status', () => signRequest(req, alice, { components: ['@status'] }), /derived component "@status" is not supported/],
    ['@signature-params', () => signRequest(req, alice, { components: ['@signature-params'] }), /must not be a covered component/],
    ['line break', () => signRequest(withHeaders(req, { 'x-a': 'a\nb' }), alice, { components: ['x-a'] }), /contains a line break/],
    ['non-integer created', () => signRequest(req, alice, { created: 1.5 }), /1.5 is not an integer/],
    ['non-ASCII nonce', () => signRequest(req, alice, { nonce: 'é' }), /outside printable ASCII/],
    ['no identity', () => signRequest(req, {} as never), /identity must be an Identity/],
  ];
  for (const [name, fn, message] of cases) t.match(thrown(fn), err('INVALID_ARGUMENT', message), name);
});

t.test('a request without Signature or Signature-Input is DP_ERR_SIGNATURE_MISSING', async (t) => {
  const req = signed(postRequest());
  t.match(rejection(withHeaders(req, { signature: undefined }), { now: NOW }), err('SIGNATURE_MISSING', /no Signature field/));
  t.match(rejection(withHeaders(req, { 'signature-input': undefined }), { now: NOW }), err('SIGNATURE_MISSING', /no Signature-Input field/));
  t.match(rejection(postRequest(), { now: NOW }), err('SIGNATURE_MISSING'));
  t.match(rejection(withHeaders(req, { 'signature-input': '' }), { now: NOW }), err('SIGNATURE_MISSING', /lists no signature/));
});

t.test('a signature under another key does not verify', async (t) => {
  const req = signed(postRequest());
  t.match(rejection(req, { now: NOW, resolveKey: () => bob.publicKey }), err('SIGNATURE_INVALID', /does not verify under keyid "did:key:z6Mk/));
  const claimed = withHeaders(req, { 'signature-input': (req.headers['signature-input'] as string).replace(alice.did, bob.did) });
  t.match(rejection(claimed, { now: NOW }), err('SIGNATURE_INVALID', /does not verify/), 'keyid swapped');
});

t.test('an altered body is DP_ERR_DIGEST_MISMATCH; an altered digest field breaks the signature', async (t) => {
  const req = signed(postRequest());
  t.match(rejection({ ...req, body: utf8.encode('{"offer":"urn:uuid:2"}') }, { now: NOW }), err('DIGEST_MISMATCH', /sha-256 does not match the body/));
  const other = contentDigest(utf8.encode('{"offer":"urn:uuid:2"}'));
  const redigested = { ...withHeaders(req, { 'content-digest': other }), body: utf8.encode('{"offer":"urn:uuid:2"}') };
  t.match(rejection(redigested, { now: NOW }), err('SIGNATURE_INVALID'));
});

t.test('a body without a Content-Digest field is DP_ERR_DIGEST_MISMATCH', async (t) => {
  const unsignedBody = signed({ method: 'POST', url: 'https://gateway.example/x', headers: {} });
  t.match(rejection({ ...unsignedBody, body: utf8.encode('smuggled') }, { now: NOW }), err('DIGEST_MISMATCH', /has a body but no Content-Digest/));
  const noDigest = withHeaders(signed(postRequest()), { 'content-digest': undefined });
  t.match(rejection(noDigest, { now: NOW }), err('DIGEST_MISMATCH'));
});

t.test('an altered method or URL does not verify', async (t) => {
  const req = signed(postRequest());
  t.match(rejection({ ...req, method: 'PUT' }, { now: NOW }), err('SIGNATURE_INVALID', /does not verify/));
  const urls = [
    'https://gateway.example/dsp/transfers?tenant=us',
    'https://evil.example/dsp/transfers?tenant=eu',
    'http://gateway.example/dsp/transfers?tenant=eu',
  ];
  for (const url of urls) {
    t.match(rejection({ ...req, url }, { now: NOW }), err('SIGNATURE_INVALID'), url);
  }
});

t.test('created outside the allowed skew, or a passed expires, is DP_ERR_SIGNATURE_EXPIRED', async (t) => {
  const req = signed(postRequest());
  t.equal(verifyRequest(req, { now: NOW + 300 }).created, NOW, 'exactly maxSkew old is still fresh');
  t.match(rejection(req, { now: NOW + 301 }), err('SIGNATURE_EXPIRED', /created 1700000000 is 301 s old, more than the allowed 300 s/));
  t.match(rejection(req, { now: NOW - 301 }), err('SIGNATURE_EXPIRED', /301 s in the future/));
  t.match(rejection(req, { now: NOW + 30, maxSkewSeconds: 10 }), err('SIGNATURE_EXPIRED'));
  const expiring = postRequest();
  const withExpiry = withHeaders(expiring, signRequest(expiring, alice, { created: NOW, nonce: 'e', expires: NOW + 10 }));
  t.equal(verifyRequest(withExpiry, { now: NOW + 10 }).created, NOW);
  t.match(rejection(withExpiry, { now: NOW + 11 }), err('SIGNATURE_EXPIRED', /expired at 1700000010/));
});

t.test('a nonce seen before is DP_ERR_SIGNATURE_REPLAYED', async (t) => {
  const nonces = new NonceStore(600);
  const req = signed(postRequest());
  t.equal(verifyRequest(req, { now: NOW, nonces }).keyid, alice.did);
  t.match(rejection(req, { now: NOW + 1, nonces }), err('SIGNATURE_REPLAYED', /nonce "n-1" of keyid "did:key:/));
  t.equal(verifyRequest(signed(postRequest(), NOW, 'n-2'), { now: NOW, nonces }).keyid, alice.did, 'a fresh nonce passes');
});

t.test('a forged signature does not use up its nonce', async (t) => {
  const nonces = new NonceStore(600);
  const genuine = signed(postRequest());
  const forged = withHeaders(genuine, { signature: `dp=:${toBase64(new Uint8Array(64))}:` });
  t.match(rejection(forged, { now: NOW, nonces }), err('SIGNATURE_INVALID'));
  t.equal(nonces.size, 0);
  t.equal(verifyRequest(genuine, { now: NOW, nonces }).keyid, alice.did);
});

t.test('a signature without a nonce is refused unless the verifier allows it', async (t) => {
  const req = testRequestSignedWithoutNonce();
  t.match(rejection(req, { now: NOW }), err('SIGNATURE_INVALID', /no nonce parameter/));
  t.equal(verifyRequest(req, { now: NOW, requireNonce: false }).keyid, alice.did);
});

// A signature made by hand (no nonce), as another implementation might.
function testRequestSignedWithoutNonce(): HttpRequestLike {
  const req: HttpRequestLike = { method: 'GET', url: 'https://gateway.example/', headers: {} };
  const base = signatureBase(req, ['@method', '@target-uri'], { created: NOW, keyid: alice.did });
  return withHeaders(req, {
    'Signature-Input': `sig=("@method" "@target-uri");created=${NOW};keyid="${alice.did}"`,
    Signature: `sig=:${toBase64(signBytes(alice, utf8.encode(base)))}:`,
  });
}

t.test('the verifier rebuilds the parameters in the order they were received', async (t) => {
  const req: HttpRequestLike = { method: 'GET', url: 'https://gateway.example/', headers: {} };
  const paramsValue = `("@method");keyid="${alice.did}";nonce="z";created=${NOW}`;
  const base = `"@method": GET\n"@signature-params": ${paramsValue}`;
  const signature = `dp=:${toBase64(signBytes(alice, utf8.encode(base)))}:`;
  const signedReq = withHeaders(req, { 'signature-input': `dp=${paramsValue}`, signature });
  t.equal(verifyRequest(signedReq, { now: NOW, requiredComponents: ['@method'] }).keyid, alice.did);
});

t.test('missing parameters, a wrong alg or an uncovered required component are DP_ERR_SIGNATURE_INVALID', async (t) => {
  const req: HttpRequestLike = { method: 'GET', url: 'https://gateway.example/', headers: {} };
  const sig = `dp=:${toBase64(new Uint8Array(64))}:`;
  const cases: Array<[string, RegExp, VerifyOptions?]> = [
    [`dp=("@method" "@target-uri");nonce="a";keyid="${alice.did}"`, /no created parameter/],
    [`dp=("@method" "@target-uri");created=${NOW};nonce="a"`, /no keyid parameter/],
    [`dp=("@method" "@target-uri");created=${NOW};nonce="a";alg="rsa-pss-sha512";keyid="${alice.did}"`, /alg "rsa-pss-sha512" is not "ed25519"/],
    [`dp=("@method");created=${NOW};nonce="a";keyid="${alice.did}"`, /required component "@target-uri" is not covered/],
    [`dp=("@method" "@target-uri");created=${NOW};nonce="a";keyid="${alice.did}"`, /required component "x-tenant" is not covered/, { requiredComponents: ['x-tenant'] }],
    [`dp=("@method" "@target-uri");created="${NOW}";nonce="a";keyid="${alice.did}"`, /parameter created of "dp" must be an integer/],
    [`dp=("@method" "@target-uri");created=${NOW};nonce=a;keyid="${alice.did}"`, /parameter nonce of "dp" must be a string/],
    [`dp=("@method" "@target-uri");created=${NOW};nonce="a";keyid="${alice.did}";foo=1`, /unknown parameter "foo"/],
    [`dp=("@method" "@target-uri");created=${NOW};expires=${NOW - 1};nonce="a";keyid="${alice.did}"`, /expires 1699999999 is before created/],
    [`dp=("@method" "@target-uri" "@method");created=${NOW};nonce="a";keyid="${alice.did}"`, /"@method" is covered twice/],
    [`dp=("@method" "@target-uri" "@query-param");created=${NOW};nonce="a";keyid="${alice.did}"`, /"@query-param" is not supported/],
    [`dp=("@method" "@target-uri" "content-type");created=${NOW};nonce="a";keyid="${alice.did}"`, /covered field "content-type" is not in the request/],
    [`dp=("@method" "@target-uri" "Host");created=${NOW};nonce="a";keyid="${alice.did}"`, /"Host" is not a lowercased field name/],
    [`dp=("@method" "@target-uri" "date";sf);created=${NOW};nonce="a";keyid="${alice.did}"`, /component "date" has parameters/],
    [`dp=("@method" "@target-uri" 1);created=${NOW};nonce="a";keyid="${alice.did}"`, /lists a integer, not a component name/],
    [`dp="@method";created=${NOW}`, /is not an inner list/],
  ];
  for (const [input, message, extra] of cases) {
    const attempt = withHeaders(req, { 'signature-input': input, signature: sig });
    t.match(rejection(attempt, { now: NOW, ...extra }), err('SIGNATURE_INVALID', message), input);
  }
});

t.test('a keyid that names no usable key is DP_ERR_UNKNOWN_KEY', async (t) => {
  const req: HttpRequestLike = { method: 'GET', url: 'https://gateway.example/', headers: {} };
  const sig = `dp=:${toBase64(new Uint8Array(64))}:`;
  const by = (keyid: string) =>
    withHeaders(req, { 'signature-input': `dp=("@method" "@target-uri");created=${NOW};nonce="a";keyid="${keyid}"`, signature: sig });
  t.match(rejection(by('did:web:example.com'), { now: NOW }), err('UNKNOWN_KEY', /keyid "did:web:example.com" is not a usable did:key/));
  t.match(rejection(by('test-key-ed25519'), { now: NOW }), err('UNKNOWN_KEY'));
  t.match(rejection(by(alice.did), { now: NOW, resolveKey: () => undefined }), err('UNKNOWN_KEY', /is not a known key/));
});

t.test('several signatures: the one asked for, else the only one, else the one labelled dp', async (t) => {
  const req = signed(postRequest());
  const proxy = signRequest(req, bob, { label: 'proxy', created: NOW, nonce: 'p' });
  const both = withHeaders(req, {
    'signature-input': [req.headers['signature-input'] as string, proxy['signature-input']!],
    signature: `${req.headers['signature'] as string}, ${proxy['signature']!}`,
  });
  t.equal(verifyRequest(both, { now: NOW }).keyid, alice.did, 'dp by default');
  t.equal(verifyRequest(both, { now: NOW, label: 'proxy' }).keyid, bob.did, 'the asked-for label');
  t.match(rejection(both, { now: NOW, label: 'other' }), err('SIGNATURE_INVALID', /no signature labelled "other"/));
  const relabelled = withHeaders(both, {
    'signature-input': (both.headers['signature-input'] as string[]).map((v) => v.replace(/^dp=/, 'a=')),
  });
  t.match(rejection(relabelled, { now: NOW }), err('SIGNATURE_INVALID', /2 signatures .* pass opts.label/));
  const mismatched = withHeaders(req, { signature: (req.headers['signature'] as string).replace(/^dp=/, 'other=') });
  t.match(rejection(mismatched, { now: NOW }), err('SIGNATURE_INVALID', /Signature field has no "dp" member/));
});

t.test('garbage Signature and Signature-Input values are DP_ERR_SIGNATURE_INVALID, never a TypeError', async (t) => {
  const req = signed(postRequest());
  const inputs = [
    'dp',
    'dp=',
    'dp=(',
    'dp=("@method"',
    'dp=("@method" "@target-uri"',
    'dp=("@method")x',
    'dp=("@method"x)',
    'dp=("unterminated)',
    'dp=("bad\\escape")',
    'dp=("caf\u00e9")',
    'DP=("@method")',
    '1dp=("@method")',
    'dp=();created=;',
    'dp=();created=12345678901234567',
    'dp=();created=1.2345',
    'dp=();created=1.',
    'dp=();created=-',
    'dp=();=1',
    'dp=(), ',
    'dp=(),,x=()',
    'dp=:AAAA',
    'dp=:not base64!:',
    'dp=?2',
    'dp=@',
    '\u0000',
    '()',
    ',',
  ];
  for (const input of inputs) {
    t.match(rejection(withHeaders(req, { 'signature-input': input }), { now: NOW }), err('SIGNATURE_INVALID'), JSON.stringify(input));
  }
  const signatures = ['dp=:AAA:', 'dp=:A===:', 'dp=("x")', 'dp="text"', 'dp=:AAAA:', 'dp=?1', 'dp=:' + 'A'.repeat(90) + ':', 'dp=:a:b:'];
  for (const signature of signatures) {
    t.match(rejection(withHeaders(req, { signature }), { now: NOW }), err('SIGNATURE_INVALID'), JSON.stringify(signature));
  }
});

t.test('a malformed request shape is DP_ERR_INVALID_ARGUMENT, never a TypeError', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['null', null],
    ['no headers', { method: 'GET', url: 'https://a.example/' }],
    ['header value a number', { method: 'GET', url: 'https://a.example/', headers: { signature: 5 } }],
    ['header array with a number', { method: 'GET', url: 'https://a.example/', headers: { signature: ['a', 5] } }],
    ['url not a string', { method: 'GET', url: 5, headers: {} }],
    ['method missing', { url: 'https://a.example/', headers: {} }],
  ];
  for (const [name, req] of cases) {
    t.match(rejection(req as HttpRequestLike, { now: NOW }), err('INVALID_ARGUMENT'), name);
  }
  t.match(rejection(signed(postRequest()), { now: Number.NaN }), err('INVALID_ARGUMENT', /now must be a finite number/));
  t.match(rejection(signed(postRequest()), { now: NOW, maxSkewSeconds: -1 }), err('INVALID_ARGUMENT', /maxSkewSeconds must be >= 0/));
  t.match(rejection(signed(postRequest()), { now: NOW, resolveKey: () => new Uint8Array(3) }), err('INVALID_ARGUMENT', /32-byte Ed25519 public key/));
});

t.test('an empty body counts as no body', async (t) => {
  const req: HttpRequestLike = { method: 'POST', url: 'https://gateway.example/ping', headers: {}, body: new Uint8Array(0) };
  const added = signRequest(req, alice, { created: NOW, nonce: 'e' });
  t.equal(added['content-digest'], undefined);
  t.equal(verifyRequest(withHeaders(req, added), { now: NOW }).keyid, alice.did);
});

t.test('NonceStore remembers per keyid and forgets entries older than its window', async (t) => {
  const store = new NonceStore(300);
  t.equal(store.checkAndRemember('k1', 'n', NOW, NOW), true);
  t.equal(store.checkAndRemember('k1', 'n', NOW, NOW + 10), false, 'replay');
  t.equal(store.checkAndRemember('k2', 'n', NOW, NOW + 10), true, 'same nonce, other keyid');
  t.equal(store.checkAndRemember('k1n', '', NOW, NOW + 10), true, 'keyid and nonce do not run together');
  t.equal(store.size, 3);
  t.equal(store.checkAndRemember('k3', 'm', NOW + 200, NOW + 301), true);
  t.equal(store.size, 1, 'entries created before now - window are forgotten');
  t.equal(store.checkAndRemember('k1', 'n', NOW, NOW + 301), false, 'a created older than the window is refused, not trusted');
  t.equal(store.checkAndRemember('k1', 'old', NOW - 1000, NOW + 301), false);
});

t.test('NonceStore refuses a window that is not a positive number and non-string ids', async (t) => {
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60']) {
    t.match(thrown(() => new NonceStore(bad as number)), err('INVALID_ARGUMENT', /windowSeconds must be a positive number/), String(bad));
  }
  const store = new NonceStore(60);
  t.match(thrown(() => store.checkAndRemember(1 as unknown as string, 'n', NOW, NOW)), err('INVALID_ARGUMENT'));
  t.match(thrown(() => store.checkAndRemember('k', 'n', Number.NaN, NOW)), err('INVALID_ARGUMENT'));
});
