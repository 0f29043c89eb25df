// The one place that touches node-seal's module: loading it (once per process), freeing what it
// allocates, and turning what it throws into DataportError.
//
// node-seal 6.0.3 is pinned (7.x needs WebAssembly exception references that Node 20 lacks). Its
// `main` is the UMD build of the "throws" variant: SEAL compiled with SEAL_THROW_ON_TRANSPARENT_CIPHERTEXT,
// so an operation whose result would be trivially decryptable throws instead of returning it.
import { createRequire } from 'node:module';
import type { SEALLibrary } from 'node-seal/implementation/seal.js';
import { DataportError, type ErrorCode } from '../errors.js';

export type { SEALLibrary };

let library: Promise<SEALLibrary> | undefined;

/** The SEAL WebAssembly module: loaded on first use (not on import), then shared by every parameter set. */
export function sealLibrary(): Promise<SEALLibrary> {
  library ??= (async () => {
    // The package has no `exports` map and its typings declare an ES default export over a
    // CommonJS file: requiring its `main` entry is what Node 20 runs, typed as what it returns.
    const load = createRequire(import.meta.url)('node-seal') as () => Promise<SEALLibrary>;
    return load();
  })().catch((e: unknown) => {
    library = undefined;
    throw new DataportError('DP_ERR_INTERNAL', `the SEAL module did not load: ${sealMessage(e)}`);
  });
  return library;
}

/** Anything node-seal hands out that lives in the WebAssembly heap. */
export interface SealObject {
  delete(): void;
}

/**
 * Runs `body` with an `own` function that registers SEAL objects to be freed when `body` returns or
 * throws, last registered first. A value `body` returns must not be registered.
 */
export function scoped<T>(body: (own: <O extends SealObject>(o: O) => O) => T): T {
  const owned: SealObject[] = [];
  try {
    return body((o) => {
      owned.push(o);
      return o;
    });
  } finally {
    for (let i = owned.length - 1; i >= 0; i--) owned[i]!.delete();
  }
}

/**
 * Calls into SEAL; whatever escapes (an Error from node-seal, a bare number or string from the
 * WebAssembly side) becomes a DataportError with `code`. DataportErrors pass through.
 */
export function sealCall<T>(code: ErrorCode, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DataportError) throw e;
    throw new DataportError(code, `${what}: ${sealMessage(e)}`);
  }
}

function sealMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  return `SEAL exception ${String(e)}`;
}

/** node-seal's operations return `T | void` (void when given a destination); called without one, they return T. */
export function made<T>(value: T | void, what: string): T {
  if (value === undefined) throw new DataportError('DP_ERR_INTERNAL', `SEAL returned nothing for ${what}`);
  return value;
}
