import t from 'tap';
import { DataportError } from '../../crypto/errors.js';
import { concatBytes, fromBase64, toBase64, toHex, utf8 } from '../../crypto/bytes.js';
import { leafHash } from '../../crypto/merkle.js';
import {
  MAX_NOTE_BYTES,
  MAX_SIGNATURES,
  cosignNote,
  formatCheckpoint,
  keyId,
  openNote,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  signerKey,
  verifierKey,
  verifyCheckpoint,
  type Checkpoint,
} from '../../crypto/checkpoint.js';

// ---- Published vectors, copied byte for byte ----

// golang/mod sumdb/note/note_test.go (TestNewVerifier, TestNewSigner, TestSign, TestOpen).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\n" + "then you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const PETER_B64 = 'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=';
const ENOCH_B64 = 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=';

// transparency-dev/formats log/note_test.go: key pairs, and a checkpoint signed by sum.golang.org
// (whose key is pinned in golang/go src/cmd/go/internal/modfetch/key.go).
const FORMATS_KEYS = [
  ['Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs', 'PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ'],
  ['Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH', 'PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci'],
  ['KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj', 'PRIVATE+KEY+KnownAgain+4893b26c+ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+'],
  ['Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots', 'PRIVATE+KEY+Unknown+fdbb2e08+Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU'],
] as const;
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const SUMDB_NOTE = `go.sum database tree
6476701
mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=

— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=
`;

// golang/mod sumdb/tlog/note_test.go (TestFormatTree): the root is RecordHash("hello world").
const TLOG_TREE = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';

// C2SP/C2SP signed-note.md and tlog-checkpoint.md: the examples at the top (no public key given).
const C2SP_NOTE = `Ognuno sta solo sul cuor della terra
trafitto da un raggio di sole:

ed è subito sera.

— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=
`;
const C2SP_CHECKPOINT = `example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
`;

// ---- Helpers ----

const peter = parseVerifierKey(PETER_VKEY);
const enoch = parseVerifierKey(ENOCH_VKEY);
const peterSigner = parseSignerKey(PETER_SKEY);
const [logSigner, known1Signer, known2Signer, unknownSigner] = FORMATS_KEYS.map(([, sk]) => parseSignerKey(sk)) as [
  ReturnType<typeof parseSignerKey>, ReturnType<typeof parseSignerKey>, ReturnType<typeof parseSignerKey>, ReturnType<typeof parseSignerKey>,
];
const [logKey, known1Key, known2Key] = FORMATS_KEYS.map(([vk]) => parseVerifierKey(vk));

/** The DataportError a call throws, as { code, message }, or a marker when it does not throw. */
function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataportError) return { code: e.code, message: e.message };
    return { code: 'not a DataportError', message: String(e) };
  }
  return { code: 'none', message: 'accepted' };
}
const invalid = (detail: string) => ({ code: 'DP_ERR_CHECKPOINT_INVALID', message: `The checkpoint is not valid: ${detail}` });
const badArg = (detail: string) => ({ code: 'DP_ERR_INVALID_ARGUMENT', message: `Invalid argument: ${detail}` });
const sigOf = (name: string, b64: string) => {
  const raw = fromBase64(b64);
  return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) };
};
/** Go's byte slicing of a string: s[from:to] over UTF-8 bytes. */
const goSlice = (s: string, from: number, to?: number): Uint8Array => utf8.encode(s).slice(from, to);

const ROOT = leafHash(utf8.encode('hello world'));
const CP: Checkpoint = { origin: 'example.com/log42', size: 8, rootHash: ROOT, extensions: [] };

// ---- Keys ----

