// Boundary checks and encodings shared by the primitives (in the spirit of noble's `abytes`).
import { base64, base64urlnopad, hex } from '@scure/base';
import { DataportError } from './errors.js';

export function abytes(value: unknown, length?: number, name = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${name} has length ${value.length}, want ${length}`);
  }
  return value;
}

export function isBytes(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.length === length);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const utf8 = {
  encode: (s: string): Uint8Array => new TextEncoder().encode(s),
  decode: (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b),
};

export const toHex = (b: Uint8Array): string => hex.encode(b);
export const fromHex = (s: string): Uint8Array => hex.decode(s);
export const toBase64 = (b: Uint8Array): string => base64.encode(b);
export const fromBase64 = (s: string): Uint8Array => base64.decode(s);
export const toBase64Url = (b: Uint8Array): string => base64urlnopad.encode(b);
export const fromBase64Url = (s: string): Uint8Array => base64urlnopad.decode(s);
