// Identifiers in free text (clinical notes, complaint text, addresses): every span the detector
// (detect/) finds is replaced, the text around it is left as it is.
//  - 'mask': one '*' per character of the span, so the text keeps its length and layout;
//  - 'label': '[type]', e.g. '[cn_mobile]';
//  - 'token': a keyed token under a key derived for the agreement and column: format-preserving
//    (detect/fpe.ts) for resident IDs, VINs and credit codes, '[type:hex16]' for the others,
//    hex16 being the first 16 hex characters of HMAC-SHA-256 over the type and the identifier
//    written without separators, so '138 1234 5678' and '+86 13812345678' get one token.
// With `types`, only spans of those types are replaced. The detector resolves overlaps before
// the filter, so an identifier inside a longer one of an unlisted type (a mobile number that is an
// e-mail address's local part) stays with it.
import { Buffer } from 'node:buffer';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { Utf8, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { columnKey } from '../../../crypto/pseudonym-keys.js';
import { IDENTIFIER_TYPES } from '../../../policies/pipeline/models.js';
import { FormatTokenizer } from '../detect/fpe.js';
import { detectIdentifiers, type IdentifierSpan, type IdentifierType } from '../detect/index.js';
import { isUtf8, isValid, makeUtf8, typeName, utf8Column } from './columns.js';
import { invalidStep, quote, stepWhere } from './errors.js';
import { keyedHash, writeHex, type KeyedHash } from './keyed-hash.js';
import { newCounters, type Step, type StepContext, type StepCounters, type StepKernel } from './types.js';

export type ScrubTextStep = Extract<Step, { op: 'scrubText' }>;

const MODES: readonly ScrubTextStep['replace'][] = ['mask', 'token', 'label'];
/** The '[type:hex16]' key is HMAC(column key, this): unrelated to pseudonymize's and fpe's. */
const TAG_KEY_LABEL = 'dataport/scrub-text/v1';
const TAG_HEX_CHARS = 16;

export class ScrubText implements StepKernel {
  readonly op = 'scrubText';
  readonly outputType = new Utf8();
  readonly counters: StepCounters = newCounters();
  readonly #replace: ScrubTextStep['replace'];
  readonly #types: ReadonlySet<IdentifierType> | null;
  readonly #tokenizer: FormatTokenizer | undefined;
  readonly #tagHash: KeyedHash | undefined;
  readonly #tag = new Uint8Array(32);
  readonly #hex = Buffer.alloc(TAG_HEX_CHARS);
  /** Tokens of identifiers seen in this transfer: a number quoted in many notes costs one HMAC run. */
  readonly #tokens = new Map<string, string>();
  readonly #capacity: number;
  readonly #today = new Date();
  #tagHmacs = 0;

  constructor(step: ScrubTextStep, ctx: StepContext, inputType: DataType) {
    const where = stepWhere('scrubText', ctx.column);
    if (!MODES.includes(step.replace)) throw invalidStep(where, `replace ${quote(String(step.replace))} is not one of ${MODES.join(', ')}`);
    if (step.types !== undefined) {
      if (!Array.isArray(step.types) || step.types.length === 0) throw invalidStep(where, 'types must list at least one identifier type');
      const unknown = step.types.find((type) => !IDENTIFIER_TYPES.includes(type));
      if (unknown !== undefined) throw invalidStep(where, `type ${quote(String(unknown))} is not one of ${IDENTIFIER_TYPES.join(', ')}`);
    }
    if (!isUtf8(inputType)) throw invalidStep(where, `needs a Utf8 column, got ${typeName(inputType)}`);
    this.#replace = step.replace;
    this.#types = step.types === undefined ? null : new Set(step.types);
    this.#capacity = ctx.cacheCapacity;
    if (step.replace === 'token') {
      const key = columnKey(ctx.secret, ctx.agreementId, ctx.column);
      const options = ctx.hmacBackend === undefined ? {} : { hmacBackend: ctx.hmacBackend };
      this.#tokenizer = new FormatTokenizer(key, { ...options, today: this.#today });
      this.#tagHash = keyedHash(hmac(sha256, key, utf8ToBytes(TAG_KEY_LABEL)), ctx.hmacBackend);
    }
  }

  apply(input: Data, _batch: RecordBatch, changed: Uint8Array): Data<Utf8> {
    const { length: n, offsets, bytes, valid, text } = utf8Column(input);
    const base = offsets[0]!;
    // Mask keeps the byte length; a label or token may be longer than what it replaces.
    let out: Buffer = Buffer.alloc(Math.max(64, Math.ceil((offsets[n]! - base) * 1.25)));
    const outOffsets = new Int32Array(n + 1);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (isValid(valid, i)) {
        const s = offsets[i]!;
        const e = offsets[i + 1]!;
        const value = text.toString('utf8', s, e);
        const spans = this.#spansIn(value);
        if (spans.length === 0) {
          out = ensure(out, pos, e - s);
          out.set(bytes.subarray(s, e), pos);
          pos += e - s;
        } else {
          const scrubbed = this.#scrub(value, spans);
          // At most 3 UTF-8 bytes per UTF-16 code unit: no second pass to measure it exactly.
          out = ensure(out, pos, scrubbed.length * 3);
          pos += out.write(scrubbed, pos, 'utf8');
          changed[i] = 1;
        }
      }
      outOffsets[i + 1] = pos;
    }
    this.counters.hmacs = this.#tagHmacs + (this.#tokenizer?.hmacs ?? 0);
    return makeUtf8(n, outOffsets, out.subarray(0, pos), valid, valid === null ? 0 : input.nullCount);
  }

  #spansIn(value: string): IdentifierSpan[] {
    const spans = detectIdentifiers(value, { today: this.#today });
    const types = this.#types;
    return types === null ? spans : spans.filter((span) => types.has(span.type));
  }

  #scrub(value: string, spans: readonly IdentifierSpan[]): string {
    let scrubbed = '';
    let from = 0;
    for (const { type, start, end } of spans) {
      scrubbed += value.slice(from, start) + this.#replacement(type, value.slice(start, end));
      from = end;
    }
    return scrubbed + value.slice(from);
  }

  #replacement(type: IdentifierType, found: string): string {
    switch (this.#replace) {
      case 'mask': return '*'.repeat(found.length);
      case 'label': return `[${type}]`;
      case 'token': return this.#token(type, found);
    }
  }

  #token(type: IdentifierType, found: string): string {
    const key = `${type}:${normalise(type, found)}`;
    let token = this.#tokens.get(key);
    if (token !== undefined) {
      this.counters.cacheHits++;
      return token;
    }
    const formatted = type === 'cn_resident_id' || type === 'vin' || type === 'cn_uscc' ? this.#tokenizer!.tokenize(type, found) : null;
    // A span the detector accepted always has a format-preserving token; the tag is only a guard.
    token = formatted ?? `[${type}:${this.#tagOf(key)}]`;
    if (this.#tokens.size >= this.#capacity) this.#tokens.clear();
    this.#tokens.set(key, token);
    return token;
  }

  #tagOf(key: string): string {
    writeHex(this.#tagHash!(utf8ToBytes(key), this.#tag), TAG_HEX_CHARS, this.#hex, 0);
    this.#tagHmacs++;
    return this.#hex.toString('latin1');
  }
}

/**
 * The identifier as written without the separators people put in it, so two spellings of one
 * identifier get one '[type:hex16]' token: digits only for cards, the last 11 digits (no
 * country code) for mobiles, no separator dot for plates, lower case for e-mail addresses.
 */
function normalise(type: IdentifierType, found: string): string {
  switch (type) {
    case 'cn_mobile': return found.replace(/[^0-9]/g, '').slice(-11);
    case 'bank_card': return found.replace(/[^0-9]/g, '');
    case 'cn_plate': return found.replace(/[·• ]/g, '');
    case 'email': return found.toLowerCase();
    case 'cn_resident_id': return found.toUpperCase();
    default: return found;
  }
}

/** `out`, or a copy twice as big, so that `more` bytes fit after `pos`. */
function ensure(out: Buffer, pos: number, more: number): Buffer {
  if (pos + more <= out.length) return out;
  const bigger = Buffer.alloc(Math.max(out.length * 2, pos + more));
  out.copy(bigger, 0, 0, pos);
  return bigger;
}
