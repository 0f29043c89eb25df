// HTTP Message Signatures (RFC 9421) over requests, with the `ed25519` algorithm (RFC 9421 3.3.6),
// and Content-Digest (RFC 9530) to bind the body. Keys are did:key identities (./identity.ts).
//
// What is supported, and refused with a clear error otherwise: the derived components of
// RFC 9421 2.2 that a request has (@method, @target-uri, @authority, @scheme, @request-target,
// @path, @query), header fields by lowercased name, and the signature parameters of 2.3. Component
// parameters (;sf ;key ;bs ;req ;tr, @query-param;name) and unregistered signature parameters are
// refused: the signature base is rebuilt from what was parsed, so only what we can serialise exactly
// is accepted.
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { abytes, equalBytes, fromBase64, isBytes, toBase64, toBase64Url, utf8 } from './bytes.js';
import { DataportError, type ErrorCode } from './errors.js';
import { publicKeyFromDid, signBytes, verifyBytes, type Identity } from './identity.js';

export interface HttpRequestLike {
  method: string;
  /** The absolute target URI (RFC 9110 7.1), e.g. `https://example.com/foo?x=1`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Uint8Array;
}

/** Signature parameters (RFC 9421 2.3). Serialised in this order, absent ones skipped. */
export interface SignatureParams {
  created?: number;
  expires?: number;
  nonce?: string;
  alg?: string;
  keyid?: string;
  tag?: string;
}

export interface SignOptions {
  /** The signature label in Signature-Input and Signature (default `dp`). */
  label?: string;
  /** Unix seconds (default: now). */
  created?: number;
  /** Unix seconds after which the signature is no longer accepted (default: none). */
  expires?: number;
  /** Default: 16 random bytes, base64url. */
  nonce?: string;
  tag?: string;
  /** Covered components, in order (default: @method @target-uri, plus content-digest with a body). */
  components?: string[];
}

export interface VerifyOptions {
  /** Unix seconds (default: now). */
  now?: number;
  /** How far `created` may be from `now`, either way (default 300). */
  maxSkewSeconds?: number;
  /** Where seen nonces are remembered; without one, replays are not detected. */
  nonces?: NonceStore;
  /** The public key for a keyid (default: the keyid read as a did:key). */
  resolveKey?: (keyid: string) => Uint8Array | undefined;
  /** Components the signature must cover (default: @method @target-uri, plus content-digest with a body). */
  requiredComponents?: string[];
  /** Which signature to verify (default: the only one, or else the one labelled `dp`). */
  label?: string;
  /** Refuse a signature without a nonce (default true). */
  requireNonce?: boolean;
}

export interface VerifiedSignature {
  keyid: string;
  label: string;
  created: number;
  components: string[];
}

export type DigestAlgorithm = 'sha-256' | 'sha-512';

const DEFAULT_LABEL = 'dp';
const DEFAULT_MAX_SKEW_SECONDS = 300;
const ALG = 'ed25519';
const ED25519_SIGNATURE_LENGTH = 64;
const PARAM_NAMES = ['created', 'expires', 'nonce', 'alg', 'keyid', 'tag'] as const;
type ParamName = (typeof PARAM_NAMES)[number];
type ParamList = Array<[ParamName, string | number]>;
const DERIVED = ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query'];
// RFC 9110 5.1 field-name (a token), lowercased as RFC 9421 2.1 requires of component names.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGESTS: Record<DigestAlgorithm, (body: Uint8Array) => Uint8Array> = {
  'sha-256': (body) => sha256(body),
  'sha-512': (body) => sha512(body),
};

// ---------------------------------------------------------------------------------------------
// Content-Digest (RFC 9530)

