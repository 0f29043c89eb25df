import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes, canonicalize } from '../../crypto/jcs.js';
import { toHex } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';

// Vectors copied from RFC 8785 (https://www.rfc-editor.org/rfc/rfc8785): sections 3.2.2, 3.2.3,
// 3.2.4 and Appendix B Table 1.

// RFC 8785 3.2.2: the sample input, as the JSON text the RFC shows.
const RFC_3_2_2_INPUT = String.raw`{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`;
// RFC 8785 3.2.3: its canonical form (the RFC's display line wrap removed).
const RFC_3_2_3_OUTPUT = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
// RFC 8785 3.2.4: the same as UTF-8 bytes.
const RFC_3_2_4_HEX = `
  7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
  75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
  5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
  65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
  5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
  30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`.replace(/\s+/g, '');

// RFC 8785 Appendix B, Table 1: IEEE 754 bits -> JSON representation (null: must be refused).
const APPENDIX_B: Array<[string, string | null, string]> = [
  ['0000000000000000', '0', 'Zero'],
  ['8000000000000000', '0', 'Minus zero'],
  ['0000000000000001', '5e-324', 'Min pos number'],
  ['8000000000000001', '-5e-324', 'Min neg number'],
  ['7fefffffffffffff', '1.7976931348623157e+308', 'Max pos number'],
  ['ffefffffffffffff', '-1.7976931348623157e+308', 'Max neg number'],
  ['4340000000000000', '9007199254740992', 'Max pos int'],
  ['c340000000000000', '-9007199254740992', 'Max neg int'],
  ['4430000000000000', '295147905179352830000', '~2**68'],
  ['7fffffffffffffff', null, 'NaN'],
  ['7ff0000000000000', null, 'Infinity'],
  ['44b52d02c7e14af5', '9.999999999999997e+22', ''],
  ['44b52d02c7e14af6', '1e+23', ''],
  ['44b52d02c7e14af7', '1.0000000000000001e+23', ''],
  ['444b1ae4d6e2ef4e', '999999999999999700000', ''],
  ['444b1ae4d6e2ef4f', '999999999999999900000', ''],
  ['444b1ae4d6e2ef50', '1e+21', ''],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7', ''],
  ['3eb0c6f7a0b5ed8d', '0.000001', ''],
  ['41b3de4355555553', '333333333.3333332', ''],
  ['41b3de4355555554', '333333333.33333325', ''],
  ['41b3de4355555555', '333333333.3333333', ''],
  ['41b3de4355555556', '333333333.3333334', ''],
  ['41b3de4355555557', '333333333.33333343', ''],
  ['becbf647612f3696', '-0.0000033333333333333333', ''],
  ['43143ff3c1cb0959', '1424953923781206.2', 'Round to even'],
];

function doubleFromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

const refused = (path: string, message: RegExp) => ({ code: 'DP_ERR_CANONICAL_JSON', path, message });

// What canonicalize() threw for `value`: its code, the offending path and the message.
function refusal(value: unknown): { code: string; path: unknown; message: string } {
  try {
    canonicalize(value);
  } catch (e) {
    if (!(e instanceof DataportError)) throw e;
    return { code: e.code, path: (e.details as { path?: unknown } | undefined)?.path, message: e.message };
  }
  throw new Error('expected a DataportError, nothing was thrown');
}

t.test('RFC 8785 3.2.2/3.2.3: the sample object canonicalises to the RFC output', async (t) => {
  t.equal(canonicalize(JSON.parse(RFC_3_2_2_INPUT)), RFC_3_2_3_OUTPUT);
});

t.test('RFC 8785 3.2.4: canonicalBytes is the UTF-8 of the RFC sample, byte for byte', async (t) => {
  t.equal(toHex(canonicalBytes(JSON.parse(RFC_3_2_2_INPUT))), RFC_3_2_4_HEX);
});