t.test('key IDs are SHA-256(name || 0x0A || 0x01 || key)[:4] as in the x/mod/sumdb/note vectors', async (t) => {
  t.equal(toHex(keyId('PeterNeumann', peter.publicKey)), 'c74f20a3');
  t.equal(toHex(keyId('EnochRoot', enoch.publicKey)), 'af0cfe78');
  t.equal(toHex(peter.keyId), 'c74f20a3');
  t.equal(peter.name, 'PeterNeumann');
  t.equal(toBase64(concatBytes(Uint8Array.of(1), peter.publicKey)), 'ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
});

t.test('verifierKey re-encodes the published verifier keys exactly', async (t) => {
  t.equal(verifierKey(peter.name, peter.publicKey), PETER_VKEY);
  t.equal(verifierKey(enoch.name, enoch.publicKey), ENOCH_VKEY);
  const sumdb = parseVerifierKey(SUMDB_VKEY);
  t.equal(verifierKey(sumdb.name, sumdb.publicKey), SUMDB_VKEY);
});

t.test('parseSignerKey derives the public key of the matching published verifier key', async (t) => {
  t.equal(verifierKey(peterSigner.name, peterSigner.publicKey), PETER_VKEY);
  t.equal(signerKey(peterSigner.name, peterSigner.secretKey), PETER_SKEY);
  for (const [vk, sk] of FORMATS_KEYS) {
    const s = parseSignerKey(sk);
    t.equal(verifierKey(s.name, s.publicKey), vk, s.name);
    t.equal(signerKey(s.name, s.secretKey), sk, s.name);
  }
});

t.test('every substring and every one-byte change of the verifier key is refused (TestNewVerifier)', async (t) => {
  const accepted: string[] = [];
  const try1 = (k: string) => {
    if (refusal(() => parseVerifierKey(k)).code === 'none') accepted.push(k);
  };
  for (let i = 0; i <= PETER_VKEY.length; i++) {
    for (let j = i + 1; j <= PETER_VKEY.length; j++) if (i !== 0 || j !== PETER_VKEY.length) try1(PETER_VKEY.slice(i, j));
  }
  for (let i = 0; i < PETER_VKEY.length; i++) {
    try1(PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1));
  }
  t.same(accepted, []);
});

