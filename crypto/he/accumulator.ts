// What the gateway holds while an aggregation is open: the encrypted sum of the providers'
// vectors, built without any secret key.
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import { DataportError } from '../errors.js';
import { loadPublicKey } from './keys.js';
import { heContext, type HeContext, type HeParamSet } from './params.js';
import { made, sealCall, scoped } from './seal.js';
import { loadCiphertext, toSlots } from './vectors.js';

/** Sums ciphertexts of one parameter set without any secret key (what the gateway holds). */
export class HeAccumulator {
  readonly #ctx: HeContext;
  /** The sum so far; none until the first ciphertext when there is no public key to start from. */
  #sum: CipherText | undefined;
  /** Plaintext additions made before there was a sum to add them to (centred mod t). */
  #pending: BigInt64Array | undefined;
  #count = 0;
  #freed = false;

  private constructor(ctx: HeContext, start: CipherText | undefined) {
    this.#ctx = ctx;
    this.#sum = start;
  }

  /**
   * With the analyst's public key the sum starts as a fresh encryption of zero, so `result()` is a
   * ciphertext even when nothing was added; without one it starts at the first ciphertext added.
   */
  static async create(id: HeParamSet, publicKey?: Uint8Array): Promise<HeAccumulator> {
    const ctx = await heContext(id);
    if (publicKey === undefined) return new HeAccumulator(ctx, undefined);
    const zero = scoped((own) => {
      const key = own(loadPublicKey(ctx, publicKey));
      return sealCall('DP_ERR_INTERNAL', `encrypting zero under ${id}`, () => made(own(ctx.seal.Encryptor(ctx.context, key)).encryptZero(), 'encryptZero'));
    });
    return new HeAccumulator(ctx, zero);
  }

  get paramSet(): HeParamSet {
    return this.#ctx.params.id;
  }

  /** Ciphertexts added so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds a serialised ciphertext; throws DP_ERR_HE_CIPHERTEXT_INVALID (and adds nothing) unless it is one of this parameter set. */
  add(ciphertext: Uint8Array): void {
    this.#live();
    const cipher = loadCiphertext(this.#ctx, ciphertext);
    if (this.#sum === undefined) {
      this.#sum = cipher;
      const pending = this.#pending;
      this.#pending = undefined;
      if (pending) this.#addSlots(pending);
    } else {
      try {
        // Into a new ciphertext, so that a failure leaves the sum as it was.
        this.#replaceSum(sealCall('DP_ERR_HE_CIPHERTEXT_INVALID', 'adding the ciphertext to the sum', () => made(this.#ctx.evaluator.add(this.#sum!, cipher), 'add')));
      } finally {
        cipher.delete();
      }
    }
    this.#count++;
  }

  /** Adds a vector in the clear to every slot (at most `slots` integers, |v| <= maxAbs); throws DP_ERR_HE_VALUE_RANGE. */
  addPlain(values: ArrayLike<number | bigint>): void {
    this.#live();
    const slots = toSlots(this.#ctx.params, values);
    if (this.#sum === undefined) this.#pending = this.#pending ? addMod(this.#pending, slots, this.#ctx.params.plainModulus) : slots;
    else this.#addSlots(slots);
  }

  /** The encrypted sum, serialised (zstd). */
  result(): Uint8Array {
    this.#live();
    const sum = this.#sum;
    if (sum === undefined) {
      throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'no ciphertext was added, and without the public key there is nothing to encrypt the sum under');
    }
    return sealCall('DP_ERR_INTERNAL', 'serialising the sum', () => sum.saveArray(this.#ctx.seal.ComprModeType.zstd));
  }

  /** Frees the SEAL memory held; idempotent. Any other call after it throws. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#sum?.delete();
    this.#sum = undefined;
    this.#pending = undefined;
  }

  #live(): void {
    if (this.#freed) throw new DataportError('DP_ERR_INTERNAL', `the ${this.#ctx.params.id} HeAccumulator is used after free()`);
  }

  #addSlots(slots: BigInt64Array): void {
    const ctx = this.#ctx;
    scoped((own) => {
      const plain = own(sealCall('DP_ERR_INTERNAL', 'encoding', () => made(ctx.encoder.encode(slots), 'encode')));
      this.#replaceSum(sealCall('DP_ERR_INTERNAL', 'adding a plaintext to the sum', () => made(ctx.evaluator.addPlain(this.#sum!, plain), 'addPlain')));
    });
  }

  #replaceSum(next: CipherText): void {
    this.#sum?.delete();
    this.#sum = next;
  }
}

/** a + b slot by slot, kept centred mod t as the encrypted sum would be. */
function addMod(a: BigInt64Array, b: BigInt64Array, t: bigint): BigInt64Array {
  const half = (t - 1n) / 2n;
  for (let i = 0; i < a.length; i++) {
    let s = a[i]! + b[i]!;
    if (s > half) s -= t;
    else if (s < -half) s += t;
    a[i] = s;
  }
  return a;
}
