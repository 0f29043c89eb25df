// Keyed pseudonyms: token = the first `length` hex characters of HMAC-SHA-256(k, value), where
// k = columnKey(secret, agreementId, column) (crypto/pseudonym-keys.ts). The same value gives the
// same token within one agreement and column (so rows still join), a different one under any
// other agreement; only the provider, who holds the secret, can recompute it.
// The column's UTF-8 bytes are hashed as they lie in the Arrow buffer; integers are hashed as
// their decimal text, so 1015 and "1015" get one token. Repeats cost one HMAC: the per-transfer
// TokenCache (keyed by the bytes themselves), plus a per-batch one for batches too big for it;
// a column that hardly repeats skips both (see #endWindow).
import { Buffer } from 'node:buffer';
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { columnKey } from '../../../crypto/pseudonym-keys.js';
import { isInteger, isUtf8, makeUtf8, sameBytes, typeName, RowBytes, validityOf } from './columns.js';
import { invalidStep, stepWhere } from './errors.js';
import { keyedHash, writeHex, type KeyedHash } from './keyed-hash.js';
import { TokenCache, fnv1a } from './token-cache.js';
import { newCounters, type PseudonymizeStep, type StepContext, type StepCounters, type StepKernel } from './types.js';

export const DEFAULT_TOKEN_LENGTH = 32;
/** Values per cache-effectiveness window. */
const WINDOW = 16_384;
const MIN_HIT_RATE = 0.01;
const BYPASS_WINDOWS = 15;

export class Pseudonymize implements StepKernel {
  readonly op = 'pseudonymize';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #length: number;
  readonly #hash: KeyedHash;
  readonly #cache: TokenCache;
  readonly #tag = new Uint8Array(32);
  readonly #capacity: number;
  #windowRows = 0;
  #windowHits = 0;
  /** Windows left to run without the caches. */
  #bypass = 0;
  /** Decimal text of an integer value (at most 20 digits and a sign). */
  readonly #digits = Buffer.alloc(24);

  constructor(step: PseudonymizeStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('pseudonymize', ctx.column);
    const length = step.length ?? DEFAULT_TOKEN_LENGTH;
    if (!Number.isInteger(length) || length < 8 || length > 64) throw invalidStep(where, `length ${length} is not an integer in 8..64`);
    if (!isUtf8(inputType) && !isInteger(inputType)) throw invalidStep(where, `needs a Utf8 or integer column, got ${typeName(inputType)}`);
    this.#length = length;
    this.#hash = keyedHash(columnKey(ctx.secret, ctx.agreementId, ctx.column), ctx.hmacBackend);
    this.#cache = new TokenCache(length, ctx.cacheCapacity);
    this.#capacity = ctx.cacheCapacity;
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const n = input.length;
    const L = this.#length;
    const valid = validityOf(input);
    const nullCount = valid === null ? 0 : input.nullCount;
    const out = new Uint8Array((n - nullCount) * L);
    const offsets = new Int32Array(n + 1);
    const cache = this.#cache;
    // The transfer cache keeps every entry for capacity / 2 insertions; a bigger batch gets its own table too.
    const needsLocal = n > this.#capacity / 2;
    let local: TokenCache | undefined;
    const row = new RowBytes(input, this.#digits);
    let hits = 0;
    let pos = 0;
    // Telemetry repeats a value in runs (a VIN on every row of a trip): the same bytes as the
    // previous row take the previous row's token, without hashing for the cache.
    let prevS = -1;
    let prevE = -1;
    let prevPos = -1;
    for (let i = 0; i < n; i++) {
      if (valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0) {
        row.at(i);
        const b = row.bytes;
        const s = row.start;
        const e = row.end;
        if (row.utf8 && prevPos >= 0 && sameBytes(b, s, prevS, e - s, prevE - prevS)) {
          out.copyWithin(pos, prevPos, prevPos + L);
          hits++;
          this.#windowHits++;
        } else if (this.#bypass > 0) {
          this.#compute(b, s, e, out, pos);
        } else {
          const h = fnv1a(b, s, e);
          if (needsLocal) local ??= new TokenCache(L, 2 * n, true);
          if (local?.copyTo(b, s, e, h, out, pos)) {
            hits++;
            this.#windowHits++;
          } else {
            if (cache.copyTo(b, s, e, h, out, pos)) {
              hits++;
              this.#windowHits++;
            } else {
              this.#compute(b, s, e, out, pos);
              cache.put(b, s, e, h, out, pos);
            }
            local?.put(b, s, e, h, out, pos);
          }
        }
        if (row.utf8) {
          prevS = s;
          prevE = e;
          prevPos = pos;
        }
        if (++this.#windowRows === WINDOW) this.#endWindow();
        pos += L;
        changed[i] = 1;
      }
      offsets[i + 1] = pos;
    }
    this.counters.cacheHits += hits;
    return makeUtf8(n, offsets, out, valid, nullCount);
  }

  #compute(b: Uint8Array, s: number, e: number, out: Uint8Array, at: number): void {
    writeHex(this.#hash(b.subarray(s, e), this.#tag), this.#length, out, at);
    this.counters.hmacs++;
  }

  // A column of (nearly) unique values (event ids) gains nothing from the caches and pays for
  // them: after a window with under 1% hits the next BYPASS_WINDOWS windows skip them, then one
  // window probes again. At most 1% more HMACs than with caching, for columns that repeat that little.
  #endWindow(): void {
    if (this.#bypass > 0) this.#bypass--;
    else if (this.#windowHits < WINDOW * MIN_HIT_RATE) this.#bypass = BYPASS_WINDOWS;
    this.#windowRows = 0;
    this.#windowHits = 0;
  }
}