t.test('RFC 8785 3.2.3: properties sort by UTF-16 code units, surrogate pairs included', async (t) => {
  const input = JSON.parse(String.raw`{
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  }`);
  const order = [...canonicalize(input).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
  t.same(order, [
    'Carriage Return',
    'One',
    'Control',
    'Latin Small Letter O With Diaeresis',
    'Euro Sign',
    'Emoji: Grinning Face',
    'Hebrew Letter Dalet With Dagesh',
  ]);
});

t.test('RFC 8785 Appendix B: every IEEE 754 sample serialises as the RFC says', async (t) => {
  for (const [hex, expected, comment] of APPENDIX_B) {
    const value = doubleFromHex(hex);
    if (expected === null) {
      t.throws(() => canonicalize(value), { code: 'DP_ERR_CANONICAL_JSON' }, `${hex} ${comment} is refused`);
    } else {
      t.equal(canonicalize(value), expected, `${hex} ${comment}`);
    }
  }
});

t.test('cyberphone/json-canonicalization testdata: each input canonicalises to its output file', async (t) => {
  const dir = join(process.cwd(), 'test/fixtures/rfc/jcs');
  const names = readdirSync(join(dir, 'input')).filter((n) => n.endsWith('.json'));
  t.ok(names.length >= 4, `found ${names.length} fixture pairs`);
  for (const name of names) {
    const input = JSON.parse(readFileSync(join(dir, 'input', name), 'utf8'));
    t.equal(canonicalize(input), readFileSync(join(dir, 'output', name), 'utf8'), name);
  }
});

t.test('nested objects inside arrays are sorted, array order is kept', async (t) => {
  t.equal(canonicalize([56, { d: true, 10: null, 1: [] }]), '[56,{"1":[],"10":null,"d":true}]');
  t.equal(canonicalize({ b: [{ z: 1, a: 2 }], a: {} }), '{"a":{},"b":[{"a":2,"z":1}]}');
});

t.test('objects without a prototype are plain JSON', async (t) => {
  const o = Object.create(null) as Record<string, unknown>;
  o.b = 1;
  o.a = 'x';
  t.equal(canonicalize(o), '{"a":"x","b":1}');
});

t.test('non-finite numbers are refused with their path', async (t) => {
  t.match(refusal({ a: [1, Number.NaN] }), refused('$.a[1]', /NaN is not finite/));
  t.match(refusal(Number.POSITIVE_INFINITY), refused('$', /Infinity is not finite/));
  t.match(refusal({ x: { y: Number.NEGATIVE_INFINITY } }), refused('$.x.y', /-Infinity is not finite/));
});

t.test('lone surrogates in strings and property names are refused (RFC 8785 3.2.2.2)', async (t) => {
  t.match(refusal({ s: 'ab\uDEAD' }), refused('$.s', /lone surrogate U\+DEAD at UTF-16 index 2/));
  t.match(refusal(['\uD83D']), refused('$[0]', /lone surrogate U\+D83D at UTF-16 index 0/));
  t.match(refusal({ 'k\uD800': 1 }), refused('$["k\\ud800"]', /property name has a lone surrogate U\+D800 at UTF-16 index 1/));
});

t.test('undefined, functions, symbols and bigints are refused, never dropped or nulled', async (t) => {
  t.match(refusal(undefined), refused('$', /undefined has no JSON representation/));
  t.match(refusal([1, undefined]), refused('$[1]', /undefined/));
  t.match(refusal({ a: 1, gone: undefined }), refused('$.gone', /undefined/));
  t.match(refusal({ f: () => 1 }), refused('$.f', /function has no JSON representation/));
  t.match(refusal({ s: Symbol('x') }), refused('$.s', /symbol has no JSON representation/));
  t.match(refusal({ n: 10n }), refused('$.n', /bigint .* Appendix D/));
  t.match(refusal({ toJSON: () => 'changed' }), refused('$.toJSON', /function/));
});

t.test('non-plain objects are refused instead of being converted', async (t) => {
  class Point {
    x = 1;
  }
  t.match(refusal({ when: new Date(0) }), refused('$.when', /a Date is not plain JSON data/));
  t.match(refusal({ m: new Map([['a', 1]]) }), refused('$.m', /a Map is not plain JSON data/));
  t.match(refusal(new Set([1])), refused('$', /a Set is not plain JSON data/));
  t.match(refusal([new Point()]), refused('$[0]', /a Point is not plain JSON data/));
  t.match(refusal({ bytes: new Uint8Array([1]) }), refused('$.bytes', /a Uint8Array is not plain JSON data/));
  t.match(refusal({ n: new Number(1) }), refused('$.n', /a Number is not plain JSON data/));
});

t.test('structures JSON cannot carry are refused', async (t) => {
  const loop: Record<string, unknown> = { a: {} };
  (loop.a as Record<string, unknown>).back = loop;
  t.match(refusal(loop), refused('$.a.back', /circular reference/));
  t.match(refusal([1, , 3]), refused('$[1]', /hole in a sparse array/));
  t.match(refusal({ [Symbol('s')]: 1 }), refused('$', /symbol-keyed properties/));
  t.match(refusal(Object.defineProperty({}, 'g', { get: () => 1, enumerable: true })), refused('$.g', /accessor/));
  t.match(refusal(Object.defineProperty({}, 'h', { value: 1, enumerable: false })), refused('$.h', /non-enumerable/));
  let deep: unknown = 1;
  for (let i = 0; i < 1001; i++) deep = [deep];
  t.match(refusal(deep), refused(`$${'[0]'.repeat(1000)}`, /deeper than 1000/));
});

t.test('a shared (non-circular) sub-object is fine', async (t) => {
  const shared = { v: 1 };
  t.equal(canonicalize({ a: shared, b: shared }), '{"a":{"v":1},"b":{"v":1}}');
});
