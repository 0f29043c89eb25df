// Structured field values (RFC 8941): a strict parser for dictionaries, and the serialisation of
// the strings and integers that signature parameters use. Shared by Content-Digest (RFC 9530,
// ./content-digest.ts) and HTTP Message Signatures (RFC 9421, ./http-signatures.ts).
import { fromBase64 } from './bytes.js';
import { DataportError, type ErrorCode, quoteUntrusted as quote } from './errors.js';

// The parsed forms of RFC 8941 3: bare items (3.3), parameters (3.1.2), items, inner lists (3.1.1)
// and dictionaries (3.2), whose members keep their order.
export type SfBareItem =
  | { type: 'integer'; value: number }
  | { type: 'decimal'; value: number }
  | { type: 'string'; value: string }
  | { type: 'token'; value: string }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'boolean'; value: boolean };
export type SfParameters = Map<string, SfBareItem>;
export interface SfItem {
  kind: 'item';
  value: SfBareItem;
  params: SfParameters;
}
export interface SfInnerList {
  kind: 'inner-list';
  items: SfItem[];
  params: SfParameters;
}
export type SfDictionary = Map<string, SfItem | SfInnerList>;

/** A dictionary key (RFC 8941 3.2), e.g. a signature label. */
export const SF_KEY = /^[a-z*][a-z0-9_\-.*]*$/;
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_INTEGER = 999_999_999_999_999;

/** A field value that is not valid RFC 8941; the message says what is off and at which offset. */
export class SfSyntaxError extends Error {}

interface Cursor {
  readonly s: string;
  i: number;
}

function sfFail(c: Cursor, what: string): never {
  throw new SfSyntaxError(`${what} at offset ${c.i}`);
}

// RFC 8941 4.2 with 4.2.2 (dictionaries). Throws SfSyntaxError on anything not strictly valid.
export function parseSfDictionary(input: string): SfDictionary {
  const c: Cursor = { s: input, i: 0 };
  for (let i = 0; i < input.length; i++) {
    if (input.charCodeAt(i) > 0x7f) {
      c.i = i;
      sfFail(c, 'non-ASCII character');
    }
  }
  skip(c, ' ');
  const dictionary: SfDictionary = new Map();
  while (c.i < input.length) {
    const key = parseKey(c);
    if (input[c.i] === '=') {
      c.i++;
      dictionary.set(key, input[c.i] === '(' ? parseInnerList(c) : parseItem(c));
    } else {
      dictionary.set(key, { kind: 'item', value: { type: 'boolean', value: true }, params: parseParameters(c) });
    }
    skip(c, ' \t');
    if (c.i >= input.length) break;
    if (input[c.i] !== ',') sfFail(c, `expected "," after member "${key}"`);
    c.i++;
    skip(c, ' \t');
    if (c.i >= input.length) sfFail(c, 'trailing ","');
  }
  return dictionary;
}

function skip(c: Cursor, chars: string): void {
  while (c.i < c.s.length && chars.includes(c.s[c.i]!)) c.i++;
}

// 4.2.1.2
function parseInnerList(c: Cursor): SfInnerList {
  c.i++; // "("
  const items: SfItem[] = [];
  while (c.i < c.s.length) {
    skip(c, ' ');
    if (c.s[c.i] === ')') {
      c.i++;
      return { kind: 'inner-list', items, params: parseParameters(c) };
    }
    items.push(parseItem(c));
    if (c.s[c.i] !== ' ' && c.s[c.i] !== ')') sfFail(c, 'expected " " or ")" in an inner list');
  }
  return sfFail(c, 'unterminated inner list');
}

// 4.2.3
function parseItem(c: Cursor): SfItem {
  return { kind: 'item', value: parseBareItem(c), params: parseParameters(c) };
}

// 4.2.3.1
function parseBareItem(c: Cursor): SfBareItem {
  const ch = c.s[c.i];
  if (ch === undefined) return sfFail(c, 'expected an item');
  if (ch === '-' || (ch >= '0' && ch <= '9')) return parseNumber(c);
  if (ch === '"') return parseString(c);
  if (ch === '*' || /[A-Za-z]/.test(ch)) return parseToken(c);
  if (ch === ':') return parseByteSequence(c);
  if (ch === '?') return parseBoolean(c);
  return sfFail(c, `unexpected ${JSON.stringify(ch)}`);
}