/** The Content-Digest field value for `body`: `sha-256=:<base64>:` (RFC 9530 2). */
export function contentDigest(body: Uint8Array, alg: DigestAlgorithm = 'sha-256'): string {
  abytes(body, undefined, 'body');
  if (!Object.hasOwn(DIGESTS, alg)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `digest algorithm ${quote(String(alg))} is not sha-256 or sha-512`);
  }
  return `${alg}=:${toBase64(DIGESTS[alg](body))}:`;
}

/**
 * Whether a Content-Digest field value vouches for `body`: every member whose algorithm is known
 * (sha-256, sha-512) must match, and at least one must be known. Malformed values are false.
 */
export function verifyContentDigest(headerValue: string, body: Uint8Array): boolean {
  abytes(body, undefined, 'body');
  return contentDigestProblem(headerValue, body) === undefined;
}

// Why `headerValue` does not vouch for `body`, or undefined when it does.
function contentDigestProblem(headerValue: string, body: Uint8Array): string | undefined {
  if (typeof headerValue !== 'string') return 'Content-Digest is not text';
  let members: SfDictionary;
  try {
    members = parseSfDictionary(headerValue);
  } catch (e) {
    return `Content-Digest is not a structured-field dictionary (RFC 8941 3.2): ${(e as Error).message}`;
  }
  let checked = 0;
  for (const [alg, member] of members) {
    // RFC 9530 2: a recipient MAY ignore digests it does not know.
    if (!Object.hasOwn(DIGESTS, alg)) continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') return `Content-Digest ${alg} is not a byte sequence`;
    if (!equalBytes(member.value.value, DIGESTS[alg as DigestAlgorithm](body))) {
      return `Content-Digest ${alg} does not match the body`;
    }
    checked++;
  }
  if (checked === 0) {
    const seen = [...members.keys()].join(', ') || 'none';
    return `Content-Digest has no sha-256 or sha-512 member (found: ${quote(seen)})`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The signature base (RFC 9421 2.5)

/**
 * The signature base of `req` for the covered `components` and `params` (RFC 9421 2.5): one line per
 * component, then the `@signature-params` line. Throws DP_ERR_INVALID_ARGUMENT on anything unsupported.
 */
export function signatureBase(req: HttpRequestLike, components: readonly string[], params: SignatureParams): string {
  const code = 'DP_ERR_INVALID_ARGUMENT';
  return buildSignatureBase(requestView(req), components, orderedParams(params, code), code).base;
}

interface RequestView {
  method: string;
  url: URL;
  headers: Map<string, string[]>;
  body: Uint8Array | undefined;
}

// The request checked at the boundary: these are programming errors, not a bad signature.
function requestView(req: HttpRequestLike): RequestView {
  if (req === null || typeof req !== 'object') throw badArgument('req must be an object');
  if (typeof req.method !== 'string' || !METHOD.test(req.method)) {
    throw badArgument(`req.method must be an HTTP method token, got ${show(req.method)}`);
  }
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw badArgument(`req.url must be an absolute URL, got ${show(req.url)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw badArgument(`req.url must be an http(s) URL, got scheme ${quote(url.protocol)}`);
  }
  url.hash = ''; // the target URI has no fragment (RFC 9110 7.1)
  if (req.headers === null || typeof req.headers !== 'object') throw badArgument('req.headers must be an object');
  const headers = new Map<string, string[]>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string')) throw badArgument(`header ${quote(name)} must be a string or string[]`);
    const key = name.toLowerCase();
    headers.set(key, [...(headers.get(key) ?? []), ...values]);
  }
  if (req.body !== undefined && !isBytes(req.body)) throw badArgument('req.body must be a Uint8Array');
  return { method: req.method, url, headers, body: req.body };
}

function buildSignatureBase(
  req: RequestView,
  components: readonly string[],
  params: ParamList,
  code: ErrorCode,
): { base: string; paramsValue: string } {
  if (!Array.isArray(components)) throw new DataportError(code, 'components must be an array of strings');
  const seen = new Set<string>();
  let base = '';
  for (const name of components) {
    if (typeof name !== 'string') throw new DataportError(code, `component ${show(name)} is not a string`);
    // RFC 9421 2.5 step 2.1: each component identifier occurs once.
    if (seen.has(name)) throw new DataportError(code, `component ${quote(name)} is covered twice (RFC 9421 2.5)`);
    seen.add(name);
    base += `${serializeString(name, code)}: ${componentValue(req, name, code)}\n`;
  }
  const paramsValue = serializeSignatureParams(components, params, code);
  return { base: `${base}"@signature-params": ${paramsValue}`, paramsValue };
}

function componentValue(req: RequestView, name: string, code: ErrorCode): string {
  switch (name) {
    case '@method': // 2.2.1: as is; methods are case-sensitive
      return req.method;
    case '@target-uri': // 2.2.2
      return req.url.href;
    case '@authority': // 2.2.3: lowercased host, default port omitted (the URL parser does both)
      return req.url.host;
    case '@scheme': // 2.2.4: lowercased
      return req.url.protocol.slice(0, -1);
    case '@request-target': // 2.2.5: origin-form
      return req.url.pathname + req.url.search;
    case '@path': // 2.2.6: an empty path is "/"
      return req.url.pathname || '/';
    case '@query': // 2.2.7: with its "?", or "?" alone when there is none
      return req.url.search || '?';
    case '@signature-params':
      throw new DataportError(code, '"@signature-params" must not be a covered component (RFC 9421 2.3)');
  }
  if (name.startsWith('@')) {
    throw new DataportError(code, `derived component ${quote(name)} is not supported (supported: ${DERIVED.join(' ')})`);
  }
  if (!FIELD_NAME.test(name)) throw new DataportError(code, `component ${quote(name)} is not a lowercased field name (RFC 9421 2.1)`);
  const values = req.headers.get(name);
  if (values === undefined) throw new DataportError(code, `covered field ${quote(name)} is not in the request (RFC 9421 2.5)`);
  // RFC 9421 2.1: trim each value, replace obs-fold with one space, join with ", ".
  const value = values.map((v) => v.replace(/[ \t]*\r?\n[ \t]+/g, ' ').replace(/^[ \t]+|[ \t]+$/g, '')).join(', ');
  if (/[\r\n]/.test(value)) throw new DataportError(code, `field ${quote(name)} contains a line break (RFC 9421 2.1)`);
  return value;
}

// RFC 9421 2.3: the covered components as an inner list of strings, then the parameters in order.
function serializeSignatureParams(components: readonly string[], params: ParamList, code: ErrorCode): string {
  const list = components.map((c) => serializeString(c, code)).join(' ');
  const suffix = params.map(([k, v]) => `;${k}=${typeof v === 'number' ? serializeInteger(v, code) : serializeString(v, code)}`);
  return `(${list})${suffix.join('')}`;
}

function orderedParams(params: SignatureParams, code: ErrorCode): ParamList {
  if (params === null || typeof params !== 'object') throw new DataportError(code, 'params must be an object');
  for (const name of Object.keys(params)) {
    if (!(PARAM_NAMES as readonly string[]).includes(name)) {
      throw new DataportError(code, `unknown signature parameter ${quote(name)} (have ${PARAM_NAMES.join(', ')})`);
    }
  }
  const list: ParamList = [];
  for (const name of PARAM_NAMES) {
    const value = params[name];
    if (value === undefined) continue;
    const integer = name === 'created' || name === 'expires';
    if (integer ? typeof value !== 'number' : typeof value !== 'string') {
      throw new DataportError(code, `signature parameter ${name} must be ${integer ? 'an integer' : 'a string'}, got ${show(value)}`);
    }
    list.push([name, value]);
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Signing and verifying (RFC 9421 3.1, 3.2)

/**
 * Signs `req` with `identity` and returns the fields to add (lowercased names): `content-digest`
 * (when the body is not empty; it replaces any existing one), `signature-input` and `signature`.
 */
export function signRequest(req: HttpRequestLike, identity: Identity, opts: SignOptions = {}): Record<string, string> {
  const code = 'DP_ERR_INVALID_ARGUMENT';
  const view = requestView(req);
  if (identity === null || typeof identity !== 'object' || typeof identity.did !== 'string') {
    throw badArgument('identity must be an Identity with a did');
  }
  const label = opts.label ?? DEFAULT_LABEL;
  if (typeof label !== 'string' || !SF_KEY.test(label)) throw badArgument(`label ${show(label)} is not a structured-field key (RFC 8941 3.2)`);
  const nonce = opts.nonce ?? toBase64Url(randomBytes(16));
  if (typeof nonce !== 'string' || nonce.length === 0) throw badArgument('nonce must be a non-empty string');
  const added: Record<string, string> = {};
  const body = nonEmptyBody(view);
  if (body !== undefined) {
    added['content-digest'] = contentDigest(body);
    view.headers.set('content-digest', [added['content-digest']]);
  }
  const components = opts.components ?? defaultComponents(body !== undefined);
  const params = orderedParams(
    { created: opts.created ?? nowSeconds(), expires: opts.expires, nonce, alg: ALG, keyid: identity.did, tag: opts.tag },
    code,
  );
  const { base, paramsValue } = buildSignatureBase(view, components, params, code);
  const signature = signBytes(identity, utf8.encode(base));
  added['signature-input'] = `${label}=${paramsValue}`;
  added['signature'] = `${label}=:${toBase64(signature)}:`;
  return added;
}

/**
 * Verifies the request's signature (RFC 9421 3.2) and returns what it vouches for. Throws a
 * DataportError: DP_ERR_SIGNATURE_MISSING, DP_ERR_SIGNATURE_INVALID, DP_ERR_UNKNOWN_KEY,
 * DP_ERR_SIGNATURE_EXPIRED, DP_ERR_DIGEST_MISMATCH or DP_ERR_SIGNATURE_REPLAYED. The nonce is
 * remembered only once the signature verifies, so a forger cannot use up nonces.
 */
export function verifyRequest(req: HttpRequestLike, opts: VerifyOptions = {}): VerifiedSignature {
  const view = requestView(req);
  const now = opts.now ?? nowSeconds();
  const maxSkew = opts.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  if (!Number.isFinite(now)) throw badArgument(`now must be a finite number, got ${show(now)}`);
  if (!Number.isFinite(maxSkew) || maxSkew < 0) throw badArgument(`maxSkewSeconds must be >= 0, got ${show(maxSkew)}`);

  const { label, components, params, created, expires, nonce, alg, keyid, signature } = readSignature(view, opts.label);
  if (alg !== undefined && alg !== ALG) throw invalid(`alg ${quote(alg)} is not ${quote(ALG)}`);
  if (created === undefined) throw invalid('the signature has no created parameter');
  if (keyid === undefined) throw invalid('the signature has no keyid parameter');
  if (nonce === undefined && (opts.requireNonce ?? true)) throw invalid('the signature has no nonce parameter, needed against replay');
  if (expires !== undefined && expires < created) throw invalid(`expires ${expires} is before created ${created}`);
  const body = nonEmptyBody(view);
  if (body !== undefined && !view.headers.has('content-digest')) {
    throw new DataportError('DP_ERR_DIGEST_MISMATCH', 'the request has a body but no Content-Digest field (RFC 9530 2)');
  }
  for (const required of opts.requiredComponents ?? defaultComponents(body !== undefined)) {
    if (!components.includes(required)) throw invalid(`required component ${quote(required)} is not covered`);
  }

  // RFC 9421 3.2.1: the application's freshness rules, checked before any expensive work.
  if (created > now + maxSkew) {
    throw stale(`created ${created} is ${created - now} s in the future, more than the allowed skew of ${maxSkew} s`);
  }
  if (created < now - maxSkew) throw stale(`created ${created} is ${now - created} s old, more than the allowed ${maxSkew} s`);
  if (expires !== undefined && now > expires) throw stale(`the signature expired at ${expires}, now is ${now}`);

  // RFC 9421 3.2 steps 6-8: rebuild the base from what was parsed and check the signature.
  const publicKey = resolvePublicKey(keyid, opts.resolveKey);
  const { base } = buildSignatureBase(view, components, params, 'DP_ERR_SIGNATURE_INVALID');
  if (!verifyBytes(publicKey, utf8.encode(base), signature)) {
    throw invalid(`the ed25519 signature does not verify under keyid ${quote(keyid)}`);
  }
  if (body !== undefined) {
    const problem = contentDigestProblem(view.headers.get('content-digest')!.join(', '), body);
    if (problem !== undefined) throw new DataportError('DP_ERR_DIGEST_MISMATCH', problem);
  }
  if (nonce !== undefined && opts.nonces !== undefined && !opts.nonces.checkAndRemember(keyid, nonce, created, now)) {
    throw new DataportError('DP_ERR_SIGNATURE_REPLAYED', `nonce ${quote(nonce)} of keyid ${quote(keyid)} was already used`);
  }
  return { keyid, label, created, components };
}

interface ReceivedSignature {
  label: string;
  components: string[];
  /** The parameters in the order received, for the @signature-params line. */
  params: ParamList;
  created?: number;
  expires?: number;
  nonce?: string;
  alg?: string;
  keyid?: string;
  signature: Uint8Array;
}

// RFC 9421 3.2 steps 1-5: the chosen signature's covered components, parameters and value.
function readSignature(view: RequestView, wanted: string | undefined): ReceivedSignature {
  const inputField = view.headers.get('signature-input');
  const signatureField = view.headers.get('signature');
  if (inputField === undefined) throw new DataportError('DP_ERR_SIGNATURE_MISSING', 'no Signature-Input field (RFC 9421 4.1)');
  if (signatureField === undefined) throw new DataportError('DP_ERR_SIGNATURE_MISSING', 'no Signature field (RFC 9421 4.2)');
  const inputs = parseField(inputField, 'Signature-Input');
  const signatures = parseField(signatureField, 'Signature');
  const label = chooseLabel(inputs, wanted);

  const input = inputs.get(label)!;
  if (input.kind !== 'inner-list') throw invalid(`Signature-Input ${quote(label)} is not an inner list (RFC 9421 4.1)`);
  const components = input.items.map(({ value, params }) => {
    if (value.type !== 'string') throw invalid(`Signature-Input ${quote(label)} lists a ${value.type}, not a component name`);
    if (params.size > 0) throw invalid(`component ${quote(value.value)} has parameters, which are not supported`);
    return value.value;
  });
  const member = signatures.get(label);
  if (member === undefined) throw invalid(`the Signature field has no ${quote(label)} member (RFC 9421 4.2)`);
  if (member.kind !== 'item' || member.value.type !== 'bytes') throw invalid(`Signature ${quote(label)} is not a byte sequence (RFC 9421 4.2)`);
  const signature = member.value.value;
  if (signature.length !== ED25519_SIGNATURE_LENGTH) {
    throw invalid(`Signature ${quote(label)} is ${signature.length} bytes, want ${ED25519_SIGNATURE_LENGTH} (RFC 9421 3.3.6)`);
  }

  const received: ReceivedSignature = { label, components, params: [], signature };
  for (const [name, item] of input.params) {
    switch (name) {
      case 'created':
      case 'expires':
        if (item.type !== 'integer') throw invalid(`parameter ${name} of ${quote(label)} must be an integer (RFC 9421 2.3)`);
        received[name] = item.value;
        received.params.push([name, item.value]);
        break;
      case 'nonce':
      case 'alg':
      case 'keyid':
      case 'tag':
        if (item.type !== 'string') throw invalid(`parameter ${name} of ${quote(label)} must be a string (RFC 9421 2.3)`);
        if (name !== 'tag') received[name] = item.value;
        received.params.push([name, item.value]);
        break;
      default:
        throw invalid(`Signature-Input ${quote(label)} has unknown parameter ${quote(name)} (have ${PARAM_NAMES.join(', ')})`);
    }
  }
  return received;
}

function parseField(values: string[], name: string): SfDictionary {
  try {
    // RFC 9110 5.3: several field lines are one value joined with ", ".
    return parseSfDictionary(values.join(', '));
  } catch (e) {
    if (!(e instanceof SfSyntaxError)) throw e;
    throw invalid(`the ${name} field is not a structured-field dictionary (RFC 8941 3.2): ${e.message}`);
  }
}

function chooseLabel(inputs: SfDictionary, wanted: string | undefined): string {
  const labels = [...inputs.keys()];
  if (wanted !== undefined) {
    if (!inputs.has(wanted)) throw invalid(`no signature labelled ${quote(wanted)} (found: ${quote(labels.join(', '))})`);
    return wanted;
  }
  if (labels.length === 0) throw new DataportError('DP_ERR_SIGNATURE_MISSING', 'the Signature-Input field lists no signature');
  if (labels.length === 1) return labels[0]!;
  if (inputs.has(DEFAULT_LABEL)) return DEFAULT_LABEL;
  throw invalid(`${labels.length} signatures (${quote(labels.join(', '))}) and none labelled ${quote(DEFAULT_LABEL)}; pass opts.label`);
}

function resolvePublicKey(keyid: string, resolveKey: VerifyOptions['resolveKey']): Uint8Array {
  if (resolveKey === undefined) {
    try {
      return publicKeyFromDid(keyid);
    } catch (e) {
      throw new DataportError('DP_ERR_UNKNOWN_KEY', `keyid ${quote(keyid)} is not a usable did:key (${(e as Error).message})`);
    }
  }
  const key = resolveKey(keyid);
  if (key === undefined) throw new DataportError('DP_ERR_UNKNOWN_KEY', `keyid ${quote(keyid)} is not a known key`);
  if (!isBytes(key, 32)) throw badArgument(`resolveKey(${quote(keyid)}) must return a 32-byte Ed25519 public key`);
  return key;
}

function defaultComponents(hasBody: boolean): string[] {
  return hasBody ? ['@method', '@target-uri', 'content-digest'] : ['@method', '@target-uri'];
}

// An empty body is treated as no body: there is nothing for a digest to protect.
function nonEmptyBody(req: RequestView): Uint8Array | undefined {
  return req.body !== undefined && req.body.length > 0 ? req.body : undefined;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// ---------------------------------------------------------------------------------------------
// Replay protection

/**
 * Nonces seen per keyid, kept for `windowSeconds` after their signature's `created` time. In memory
 * and owned by the caller; entries older than the window are forgotten, so its size is bounded by
 * the verified traffic of one window. Use a window at least as long as the verifier's max skew.
 */
export class NonceStore {
  readonly windowSeconds: number;
  readonly #seen = new Map<string, number>();
  #forgottenBefore = Number.NEGATIVE_INFINITY;

  constructor(windowSeconds: number) {
    if (typeof windowSeconds !== 'number' || !Number.isFinite(windowSeconds) || windowSeconds <= 0) {
      throw badArgument(`windowSeconds must be a positive number, got ${show(windowSeconds)}`);
    }
    this.windowSeconds = windowSeconds;
  }

  /** How many nonces are remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * True, and remembers the nonce, if `nonce` of `keyid` has not been seen within the window. False
   * for a replay, and for a `created` already outside the window (it could have been forgotten).
   */
  checkAndRemember(keyid: string, nonce: string, created: number, now: number): boolean {
    if (typeof keyid !== 'string' || typeof nonce !== 'string') throw badArgument('keyid and nonce must be strings');
    if (!Number.isFinite(created) || !Number.isFinite(now)) throw badArgument('created and now must be finite numbers');
    const cutoff = now - this.windowSeconds;
    this.#forget(cutoff);
    if (created < cutoff) return false;
    const key = `${keyid.length}:${keyid}${nonce}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, created);
    return true;
  }

  // One sweep per second of progress at most, however often it is called.
  #forget(cutoff: number): void {
    if (cutoff < this.#forgottenBefore + 1) return;
    this.#forgottenBefore = cutoff;
    for (const [key, created] of this.#seen) if (created < cutoff) this.#seen.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------
// Structured field values (RFC 8941): a strict parser for dictionaries, and the serialisation of
// the strings and integers that signature parameters use.

type BareItem =
  | { type: 'integer'; value: number }
  | { type: 'decimal'; value: number }
  | { type: 'string'; value: string }
  | { type: 'token'; value: string }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'boolean'; value: boolean };
type SfParameters = Map<string, BareItem>;
interface SfItem {
  kind: 'item';
  value: BareItem;
  params: SfParameters;
}
interface SfInnerList {
  kind: 'inner-list';
  items: SfItem[];
  params: SfParameters;
}
type SfDictionary = Map<string, SfItem | SfInnerList>;

const SF_KEY = /^[a-z*][a-z0-9_\-.*]*$/;
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_INTEGER = 999_999_999_999_999;

class SfSyntaxError extends Error {}

interface Cursor {
  readonly s: string;
  i: number;
}

function sfFail(c: Cursor, what: string): never {
  throw new SfSyntaxError(`${what} at offset ${c.i}`);
}

// RFC 8941 4.2 with 4.2.2 (dictionaries).
function parseSfDictionary(input: string): SfDictionary {
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
function parseBareItem(c: Cursor): BareItem {
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
    let value: BareItem = { type: 'boolean', value: true };
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
function parseNumber(c: Cursor): BareItem {
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
function parseString(c: Cursor): BareItem {
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
function parseToken(c: Cursor): BareItem {
  const start = c.i++;
  while (c.i < c.s.length && TCHAR.test(c.s[c.i]!)) c.i++;
  return { type: 'token', value: c.s.slice(start, c.i) };
}

// 4.2.7: missing "=" padding is tolerated, as the RFC asks of parsers.
function parseByteSequence(c: Cursor): BareItem {
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
function parseBoolean(c: Cursor): BareItem {
  c.i++; // "?"
  const ch = c.s[c.i];
  if (ch !== '0' && ch !== '1') sfFail(c, 'a boolean is not ?0 or ?1');
  c.i++;
  return { type: 'boolean', value: ch === '1' };
}

// RFC 8941 4.1.6
function serializeString(s: string, code: ErrorCode): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new DataportError(code, `${quote(s)} has a character outside printable ASCII (RFC 8941 3.3.3)`);
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

// RFC 8941 4.1.4
function serializeInteger(n: number, code: ErrorCode): string {
  if (!Number.isInteger(n) || Math.abs(n) > MAX_INTEGER) {
    throw new DataportError(code, `${n} is not an integer of at most 15 digits (RFC 8941 3.3.1)`);
  }
  return String(n);
}

// ---------------------------------------------------------------------------------------------

function invalid(detail: string): DataportError {
  return new DataportError('DP_ERR_SIGNATURE_INVALID', detail);
}

function stale(detail: string): DataportError {
  return new DataportError('DP_ERR_SIGNATURE_EXPIRED', detail);
}

function badArgument(detail: string): DataportError {
  return new DataportError('DP_ERR_INVALID_ARGUMENT', detail);
}

// Untrusted text shown in a message: quoted and cut short.
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

function show(value: unknown): string {
  return typeof value === 'string' ? quote(value) : typeof value === 'number' ? String(value) : typeof value;
}
