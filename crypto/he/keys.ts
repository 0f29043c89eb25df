// The analyst's BFV key pair: generated where the analyst is, the public half handed to the
// gateway and the providers, the secret half never leaving the analyst.
import type { PublicKey } from 'node-seal/implementation/public-key.js';
import type { SecretKey } from 'node-seal/implementation/secret-key.js';
import { DataportError } from '../errors.js';
import { heContext, type HeContext, type HeParamSet } from './params.js';
import { checkSealBytes } from './serialised.js';
import { sealCall, scoped } from './seal.js';

/** Serialised (zstd) keys of one parameter set. */
export interface AnalystKeyPair {
  paramSet: HeParamSet;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export async function generateAnalystKeys(id: HeParamSet): Promise<AnalystKeyPair> {
  const ctx = await heContext(id);
  const { seal } = ctx;
  return sealCall('DP_ERR_INTERNAL', `generating ${id} keys`, () =>
    scoped((own) => {
      const generator = own(seal.KeyGenerator(ctx.context));
      const secretKey = own(generator.secretKey());
      // The public key's second polynomial is uniformly random: saved as the seed that expands to
      // it (SEAL's Serializable<PublicKey>), which halves the key's size.
      const publicKey = own(generator.createPublicKeySerializable());
      return {
        paramSet: id,
        publicKey: publicKey.saveArray(seal.ComprModeType.zstd),
        secretKey: secretKey.saveArray(seal.ComprModeType.zstd),
      };
    }),
  );
}

/** A public key belongs to the parameter set: it deserialises under its context (key level, valid coefficients). */
export async function validatePublicKey(id: HeParamSet, publicKey: Uint8Array): Promise<void> {
  loadPublicKey(await heContext(id), publicKey).delete();
}

/** The caller owns (and deletes) the key. */
export function loadPublicKey(ctx: HeContext, bytes: unknown): PublicKey {
  // SEAL's load checks is_valid_for(key, context): parms_id of the key level, NTT form, size 2,
  // every coefficient reduced mod its prime.
  return loadKey(ctx, bytes, ctx.seal.PublicKey(), ctx.rawLimit.publicKey, 'public key');
}

/** The caller owns (and deletes) the key. */
export function loadSecretKey(ctx: HeContext, bytes: unknown): SecretKey {
  return loadKey(ctx, bytes, ctx.seal.SecretKey(), ctx.rawLimit.secretKey, 'secret key');
}

function loadKey<K extends PublicKey | SecretKey>(ctx: HeContext, bytes: unknown, key: K, limit: number, kind: string): K {
  const what = `${ctx.params.id} ${kind}`;
  try {
    const checked = checkSealBytes(bytes, limit, 'DP_ERR_HE_KEY_INVALID', what);
    sealCall('DP_ERR_HE_KEY_INVALID', `${what} does not load`, () => key.loadArray(ctx.context, checked));
    return key;
  } catch (e) {
    key.delete();
    throw e;
  }
}

export function assertKeyPair(keys: unknown): asserts keys is { paramSet: HeParamSet; secretKey: Uint8Array } {
  if (typeof keys !== 'object' || keys === null || !('paramSet' in keys) || !('secretKey' in keys)) {
    throw new DataportError('DP_ERR_HE_KEY_INVALID', 'keys must be { paramSet, secretKey }');
  }
}