// 4.2.3.2
function parseParameters(c: Cursor): SfParameters {
  const params: SfParameters = new Map();
  while (c.s[c.i] === ';') {
    c.i++;
    skip(c, ' ');
    const key = parseKey(c);
    let value: SfBareItem = { type: 'boolean', value: true };
    if (c.s[c.i] === '=') {
      c.i++;
      value = parseBareItem(c);
    }
    params.set(key, value);
  }
  return params;
}

// 4.2.3.3
function parseKey(c: Cursor): string {
  const start = c.i;
  const first = c.s[c.i];
  if (first === undefined || !(first === '*' || (first >= 'a' && first <= 'z'))) sfFail(c, 'expected a key (lowercase letter or "*")');
  c.i++;
  while (c.i < c.s.length && /[a-z0-9_\-.*]/.test(c.s[c.i]!)) c.i++;
  return c.s.slice(start, c.i);
}

// 4.2.4
function parseNumber(c: Cursor): SfBareItem {
  let sign = 1;
  if (c.s[c.i] === '-') {
    sign = -1;
    c.i++;
  }
  let digits = '';
  let decimal = false;
  while (c.i < c.s.length) {
    const ch = c.s[c.i]!;
    if (ch >= '0' && ch <= '9') {
      digits += ch;
    } else if (ch === '.' && !decimal && digits.length > 0) {
      if (digits.length > 12) sfFail(c, 'a decimal has more than 12 integer digits');
      decimal = true;
      digits += ch;
    } else {
      break;
    }
    c.i++;
    if (!decimal && digits.length > 15) sfFail(c, 'an integer has more than 15 digits');
    if (decimal && digits.length > 16) sfFail(c, 'a decimal is longer than 16 characters');
  }
  if (digits.length === 0) sfFail(c, 'expected a digit');
  if (!decimal) return { type: 'integer', value: sign * Number(digits) };
  const fraction = digits.length - digits.indexOf('.') - 1;
  if (fraction === 0 || fraction > 3) sfFail(c, 'a decimal needs 1 to 3 fraction digits');
  return { type: 'decimal', value: sign * Number(digits) };
}

// 4.2.5
function parseString(c: Cursor): SfBareItem {
  c.i++; // opening DQUOTE
  let out = '';
  while (c.i < c.s.length) {
    const ch = c.s[c.i++]!;
    if (ch === '"') return { type: 'string', value: out };
    if (ch === '\\') {
      const next = c.s[c.i++];
      if (next !== '"' && next !== '\\') sfFail(c, 'a string escapes something other than \\" or \\\\');
      out += next;
    } else if (ch < ' ' || ch > '~') {
      c.i--;
      sfFail(c, 'a string has a character outside printable ASCII');
    } else {
      out += ch;
    }
  }
  return sfFail(c, 'unterminated string');
}

// 4.2.6
function parseToken(c: Cursor): SfBareItem {
  const start = c.i++;
  while (c.i < c.s.length && TCHAR.test(c.s[c.i]!)) c.i++;
  return { type: 'token', value: c.s.slice(start, c.i) };
}

// 4.2.7: missing "=" padding is tolerated, as the RFC asks of parsers.
function parseByteSequence(c: Cursor): SfBareItem {
  c.i++; // opening ":"
  const end = c.s.indexOf(':', c.i);
  if (end < 0) sfFail(c, 'unterminated byte sequence');
  const text = c.s.slice(c.i, end);
  if (!BASE64.test(text)) sfFail(c, 'a byte sequence is not base64');
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) sfFail(c, 'a byte sequence has a truncated base64 group');
  let value: Uint8Array;
  try {
    value = fromBase64(bare + '='.repeat((4 - (bare.length % 4)) % 4));
  } catch {
    return sfFail(c, 'a byte sequence is not canonical base64');
  }
  c.i = end + 1;
  return { type: 'bytes', value };
}

// 4.2.8
function parseBoolean(c: Cursor): SfBareItem {
  c.i++; // "?"
  const ch = c.s[c.i];
  if (ch !== '0' && ch !== '1') sfFail(c, 'a boolean is not ?0 or ?1');
  c.i++;
  return { type: 'boolean', value: ch === '1' };
}

// RFC 8941 4.1.6. The serialisers throw DataportError with the caller's `code`.
export function serializeSfString(s: string, code: ErrorCode): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new DataportError(code, `${quote(s)} has a character outside printable ASCII (RFC 8941 3.3.3)`);
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

// RFC 8941 4.1.4
export function serializeSfInteger(n: number, code: ErrorCode): string {
  if (!Number.isInteger(n) || Math.abs(n) > MAX_INTEGER) {
    throw new DataportError(code, `${n} is not an integer of at most 15 digits (RFC 8941 3.3.1)`);
  }
  return String(n);
}