t.test('verifier keys with a wrong key length or unknown type are refused with the reason', async (t) => {
  // Both from TestNewVerifier, with the key hash adjusted to the mangled key. Go's lenient base64
  // reads "EY==" despite its non-zero padding bits; ours is strict and stops there.
  t.same(refusal(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')),
    badArg('verifier key data is not valid padded standard base64'));
  t.same(refusal(() => parseVerifierKey(`PeterNeumann+c74f20a3+${toBase64(concatBytes(Uint8Array.of(1), peter.publicKey.slice(1)))}`)),
    badArg('verifier key Ed25519 key is 31 bytes, want 32'));
  t.same(refusal(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    badArg('verifier key has signature type 0x65, only Ed25519 (0x01) is supported'));
  t.same(refusal(() => parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    badArg('verifier key ID c74f20a4 does not match its key, which gives c74f20a3'));
  t.same(refusal(() => parseVerifierKey('PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    badArg('verifier key ID must be 8 hex digits'));
  t.same(refusal(() => parseVerifierKey('PeterNeumann')), badArg('verifier key must have the form <name>+<8 hex digits>+<base64 key>'));
});

t.test('every substring and every one-byte change of the signer key is refused (TestNewSigner)', async (t) => {
  const accepted: string[] = [];
  const try1 = (k: string) => {
    if (refusal(() => parseSignerKey(k)).code === 'none') accepted.push(k);
  };
  for (let i = 0; i <= PETER_SKEY.length; i++) {
    for (let j = i + 1; j <= PETER_SKEY.length; j++) if (i !== 0 || j !== PETER_SKEY.length) try1(PETER_SKEY.slice(i, j));
  }
  for (let i = 0; i < PETER_SKEY.length; i++) {
    try1(PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1));
  }
  t.same(accepted, []);
});

t.test('signer key errors never echo the secret key', async (t) => {
  const wrongId = PETER_SKEY.replace('c74f20a3', 'c74f20a4');
  const r = refusal(() => parseSignerKey(wrongId));
  t.same(r, badArg('signer key ID c74f20a4 does not match its key'));
  t.notMatch(r.message, 'AYEKFALV');
});

t.test('key names with spaces or plus signs are refused', async (t) => {
  t.same(refusal(() => keyId('a b', peter.publicKey)), badArg('key name "a b" has a space, \'+\', control character or lone surrogate'));
  t.same(refusal(() => keyId('a+b', peter.publicKey)), badArg('key name "a+b" has a space, \'+\', control character or lone surrogate'));
  t.equal(refusal(() => keyId('a\u00a0b', peter.publicKey)).code, 'DP_ERR_INVALID_ARGUMENT', 'no-break space');
  t.equal(refusal(() => keyId('a\u3000b', peter.publicKey)).code, 'DP_ERR_INVALID_ARGUMENT', 'ideographic space');
  t.same(refusal(() => keyId('', peter.publicKey)), badArg('key name must be a non-empty string'));
  t.same(refusal(() => keyId('x', new Uint8Array(31))), badArg('Ed25519 public key has length 31, want 32'));
});

// ---- Signing ----

t.test('signNote reproduces the PeterNeumann signed note of x/mod/sumdb/note (TestSign)', async (t) => {
  t.equal(signNote(TEXT, peterSigner), `${TEXT}\n${PETER_SIG}`);
});

t.test('signNote refuses bodies that are not newline-terminated text', async (t) => {
  t.same(refusal(() => signNote('abc', peterSigner)), badArg('note body must end with a newline'));
  t.same(refusal(() => signNote('a\rb\n', peterSigner)), badArg('note body has a control character 0x0d at byte 1'));
  t.same(refusal(() => signNote('a\ud800\n', peterSigner)), badArg('note body is not valid UTF-8: lone surrogate at byte 1'));
  t.same(refusal(() => signNote(TEXT, [])), badArg('at least one signer is needed'));
  t.same(refusal(() => signNote(TEXT, [peterSigner, peterSigner])), badArg('signer PeterNeumann+c74f20a3 is listed twice'));
  t.same(refusal(() => signNote(TEXT, { name: 'bad name', secretKey: peterSigner.secretKey })).code, 'DP_ERR_INVALID_ARGUMENT');
  t.same(refusal(() => signNote(TEXT, { name: 'x', secretKey: new Uint8Array(64) })), badArg('Ed25519 secret key has length 64, want 32'));
});

t.test('cosignNote appends a signature after the existing ones, replacing one by the same key', async (t) => {
  const signed = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
  const logLine = signNote(TEXT, logSigner).slice(TEXT.length + 1);
  t.equal(cosignNote(signed, logSigner, peter), `${signed}${logLine}`);
  // As Sign in x/mod/sumdb/note: the re-signing key's old line goes, its new one comes last.
  t.equal(cosignNote(signed, peterSigner, peter), `${TEXT}\n${ENOCH_SIG}${PETER_SIG}`);
  const opened = openNote(cosignNote(signed, logSigner, peter), [peter, enoch, logKey!]);
  t.same(opened.verified.map((s) => s.name), ['PeterNeumann', 'EnochRoot', 'Log']);
});

t.test('cosignNote refuses to cosign a note it cannot verify', async (t) => {
  t.same(refusal(() => cosignNote(`${TEXT}\n${ENOCH_SIG}`, logSigner, peter)),
    invalid('no signature by a known key (signed by EnochRoot+af0cfe78)'));
});

// ---- Opening ----

t.test('openNote sets aside signatures of unknown keys (TestOpen: one verified, one not)', async (t) => {
  const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
  t.equal(n.body, TEXT);
  t.same(n.verified, [sigOf('PeterNeumann', PETER_B64)]);
  t.same(n.unverified, [sigOf('EnochRoot', ENOCH_B64)]);
  t.equal(toHex(n.unverified[0]!.keyId), 'af0cfe78');
});

t.test('openNote verifies every known signature (TestOpen: both verified)', async (t) => {
  const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]);
  t.same(n.verified, [sigOf('PeterNeumann', PETER_B64), sigOf('EnochRoot', ENOCH_B64)]);
  t.same(n.unverified, []);
});

t.test('openNote refuses a note signed by no known key (TestOpen: both unverified)', async (t) => {
  t.same(refusal(() => openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [])),
    invalid('no signature by a known key (signed by PeterNeumann+c74f20a3, EnochRoot+af0cfe78)'));
});

t.test('openNote refuses a known key whose signature does not verify (TestOpen: invalid signature)', async (t) => {
  const tampered = concatBytes(utf8.encode(`${TEXT}\n`), goSlice(PETER_SIG, 0, 60), utf8.encode('ABCD'), goSlice(PETER_SIG, 60));
  t.same(refusal(() => openNote(tampered, [peter])), invalid('signature line 1 by PeterNeumann+c74f20a3 does not verify'));
});

t.test('openNote drops repeated lines (TestOpen: duplicated verified and unverified signatures)', async (t) => {
  const enochAbcd = concatBytes(goSlice(ENOCH_SIG, 0, 60), utf8.encode('ABCD'), goSlice(ENOCH_SIG, 60));
  const msg = concatBytes(utf8.encode(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`), enochAbcd);
  const n = openNote(msg, [peter]);
  t.same(n.verified, [sigOf('PeterNeumann', PETER_B64)]);
  const enochAbcdB64 = 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n' + 'ABCD' + '2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=';
  t.same(n.unverified, [sigOf('EnochRoot', ENOCH_B64), sigOf('EnochRoot', enochAbcdB64)]);
});

t.test('openNote refuses more than MAX_SIGNATURES signature lines (TestOpen: too many signatures)', async (t) => {
  t.equal(MAX_SIGNATURES, 100);
  const msg = `${TEXT}\n${PETER_SIG.repeat(101)}`;
  t.same(refusal(() => openNote(msg, [peter])), invalid('note has 101 signature lines, limit 100'));
  t.same(refusal(() => openNote(msg, [])), invalid('note has 101 signature lines, limit 100'));
  t.same(openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [peter]).verified.length, 1);
});

t.test('openNote names exactly what is malformed (TestOpen: invalid encoded message syntax)', async (t) => {
  const cases: [string | Uint8Array, string][] = [
    [TEXT, 'missing blank line before signatures'],
    [`${TEXT}\n`, 'no signature lines after the blank line'],
    [`${TEXT}\n${PETER_SIG.slice(0, -1)}`, 'last signature line does not end with a newline'],
    [`\x01${TEXT}\n${PETER_SIG}`, 'note has a control character 0x01 at byte 0'],
    [concatBytes(Uint8Array.of(0xff), utf8.encode(`${TEXT}\n${PETER_SIG}`)), 'note is not valid UTF-8'],
    [`${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      'last signature line does not end with a newline'],
    [`${TEXT}\n${PETER_SIG}Unexpected line.\n`, 'signature line 2 does not start with an em dash and a space'],
  ];
  for (const [msg, reason] of cases) t.same(refusal(() => openNote(msg, [peter])), invalid(reason), reason);
});

t.test('openNote ignores a signature whose name or key ID (not both) matches a known key', async (t) => {
  // TestOpen's misnamed and wrong-hash signatures: to a verifier list these are unknown keys.
  const misnamed = PETER_SIG.replaceAll('PeterNeumann', 'CarmenSandiego');
  const wrongHash = PETER_SIG.replaceAll('x08g', 'xxxx');
  t.same(refusal(() => openNote(`${TEXT}\n${misnamed}`, [peter])), invalid('no signature by a known key (signed by CarmenSandiego+c74f20a3)'));
  t.same(refusal(() => openNote(`${TEXT}\n${wrongHash}`, [peter])), invalid('no signature by a known key (signed by PeterNeumann+c71c71a3)'));
  const n = openNote(`${TEXT}\n${misnamed}${wrongHash}${PETER_SIG}`, [peter]);
  t.same(n.unverified.map((s) => `${s.name}+${toHex(s.keyId)}`), ['CarmenSandiego+c74f20a3', 'PeterNeumann+c71c71a3']);
});

t.test('openNote accepts a repeated verifier and tells same-named keys apart by key ID', async (t) => {
  t.same(openNote(`${TEXT}\n${PETER_SIG}`, [peter, peter]).verified.length, 1);
  // Not constructible from real keys without a hash collision, so fake it through the name check:
  // the same name with a different key gets a different key ID, which is not ambiguous.
  const other = { name: 'PeterNeumann', publicKey: enoch.publicKey };
  t.same(openNote(`${TEXT}\n${PETER_SIG}`, [peter, other]).verified.map((s) => s.name), ['PeterNeumann']);
  t.same(refusal(() => openNote(`${TEXT}\n${PETER_SIG}`, [{ name: 'PeterNeumann', publicKey: new Uint8Array(33) }])),
    badArg('Ed25519 public key has length 33, want 32'));
});

t.test('openNote accepts signature lines of other types from unknown keys', async (t) => {
  // A made-up 0x04-style cosignature line (4-byte ID, 8-byte timestamp, 64-byte signature).
  const cosig = `— witness.example ${toBase64(concatBytes(Uint8Array.of(1, 2, 3, 4), new Uint8Array(72)))}\n`;
  const n = openNote(`${TEXT}\n${PETER_SIG}${cosig}`, [peter]);
  t.same(n.unverified.map((s) => [s.name, s.signature.length]), [['witness.example', 72]]);
});

t.test('parseNote splits at the last blank line, so the body may hold blank lines (C2SP signed-note example)', async (t) => {
  const n = parseNote(C2SP_NOTE);
  t.equal(n.body, 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
  t.same(n.signatures.map((s) => [s.name, s.signature.length]), [['quasimodo.example/salvatore', 64]]);
  // And a body with blank lines signs and opens to itself.
  const body = 'a\n\n\nb\n\n';
  t.equal(openNote(signNote(body, peterSigner), peter).body, body);
});

t.test('parseNote reports malformed signature lines by number', async (t) => {
  const good = `${TEXT}\n${PETER_SIG}`;
  t.same(refusal(() => parseNote(`${good}— PeterNeumann x08go/ZJkuBS9UG/==\n`)), invalid('signature line 2 has a bad base64'));
  t.same(refusal(() => parseNote(`${good}— PeterNeumann\n`)), invalid('signature line 2 has no space between key name and signature'));
  t.same(refusal(() => parseNote(`${good}—  AAAAAAA=\n`)), invalid('signature line 2 has an invalid key name'));
  t.same(refusal(() => parseNote(`${good}— a+b ${PETER_B64}\n`)), invalid('signature line 2 has an invalid key name'));
  t.same(refusal(() => parseNote(`${good}— x AAAAAA==\n`)), invalid('signature line 2 has 4 bytes, want more than 4'));
  t.same(refusal(() => parseNote(`${good}-- x ${PETER_B64}\n`)), invalid('signature line 2 does not start with an em dash and a space'));
});

t.test('parseNote refuses notes over MAX_NOTE_BYTES, as a string or as bytes', async (t) => {
  t.equal(MAX_NOTE_BYTES, 1048576);
  const big = `${'a'.repeat(MAX_NOTE_BYTES)}\n\n${PETER_SIG}`;
  t.same(refusal(() => parseNote(big)), invalid(`note is too large: at least ${big.length} bytes, limit 1048576`));
  t.same(refusal(() => parseNote(utf8.encode(big))), invalid(`note is too large: ${utf8.encode(big).length} bytes, limit 1048576`));
  // Multi-byte characters count as bytes, not UTF-16 units.
  const wide = `${'é'.repeat(MAX_NOTE_BYTES / 2)}\n\n${PETER_SIG}`;
  t.equal(refusal(() => parseNote(wide)).code, 'DP_ERR_CHECKPOINT_INVALID');
  t.same(refusal(() => signNote(`${'a'.repeat(MAX_NOTE_BYTES)}\n`, peterSigner)), badArg('note body is 1048577 bytes, limit 1048576'));
});

t.test('parseNote refuses CRLF line endings and lone surrogates', async (t) => {
  const crlf = `${TEXT}\n${PETER_SIG}`.replaceAll('\n', '\r\n');
  t.same(refusal(() => parseNote(crlf)), invalid('note has a control character 0x0d at byte 56'));
  t.same(refusal(() => parseNote(`x\ud83d\n\n${PETER_SIG}`)), invalid('note is not valid UTF-8: lone surrogate at byte 1'));
});

t.test('a leading byte order mark is part of the signed bytes', async (t) => {
  const body = '\ufeffhello\n';
  const signed = signNote(body, peterSigner);
  t.equal(openNote(utf8.encode(signed), peter).body, body);
  t.equal(refusal(() => openNote(utf8.encode(signed).slice(3), peter)).message,
    'The checkpoint is not valid: signature line 1 by PeterNeumann+c74f20a3 does not verify');
});

// ---- Checkpoints ----

t.test('formatCheckpoint matches the go.sum tree golden of x/mod/sumdb/tlog (TestFormatTree)', async (t) => {
  t.equal(toBase64(ROOT), 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
  t.equal(formatCheckpoint({ origin: 'go.sum database tree', size: 123456789012, rootHash: ROOT, extensions: [] }), TLOG_TREE);
  t.same(parseCheckpoint(TLOG_TREE), { origin: 'go.sum database tree', size: 123456789012, rootHash: ROOT, extensions: [] });
});

t.test('parseCheckpoint refuses the bad trees of x/mod/sumdb/tlog (TestParseTree)', async (t) => {
  t.same(refusal(() => parseCheckpoint('go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n')),
    invalid('checkpoint tree size "0xabcdef" is not a decimal without leading zeros'));
  t.same(refusal(() => parseCheckpoint('go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n')),
    invalid('checkpoint root hash is not valid padded standard base64'));
});

t.test('parseCheckpoint refuses the invalid cases of transparency-dev/formats (TestUnmarshalLogState)', async (t) => {
  const cases: [string, string][] = [
    ['Head\n9944\n', 'checkpoint has 2 lines, want at least 3 (origin, tree size, root hash)'],
    ['\n9944\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n', 'checkpoint origin line is empty'],
    ['Log\n123\nYmFuYW5hcw==', 'checkpoint does not end with a newline'],
    ['Log\nbananas\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n', 'checkpoint tree size "bananas" is not a decimal without leading zeros'],
    ['Log\n-34\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n', 'checkpoint tree size "-34" is not a decimal without leading zeros'],
    ['Log\n3438945738945739845734895735\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n', 'checkpoint tree size 3438945738945739845734895735 is beyond 2^53 - 1'],
    ["Log\n123\nThisIsn'tBase64\n", 'checkpoint root hash is not valid padded standard base64'],
  ];
  for (const [body, reason] of cases) t.same(refusal(() => parseCheckpoint(body)), invalid(reason), reason);
});

t.test('parseCheckpoint is stricter than transparency-dev/formats: 32-byte roots, non-empty extension lines', async (t) => {
  // formats accepts these ("valid one", "valid with trailing newlines"); tlog-checkpoint wants an
  // RFC 6962 SHA-256 root and says extension lines MUST be non-empty.
  t.same(refusal(() => parseCheckpoint('Log\n123\nYmFuYW5hcw==\n')), invalid('checkpoint root hash is 7 bytes, want 32'));
  t.same(refusal(() => parseCheckpoint('Moon Log\n4027504\naXQncyBhIHJvb3QgaGFzaA==\n6086d1a9\nWaxing gibbous\n')),
    invalid('checkpoint root hash is 16 bytes, want 32'));
  t.same(refusal(() => parseCheckpoint(`${TLOG_TREE}\n\n\n`)), invalid('checkpoint extension line 1 is empty'));
  t.same(refusal(() => parseCheckpoint(`${TLOG_TREE}ext\n\n`)), invalid('checkpoint extension line 2 is empty'));
});

t.test('parseCheckpoint reads extension lines and origins with spaces', async (t) => {
  t.same(parseCheckpoint(`${TLOG_TREE}lots\nof lines\n`).extensions, ['lots', 'of lines']);
  t.equal(parseCheckpoint(TLOG_TREE).origin, 'go.sum database tree');
});

t.test('parseCheckpoint accepts only canonical decimal tree sizes up to 2^53 - 1', async (t) => {
  const body = (size: string) => `o\n${size}\n${toBase64(ROOT)}\n`;
  t.equal(parseCheckpoint(body('0')).size, 0);
  t.equal(parseCheckpoint(body('9007199254740991')).size, Number.MAX_SAFE_INTEGER);
  for (const bad of ['01', '00', '-1', '-0', '+1', '1.0', '1e3', ' 1', '1 ', '', '٣', '0x10']) {
    t.same(refusal(() => parseCheckpoint(body(bad))),
      invalid(`checkpoint tree size ${JSON.stringify(bad)} is not a decimal without leading zeros`), JSON.stringify(bad));
  }
  t.same(refusal(() => parseCheckpoint(body('9007199254740992'))), invalid('checkpoint tree size 9007199254740992 is beyond 2^53 - 1'));
});

t.test('parseCheckpoint refuses roots of the wrong length or encoding', async (t) => {
  const body = (root: string) => `o\n1\n${root}\n`;
  t.same(refusal(() => parseCheckpoint(body(toBase64(new Uint8Array(31))))), invalid('checkpoint root hash is 31 bytes, want 32'));
  t.same(refusal(() => parseCheckpoint(body(toBase64(new Uint8Array(33))))), invalid('checkpoint root hash is 33 bytes, want 32'));
  t.same(refusal(() => parseCheckpoint(body(toBase64(ROOT).replace('=', '')))), invalid('checkpoint root hash is not valid padded standard base64'));
  t.same(refusal(() => parseCheckpoint(body(toBase64(ROOT).replaceAll('+', '-')))), invalid('checkpoint root hash is not valid padded standard base64'));
  t.same(refusal(() => parseCheckpoint(body(''))), invalid('checkpoint root hash is 0 bytes, want 32'));
});

t.test('parseCheckpoint reads the C2SP tlog-checkpoint example', async (t) => {
  const n = parseNote(C2SP_CHECKPOINT);
  const cp = parseCheckpoint(n.body);
  t.equal(cp.origin, 'example.com/behind-the-sofa');
  t.equal(cp.size, 20852163);
  t.equal(toBase64(cp.rootHash), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
  t.same(n.signatures.map((s) => [s.name, toHex(s.keyId)]), [['example.com/behind-the-sofa', '033de0ae']]);
  t.equal(formatCheckpoint(cp), n.body, 'formats back to the same body');
  t.equal(formatCheckpoint(parseCheckpoint(parseNote(SUMDB_NOTE).body)), parseNote(SUMDB_NOTE).body);
});

t.test('formatCheckpoint refuses what it could not sign faithfully', async (t) => {
  t.same(refusal(() => formatCheckpoint({ ...CP, origin: '' })), badArg('checkpoint origin must be a non-empty string'));
  t.same(refusal(() => formatCheckpoint({ ...CP, origin: 'a\nb' })), badArg('checkpoint line 1 contains a newline'));
  for (const size of [-1, 1.5, 2 ** 53, Number.NaN, Infinity]) {
    t.same(refusal(() => formatCheckpoint({ ...CP, size })), badArg(`checkpoint size must be a non-negative safe integer, got ${size}`));
  }
  t.same(refusal(() => formatCheckpoint({ ...CP, rootHash: new Uint8Array(31) })), badArg('checkpoint root hash has length 31, want 32'));
  t.same(refusal(() => formatCheckpoint({ ...CP, extensions: [''] })), badArg('checkpoint extension 0 must be a non-empty string'));
  t.same(refusal(() => formatCheckpoint({ ...CP, extensions: ['a\nb'] })), badArg('checkpoint line 4 contains a newline'));
  t.same(refusal(() => formatCheckpoint({ ...CP, extensions: ['a\tb'] })), badArg('checkpoint line 4 has a control character 0x09 at byte 1'));
});

t.test('signCheckpoint and verifyCheckpoint round-trip, extensions included', async (t) => {
  const cp = { ...CP, extensions: ['timestamp 1700000000'] };
  const signed = signCheckpoint(cp, logSigner);
  t.equal(signed.slice(0, signed.indexOf('\n\n') + 1), formatCheckpoint(cp));
  t.same(verifyCheckpoint(signed, logKey!, 'example.com/log42'), cp);
  t.same(verifyCheckpoint(signed, [known1Key!, logKey!]), cp);
});

t.test('verifyCheckpoint accepts the sum.golang.org checkpoint of transparency-dev/formats (TestSumDBNoteParsing)', async (t) => {
  const cp = verifyCheckpoint(SUMDB_NOTE, parseVerifierKey(SUMDB_VKEY), 'go.sum database tree');
  t.equal(cp.origin, 'go.sum database tree');
  t.equal(cp.size, 6476701);
  t.equal(toBase64(cp.rootHash), 'mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=');
  t.same(cp.extensions, []);
});

t.test('verifyCheckpoint refuses an origin other than the expected one (TestSumDBNoteParsing: wrong logID)', async (t) => {
  t.same(refusal(() => verifyCheckpoint(SUMDB_NOTE, parseVerifierKey(SUMDB_VKEY), 'Go rocks but I might have the wrong ID')),
    invalid('checkpoint origin "go.sum database tree" is not the expected "Go rocks but I might have the wrong ID"'));
});

t.test('verifyCheckpoint refuses an altered body or signature', async (t) => {
  const sumdb = parseVerifierKey(SUMDB_VKEY);
  const flipped = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
  t.same(refusal(() => verifyCheckpoint(SUMDB_NOTE.replace('6476701', '6476702'), sumdb)),
    invalid('signature line 1 by sum.golang.org+033de0ae does not verify'));
  t.same(refusal(() => verifyCheckpoint(SUMDB_NOTE.replace('mb8Q', 'mb8R'), sumdb)),
    invalid('signature line 1 by sum.golang.org+033de0ae does not verify'));
  const sigAt = SUMDB_NOTE.indexOf('Az3grsLX') + 20;
  t.same(refusal(() => verifyCheckpoint(flipped(SUMDB_NOTE, sigAt), sumdb)), invalid('signature line 1 by sum.golang.org+033de0ae does not verify'));
  // Flipping the key ID turns it into an unknown key: nobody known signed.
  t.same(refusal(() => verifyCheckpoint(SUMDB_NOTE.replace('Az3grsLX', 'Az3gqsLX'), sumdb)),
    invalid('no signature by a known key (signed by sum.golang.org+033de0aa)'));
});

t.test('verifyCheckpoint refuses a checkpoint signed only by keys it does not know', async (t) => {
  const signed = signCheckpoint(CP, [known1Signer, known2Signer, unknownSigner]);
  t.same(refusal(() => verifyCheckpoint(signed, logKey!)),
    invalid('no signature by a known key (signed by Known+451c786d, KnownAgain+4893b26c, Unknown+fdbb2e08)'));
  // A different key under the log's name is not the log's key either.
  const impostor = { name: 'Log', secretKey: known1Signer.secretKey };
  t.equal(refusal(() => verifyCheckpoint(signCheckpoint(CP, impostor), logKey!)).code, 'DP_ERR_CHECKPOINT_INVALID');
});

t.test('openNote counts the log and witness signatures of transparency-dev/formats TestParseCheckpoint', async (t) => {
  const all = [logKey!, known1Key!, known2Key!];
  const count = (signers: ReturnType<typeof parseSignerKey>[]) => openNote(signCheckpoint(CP, signers), all).verified.length;
  t.equal(count([logSigner]), 1, 'just log sig');
  t.equal(count([logSigner, known1Signer]), 2, 'log and known1 sig');
  t.equal(count([logSigner, known1Signer, unknownSigner]), 2, 'log, known1, and unknown sig');
  t.equal(count([logSigner, known1Signer, known2Signer]), 3, 'just required sigs');
  t.equal(count([known2Signer, logSigner, known1Signer]), 3, 'mixed order');
  t.equal(count([logSigner, known1Signer, known2Signer, unknownSigner]), 3, 'all sigs');
  const hat = signNote("if this is a valid checkpoint then I'll eat my hat\n", logSigner);
  t.same(refusal(() => verifyCheckpoint(hat, logKey!)), invalid('checkpoint has 1 line, want at least 3 (origin, tree size, root hash)'));
});

t.test('every truncation of a signed checkpoint is refused', async (t) => {
  const signed = signCheckpoint(CP, logSigner);
  const accepted: number[] = [];
  for (let n = 0; n < signed.length; n++) {
    const r = refusal(() => verifyCheckpoint(signed.slice(0, n), logKey!));
    if (r.code !== 'DP_ERR_CHECKPOINT_INVALID') accepted.push(n);
  }
  t.same(accepted, []);
});

t.test('verifyCheckpoint refuses a missing blank line, CRLF and text after the signatures', async (t) => {
  const signed = signCheckpoint(CP, logSigner);
  t.same(refusal(() => verifyCheckpoint(signed.replace('\n\n', '\n'), logKey!)), invalid('missing blank line before signatures'));
  t.same(refusal(() => verifyCheckpoint(signed.replaceAll('\n', '\r\n'), logKey!)), invalid('note has a control character 0x0d at byte 17'));
  t.same(refusal(() => verifyCheckpoint(`${signed}trailing\n`, logKey!)), invalid('signature line 2 does not start with an em dash and a space'));
  t.same(refusal(() => verifyCheckpoint(`${signed}trailing`, logKey!)), invalid('last signature line does not end with a newline'));
});
