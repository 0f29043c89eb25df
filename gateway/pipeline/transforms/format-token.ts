// Format-preserving tokens for a column of one identifier kind (resident ID, VIN, credit code):
// each value becomes a keyed token of the same shape with valid check characters
// (detect/fpe.ts), under a key derived for the agreement and column like pseudonymize's. A value
// that is not a valid identifier of that kind becomes null (fail closed: a malformed id may still
// be someone's id, and a token cannot be made for it); surrounding ASCII whitespace is ignored.
// Repeated values (a VIN on every row of a trace) cost one permutation via the TokenCache.
import { Buffer } from 'node:buffer';
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { columnKey } from '../../../crypto/pseudonym-keys.js';
import { TOKEN_KINDS } from '../../../policies/pipeline/models.js';
import { FormatTokenizer, type TokenKind } from '../detect/fpe.js';
import { emptyBitmap, isUtf8, isValid, makeUtf8, setValid, typeName, utf8Column } from './columns.js';
import { invalidStep, quote, stepWhere } from './errors.js';
import { TokenCache, fnv1a } from './token-cache.js';
import { newCounters, type Step, type StepContext, type StepCounters, type StepKernel } from './types.js';

export type FormatTokenStep = Extract<Step, { op: 'formatToken' }>;

/** Characters (all ASCII) of each kind's identifier and token. */
const WIDTH: Readonly<Record<TokenKind, number>> = { cn_resident_id: 18, vin: 17, cn_uscc: 18 };

export class FormatToken implements StepKernel {
  readonly op = 'formatToken';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #kind: TokenKind;
  readonly #width: number;
  readonly #tokenizer: FormatTokenizer;
  readonly #cache: TokenCache;

  constructor(step: FormatTokenStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('formatToken', ctx.column);
    if (!TOKEN_KINDS.includes(step.kind)) throw invalidStep(where, `kind ${quote(String(step.kind))} is not one of ${TOKEN_KINDS.join(', ')}`);
    if (!isUtf8(inputType)) throw invalidStep(where, `needs a Utf8 column, got ${typeName(inputType)}`);
    this.#kind = step.kind;
    this.#width = WIDTH[step.kind];
    const options = ctx.hmacBackend === undefined ? {} : { hmacBackend: ctx.hmacBackend };
    this.#tokenizer = new FormatTokenizer(columnKey(ctx.secret, ctx.agreementId, ctx.column), options);
    this.#cache = new TokenCache(this.#width, ctx.cacheCapacity);
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const { length: n, offsets, bytes, valid } = utf8Column(input);
    const w = this.#width;
    const out = new Uint8Array(n * w);
    const outOffsets = new Int32Array(n + 1);
    const outValid = emptyBitmap(n);
    let nullCount = 0;
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (!isValid(valid, i)) {
        nullCount++;
      } else {
        let s = offsets[i]!;
        let e = offsets[i + 1]!;
        while (s < e && isBlank(bytes[s]!)) s++;
        while (e > s && isBlank(bytes[e - 1]!)) e--;
        if (e - s === w && this.#write(bytes, s, e, out, pos)) {
          setValid(outValid, i);
          pos += w;
        } else {
          nullCount++;
        }
        changed[i] = 1;
      }
      outOffsets[i + 1] = pos;
    }
    this.counters.hmacs = this.#tokenizer.hmacs;
    return makeUtf8(n, outOffsets, out.subarray(0, pos), outValid, nullCount);
  }

  /** Writes the token of bytes[s, e) at out[at]; false if they are not a valid identifier. */
  #write(bytes: Uint8Array, s: number, e: number, out: Uint8Array, at: number): boolean {
    const h = fnv1a(bytes, s, e);
    if (this.#cache.copyTo(bytes, s, e, h, out, at)) {
      this.counters.cacheHits++;
      return true;
    }
    // Latin-1 maps each byte to one character: a non-ASCII byte then fails the identifier's pattern.
    const token = this.#tokenizer.tokenize(this.#kind, Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s).toString('latin1'));
    if (token === null) return false;
    for (let k = 0; k < token.length; k++) out[at + k] = token.charCodeAt(k);
    this.#cache.put(bytes, s, e, h, out, at);
    return true;
  }
}

/** ASCII space, tab, CR, LF. */
const isBlank = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
