import t from 'tap';
import { thrown, err } from '../helpers.js';
import { contentDigest, verifyContentDigest } from '../../crypto/content-digest.js';
import { utf8 } from '../../crypto/bytes.js';

// ---- RFC 9530 (https://www.rfc-editor.org/rfc/rfc9530) Content-Digest vectors.
// The body of RFC 9421 B.2 test-request, and the Content-Digest that request carries:
const B2_BODY = '{"hello": "world"}';
const B2_CONTENT_DIGEST = 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';
// Appendix D "Sample Digest Values", over {"hello": "world"}:
const D_SHA256 = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';
const D_SHA512 = 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';
// Section 2 and Appendix B.1-B.3 (the JSON object followed by an LF, empty content, a range of it):
const HELLO_LF = '{"hello": "world"}\n';
const S2_SHA512 = 'sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:';
const B1_SHA256 = 'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:';
const B2_EMPTY_SHA256 = 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:';
const B3_PARTIAL = '"world"}\n';
const B3_PARTIAL_SHA256 = 'sha-256=:jjcgBDWNAtbYUXI37CVG3gRuGOAjaaDRGpIUFsdyepQ=:';



// ---------------------------------------------------------------------------------------------

t.test('RFC 9530 Appendix D: sha-256 and sha-512 of {"hello": "world"}', async (t) => {
  t.equal(contentDigest(utf8.encode(B2_BODY)), D_SHA256, 'sha-256 is the default');
  t.equal(contentDigest(utf8.encode(B2_BODY), 'sha-256'), D_SHA256);
  t.equal(contentDigest(utf8.encode(B2_BODY), 'sha-512'), D_SHA512);
  t.equal(D_SHA512, B2_CONTENT_DIGEST, 'the same value RFC 9421 B.2 test-request carries');
});

t.test('RFC 9530 section 2 and Appendix B.1-B.3: digests of full, empty and partial content', async (t) => {
  t.equal(contentDigest(utf8.encode(HELLO_LF), 'sha-512'), S2_SHA512);
  t.equal(contentDigest(utf8.encode(HELLO_LF)), B1_SHA256);
  t.equal(contentDigest(new Uint8Array(0)), B2_EMPTY_SHA256);
  t.equal(contentDigest(utf8.encode(B3_PARTIAL)), B3_PARTIAL_SHA256);
});

t.test('contentDigest refuses an unknown algorithm and a non-byte body', async (t) => {
  t.match(thrown(() => contentDigest(new Uint8Array(1), 'md5' as 'sha-256')), err('INVALID_ARGUMENT', /"md5" is not sha-256 or sha-512/));
  t.match(thrown(() => contentDigest('text' as unknown as Uint8Array)), err('INVALID_ARGUMENT', /body must be a Uint8Array/));
});

t.test('verifyContentDigest checks every known member of the dictionary', async (t) => {
  const hello = utf8.encode(HELLO_LF);
  t.equal(verifyContentDigest(B1_SHA256, hello), true);
  t.equal(verifyContentDigest(`${B1_SHA256}, ${S2_SHA512}`, hello), true, 'both known and right');
  t.equal(verifyContentDigest(`unixsum=:GQU=:, ${S2_SHA512}`, hello), true, 'unknown members are ignored');
  t.equal(verifyContentDigest(`${B1_SHA256},${D_SHA512}`, hello), false, 'one known member is wrong');
  t.equal(verifyContentDigest(D_SHA256, hello), false, 'digest of other content');
  t.equal(verifyContentDigest('md5=:Sd/dVLAcvNLSq16eXua5uQ==:', hello), false, 'no known algorithm');
  t.equal(verifyContentDigest('', hello), false, 'empty');
  t.equal(verifyContentDigest('sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE', hello), false, 'a token, not bytes');
  t.equal(verifyContentDigest('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=', hello), false, 'unterminated');
  t.equal(verifyContentDigest('SHA-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:', hello), false, 'keys are lowercase');
  t.equal(verifyContentDigest(42 as unknown as string, hello), false, 'not a string');
  t.equal(verifyContentDigest('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg:', hello), true, 'missing "=" padding is tolerated (RFC 8941 4.2.7)');
});
