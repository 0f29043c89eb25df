import t from 'tap';
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import { columnKey, dateShiftKey, PSEUDONYM_KEY_LENGTH } from '../../crypto/pseudonym-keys.js';
import { thrown } from '../helpers.js';

const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

// RFC 5869 Appendix A, the SHA-256 cases (A.1 to A.3), copied from the RFC.
const RFC5869 = [
  {
    name: 'A.1 basic test case',
    ikm: new Uint8Array(22).fill(0x0b), salt: range(0x00, 0x0c), info: range(0xf0, 0xf9), L: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'A.2 longer inputs and outputs',
    ikm: range(0x00, 0x4f), salt: range(0x60, 0xaf), info: range(0xb0, 0xff), L: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'A.3 zero-length salt and info',
    ikm: new Uint8Array(22).fill(0x0b), salt: new Uint8Array(0), info: new Uint8Array(0), L: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

for (const v of RFC5869) {
  t.test(`HKDF-SHA256 matches RFC 5869 ${v.name}`, async (t) => {
    t.equal(toHex(extract(sha256, v.ikm, v.salt)), v.prk, 'PRK');
    t.equal(toHex(expand(sha256, fromHex(v.prk), v.info, v.L)), v.okm, 'OKM from PRK');
    t.equal(toHex(hkdf(sha256, v.ikm, v.salt, v.info, v.L)), v.okm, 'OKM in one call');
  });
}

const secret = new Uint8Array(32).fill(1);

t.test('columnKey is HKDF-SHA256 with the agreement as salt and dataport/pseudonym/v1/<column> as info', async (t) => {
  const key = columnKey(secret, 'agreement-1', 'USUBJID');
  t.equal(key.length, PSEUDONYM_KEY_LENGTH);
  t.equal(toHex(key), toHex(hkdf(sha256, secret, utf8.encode('agreement-1'), utf8.encode('dataport/pseudonym/v1/USUBJID'), 32)));
});

t.test('dateShiftKey is HKDF-SHA256 with info dataport/date-shift/v1', async (t) => {
  t.equal(toHex(dateShiftKey(secret, 'agreement-1')), toHex(hkdf(sha256, secret, utf8.encode('agreement-1'), utf8.encode('dataport/date-shift/v1'), 32)));
});

t.test('keys are deterministic for one secret, agreement and column', async (t) => {
  t.equal(toHex(columnKey(secret, 'agreement-1', 'VIN')), toHex(columnKey(new Uint8Array(32).fill(1), 'agreement-1', 'VIN')));
});

t.test('keys differ per agreement, per column, per secret and per purpose', async (t) => {
  const base = toHex(columnKey(secret, 'agreement-1', 'VIN'));
  t.not(toHex(columnKey(secret, 'agreement-2', 'VIN')), base, 'another agreement');
  t.not(toHex(columnKey(secret, 'agreement-1', 'PLATE')), base, 'another column');
  t.not(toHex(columnKey(new Uint8Array(32).fill(2), 'agreement-1', 'VIN')), base, 'another provider secret');
  t.not(toHex(dateShiftKey(secret, 'agreement-1')), base, 'the date-shift key');
  t.not(toHex(dateShiftKey(secret, 'agreement-2')), toHex(dateShiftKey(secret, 'agreement-1')), 'date-shift keys per agreement');
});

t.test('a provider secret shorter than 32 bytes is refused', async (t) => {
  t.same(thrown(() => columnKey(new Uint8Array(16), 'a', 'c')), {
    code: 'DP_ERR_INVALID_ARGUMENT', message: 'Invalid argument: providerSecret has 16 bytes, want at least 32',
  });
});

t.test('an empty agreement id or column is refused', async (t) => {
  t.equal(thrown(() => columnKey(secret, '', 'c')).message, 'Invalid argument: agreementId must be a non-empty string');
  t.equal(thrown(() => columnKey(secret, 'a', '')).message, 'Invalid argument: column must be a non-empty string');
});
