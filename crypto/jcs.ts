// RFC 8785 JSON Canonicalization Scheme (JCS).
//
// The `canonicalize` package (the RFC authors' reference implementation) does the serialisation:
// ECMAScript number and string rules (3.2.2) and UTF-16 code-unit property sorting (3.2.3).
// It is lenient where canonical JSON must not be: it calls `toJSON` (a Date becomes a string),
// turns `undefined` in arrays into `null`, drops `undefined` properties and emits the text
// `undefined` for a function. So every value is first checked against I-JSON (RFC 7493, as
// RFC 8785 3.1 requires) and refused with the path of the first offending value; the package then
// only ever sees plain JSON data, and canonical JSON never silently changes a value.
import serialize from 'canonicalize';
import { utf8 } from './bytes.js';
import { DataportError } from './errors.js';

// Deeper nesting than this is refused instead of overflowing the stack (RFC 8785 5: sanity checks).
const MAX_DEPTH = 1000;

/** The canonical JSON text of `value` (RFC 8785 3.2). Throws DP_ERR_CANONICAL_JSON for non-I-JSON input. */
export function canonicalize(value: unknown): string {
  assertIJson(value, '$', 0, new Set());
  const text = serialize(value);
  if (typeof text !== 'string') throw refuse('$', 'it has no JSON representation');
  return text;
}

/** The canonical JSON of `value` as UTF-8 bytes (RFC 8785 3.2.4): the input to hashing and signing. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalize(value));
}

function refuse(path: string, why: string): DataportError {
  return new DataportError('DP_ERR_CANONICAL_JSON', `${path}: ${why}`, { path });
}

function assertIJson(value: unknown, path: string, depth: number, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'string':
      return assertWellFormed(value, path, 'string');
    case 'number':
      // RFC 8785 3.2.2.3 note: NaN and Infinity MUST terminate with an error.
      if (!Number.isFinite(value)) throw refuse(path, `the number ${value} is not finite`);
      return;
    case 'bigint':
      throw refuse(path, 'a bigint is not an IEEE 754 double; send it as a string (RFC 8785 Appendix D)');
    case 'undefined':
    case 'function':
    case 'symbol':
      throw refuse(path, `a ${typeof value} has no JSON representation`);
  }
  if (value === null) return;
  const object = value as object;
  if (depth >= MAX_DEPTH) throw refuse(path, `nesting is deeper than ${MAX_DEPTH}`);
  if (ancestors.has(object)) throw refuse(path, 'circular reference');
  ancestors.add(object);
  if (Array.isArray(object)) {
    if (Object.getPrototypeOf(object) !== Array.prototype) throw refuse(path, 'an Array subclass is not plain JSON');
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) throw refuse(`${path}[${i}]`, 'a hole in a sparse array has no JSON representation');
      assertIJson(object[i], `${path}[${i}]`, depth + 1, ancestors);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (object.constructor as { name?: unknown } | undefined)?.name;
      throw refuse(path, `a ${typeof name === 'string' && name ? name : 'non-plain object'} is not plain JSON data`);
    }
    if (Object.getOwnPropertySymbols(object).length > 0) throw refuse(path, 'symbol-keyed properties would be dropped');
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(object))) {
      const at = childPath(path, key);
      assertWellFormed(key, at, 'property name');
      if (!descriptor.enumerable) throw refuse(at, 'a non-enumerable property would be dropped');
      if (!('value' in descriptor)) throw refuse(at, 'an accessor property is not plain JSON data');
      assertIJson(descriptor.value, at, depth + 1, ancestors);
    }
  }
  ancestors.delete(object);
}

// RFC 8785 3.2.2.2 note: lone surrogates MUST terminate with an error.
function assertWellFormed(s: string, path: string, what: string): void {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    const hex = unit.toString(16).toUpperCase();
    throw refuse(path, `the ${what} has a lone surrogate U+${hex} at UTF-16 index ${i}`);
  }
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
