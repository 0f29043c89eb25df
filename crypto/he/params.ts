// The BFV parameter sets of homomorphic aggregation, and their SEAL contexts (built once per process).
//
// Aggregation only ever adds, so the coefficient modulus needs room for fresh encryption noise plus
// log2(number of ciphertexts) bits, not for multiplications: two data primes and the special prime,
// well under the 128-bit bound of the Homomorphic Encryption Security Standard (table 1, ternary
// secret: log q <= 109 at N = 4096, <= 218 at N = 8192), which SEAL checks again (sec_level_type::tc128).
// Measured invariant noise budget of a fresh ciphertext: 25 bits (4096), 38 bits (8192); a sum of
// 1,000 ciphertexts uses 5 of them (10 if all were the same one), a million about 10.
import { DataportError } from '../errors.js';
import { sealCall, sealLibrary, scoped, type SEALLibrary } from './seal.js';
import type { BatchEncoder } from 'node-seal/implementation/batch-encoder.js';
import type { Context } from 'node-seal/implementation/context.js';
import type { Evaluator } from 'node-seal/implementation/evaluator.js';

export type HeParamSet = 'bfv-8192' | 'bfv-4096';
export const HE_PARAM_SETS: readonly HeParamSet[] = Object.freeze(['bfv-8192', 'bfv-4096'] as const);

/** What a caller needs to know about a parameter set. */
export interface HeParams {
  readonly id: HeParamSet;
  /** Values per ciphertext (BFV batching: N slots). */
  readonly slots: number;
  /** The batching plain modulus t: a prime = 1 mod 2N. */
  readonly plainModulus: bigint;
  /** Largest |value| a slot holds: (t-1)/2 (values are centred mod t). Sums wrap beyond it. */
  readonly maxAbs: bigint;
  readonly securityBits: 128;
}

interface Definition {
  readonly polyModulusDegree: number;
  /** Bit sizes of the coefficient modulus primes; the last is the special prime (no data at it). */
  readonly coeffModulusBits: readonly number[];
  readonly plainModulusBits: number;
}

// 4096: SEAL's BFVDefault(4096, tc128) sizes (36, 36, 37), the most the standard allows at 128 bits.
// 8192: the first three of BFVDefault(8192)'s five (43, 43, 44): the other two would only buy
// multiplicative depth, at the price of twice the ciphertext and half as much again the time to encrypt.
// t: 40 bits (the same prime 1,099,511,480,321 = 1 mod 16384 serves both), so a slot holds +-5.5e11.
const DEFINITIONS: Readonly<Record<HeParamSet, Definition>> = {
  'bfv-8192': { polyModulusDegree: 8192, coeffModulusBits: [43, 43, 44], plainModulusBits: 40 },
  'bfv-4096': { polyModulusDegree: 4096, coeffModulusBits: [36, 36, 37], plainModulusBits: 40 },
};

/** Room for SEAL's headers and metadata around the polynomial data of a serialised object. */
const SERIALISATION_OVERHEAD = 256;

/** A parameter set's SEAL context and the shared, key-free helpers over it. Never freed. */
export interface HeContext {
  readonly params: HeParams;
  readonly seal: SEALLibrary;
  readonly context: Context;
  readonly encoder: BatchEncoder;
  readonly evaluator: Evaluator;
  /** parms_id of the (only) data level: every ciphertext must carry it. */
  readonly dataParmsId: readonly bigint[];
  /** Largest uncompressed serialisation of each kind of object, in bytes. */
  readonly rawLimit: { readonly ciphertext: number; readonly publicKey: number; readonly secretKey: number };
}

const contexts = new Map<HeParamSet, Promise<HeContext>>();

export function assertParamSet(id: unknown): asserts id is HeParamSet {
  if (typeof id !== 'string' || !HE_PARAM_SETS.includes(id as HeParamSet)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `unknown HE parameter set ${JSON.stringify(id)}, want one of ${HE_PARAM_SETS.join(', ')}`);
  }
}

/** The context of a parameter set, built on first use and cached for the life of the process. */
export function heContext(id: HeParamSet): Promise<HeContext> {
  assertParamSet(id);
  let ctx = contexts.get(id);
  if (!ctx) {
    ctx = sealLibrary().then((seal) => buildContext(seal, id));
    ctx.catch(() => contexts.delete(id));
    contexts.set(id, ctx);
  }
  return ctx;
}

export async function heParams(id: HeParamSet): Promise<HeParams> {
  return (await heContext(id)).params;
}

function buildContext(seal: SEALLibrary, id: HeParamSet): HeContext {
  const def = DEFINITIONS[id];
  const n = def.polyModulusDegree;
  return sealCall('DP_ERR_INTERNAL', `HE parameter set ${id}`, () =>
    scoped((own) => {
      const parms = own(seal.EncryptionParameters(seal.SchemeType.bfv));
      parms.setPolyModulusDegree(n);
      parms.setCoeffModulus(own(seal.CoeffModulus.Create(n, Int32Array.from(def.coeffModulusBits))));
      const t = own(seal.PlainModulus.Batching(n, def.plainModulusBits));
      parms.setPlainModulus(t);
      // No modulus switching chain: the key level and one data level, so a ciphertext at any other
      // level does not even load.
      const context = seal.Context(parms, false, seal.SecurityLevel.tc128);
      if (!context.parametersSet()) {
        context.delete();
        throw new DataportError('DP_ERR_INTERNAL', `SEAL rejects the parameters of ${id}`);
      }
      const dataParmsId = own(context.firstParmsId);
      const keyPrimes = def.coeffModulusBits.length;
      const plainModulus = t.value;
      return {
        params: Object.freeze({ id, slots: n, plainModulus, maxAbs: (plainModulus - 1n) / 2n, securityBits: 128 as const }),
        seal,
        context,
        encoder: seal.BatchEncoder(context),
        evaluator: seal.Evaluator(context),
        dataParmsId: Object.freeze([...dataParmsId.values]),
        rawLimit: Object.freeze({
          ciphertext: 2 * n * (keyPrimes - 1) * 8 + SERIALISATION_OVERHEAD,
          publicKey: 2 * n * keyPrimes * 8 + SERIALISATION_OVERHEAD,
          secretKey: n * keyPrimes * 8 + SERIALISATION_OVERHEAD,
        }),
      };
    }),
  );
}
