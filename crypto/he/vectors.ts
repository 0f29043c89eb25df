// Vectors in and out of BFV ciphertexts: batching encodes slot i of the vector into slot i of the
// plaintext, so adding ciphertexts adds the vectors slot by slot, mod t.
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import { DataportError } from '../errors.js';
import { assertKeyPair, loadPublicKey, loadSecretKey } from './keys.js';
import { heContext, type HeContext, type HeParams, type HeParamSet } from './params.js';
import { checkSealBytes } from './serialised.js';
import { made, sealCall, scoped } from './seal.js';

/**
 * A vector as the `slots` signed slots of a plaintext, zero beyond its length.
 * Throws DP_ERR_HE_VALUE_RANGE for more values than slots, a non-integer, or |value| > maxAbs.
 */
export function toSlots(params: HeParams, values: ArrayLike<number | bigint>): BigInt64Array {
  if (typeof values !== 'object' || values === null || typeof values.length !== 'number') {
    throw new DataportError('DP_ERR_HE_VALUE_RANGE', 'values must be an array of integers');
  }
  if (values.length > params.slots) {
    throw new DataportError('DP_ERR_HE_VALUE_RANGE', `${values.length} values, more than the ${params.slots} slots of ${params.id}`);
  }
  const max = params.maxAbs;
  const maxNumber = Number(max); // < 2^53: every integer up to it is exact
  const slots = new BigInt64Array(params.slots);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= maxNumber) slots[i] = BigInt(v);
    else if (typeof v === 'bigint' && v <= max && v >= -max) slots[i] = v;
    else throw new DataportError('DP_ERR_HE_VALUE_RANGE', `value ${i} is ${describe(v)}: want an integer with |value| <= ${max}`);
  }
  return slots;
}

function describe(v: unknown): string {
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v;
}

/**
 * A ciphertext of the parameter set, as a received one must be: SEAL loads it under the context
 * (parms_id known to it, metadata and every coefficient valid), it is at the data level, has two
 * polynomials, is not in NTT form and is not transparent. The caller owns (and deletes) it.
 */
export function loadCiphertext(ctx: HeContext, bytes: unknown): CipherText {
  const id = ctx.params.id;
  const what = `${id} ciphertext`;
  const checked = checkSealBytes(bytes, ctx.rawLimit.ciphertext, 'DP_ERR_HE_CIPHERTEXT_INVALID', what);
  const cipher = ctx.seal.CipherText();
  try {
    sealCall('DP_ERR_HE_CIPHERTEXT_INVALID', `${what} does not load`, () => {
      cipher.loadArray(ctx.context, checked);
      const parmsId = scoped((own) => [...own(cipher.parmsId).values]);
      if (parmsId.length !== ctx.dataParmsId.length || parmsId.some((v, i) => v !== ctx.dataParmsId[i])) {
        throw new DataportError('DP_ERR_HE_CIPHERTEXT_INVALID', `${what} is not at the data level of ${id}`);
      }
      if (cipher.size !== 2) throw new DataportError('DP_ERR_HE_CIPHERTEXT_INVALID', `${what} has ${cipher.size} polynomials, want 2`);
      if (cipher.isNttForm) throw new DataportError('DP_ERR_HE_CIPHERTEXT_INVALID', `${what} is in NTT form, which BFV ciphertexts are not`);
      if (cipher.isTransparent) throw new DataportError('DP_ERR_HE_CIPHERTEXT_INVALID', `${what} is transparent: it encrypts nothing`);
    });
    return cipher;
  } catch (e) {
    cipher.delete();
    throw e;
  }
}

/** Throws DP_ERR_HE_CIPHERTEXT_INVALID unless `bytes` is a ciphertext of the parameter set (see loadCiphertext). */
export async function validateCiphertext(id: HeParamSet, bytes: Uint8Array): Promise<void> {
  loadCiphertext(await heContext(id), bytes).delete();
}

/** Encrypts a vector of at most `slots` integers (|v| <= maxAbs) under the analyst's public key; zstd-serialised. */
export async function encryptVector(id: HeParamSet, publicKey: Uint8Array, values: ArrayLike<number | bigint>): Promise<Uint8Array> {
  const ctx = await heContext(id);
  const slots = toSlots(ctx.params, values);
  return scoped((own) => {
    const key = own(loadPublicKey(ctx, publicKey));
    return sealCall('DP_ERR_INTERNAL', `encrypting under ${id}`, () => {
      const encryptor = own(ctx.seal.Encryptor(ctx.context, key));
      const plain = own(made(ctx.encoder.encode(slots), 'encode'));
      const cipher = own(made(encryptor.encrypt(plain), 'encrypt'));
      return cipher.saveArray(ctx.seal.ComprModeType.zstd);
    });
  });
}

/**
 * The first `length` (default: all) slots of a ciphertext, centred: each in [-maxAbs, maxAbs].
 * With a secret key other than the one the ciphertext was made for, the values are noise.
 */
export async function decryptVector(
  keys: AnalystKeyPairLike,
  ciphertext: Uint8Array,
  length?: number,
): Promise<bigint[]> {
  assertKeyPair(keys);
  const ctx = await heContext(keys.paramSet);
  const n = length ?? ctx.params.slots;
  if (!Number.isInteger(n) || n < 0 || n > ctx.params.slots) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `length ${n} is not in 0..${ctx.params.slots}`);
  }
  return scoped((own) => {
    const key = own(loadSecretKey(ctx, keys.secretKey));
    const cipher = own(loadCiphertext(ctx, ciphertext));
    return sealCall('DP_ERR_INTERNAL', `decrypting under ${ctx.params.id}`, () => {
      const decryptor = own(ctx.seal.Decryptor(ctx.context, key));
      const plain = own(made(decryptor.decrypt(cipher), 'decrypt'));
      const slots = ctx.encoder.decodeBigInt(plain, true);
      const out = new Array<bigint>(n);
      for (let i = 0; i < n; i++) out[i] = slots[i]!;
      return out;
    });
  });
}

export interface AnalystKeyPairLike {
  paramSet: HeParamSet;
  secretKey: Uint8Array;
}
