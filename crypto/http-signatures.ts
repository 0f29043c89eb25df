// HTTP Message Signatures (RFC 9421) over requests, with the `ed25519` algorithm (RFC 9421 3.3.6),
// and Content-Digest (RFC 9530, ./content-digest.ts) to bind the body. Keys are did:key identities
// (./identity.ts); the fields are parsed and serialised by ./structured-fields.ts (RFC 8941).
//
// What is supported, and refused with a clear error otherwise: the derived components of
// RFC 9421 2.2 that a request has (@method, @target-uri, @authority, @scheme, @request-target,
// @path, @query), header fields by lowercased name, and the signature parameters of 2.3. Component
// parameters (;sf ;key ;bs ;req ;tr, @query-param;name) and unregistered signature parameters are
// refused: the signature base is rebuilt from what was parsed, so only what we can serialise exactly
// is accepted.
import { randomBytes } from '@noble/hashes/utils.js';
import { isBytes, toBase64, toBase64Url, utf8 } from './bytes.js';
import { contentDigest, contentDigestProblem } from './content-digest.js';
import { DataportError, type ErrorCode, quoteUntrusted as quote } from './errors.js';
import { publicKeyFromDid, signBytes, verifyBytes, type Identity } from './identity.js';
import { parseSfDictionary, serializeSfInteger, serializeSfString, SF_KEY, SfSyntaxError, type SfDictionary } from './structured-fields.js';

// Content-Digest lives in ./content-digest.ts; re-exported so existing imports keep working.
export { contentDigest, verifyContentDigest, type DigestAlgorithm } from './content-digest.js';


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
  /** The signature's nonce, when it has one (a gateway with replicas checks it against the shared store too). */
  nonce?: string;
}


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
    base += `${serializeSfString(name, code)}: ${componentValue(req, name, code)}\n`;
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
  const list = components.map((c) => serializeSfString(c, code)).join(' ');
  const suffix = params.map(([k, v]) => `;${k}=${typeof v === 'number' ? serializeSfInteger(v, code) : serializeSfString(v, code)}`);
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
  return { keyid, label, created, components, ...(nonce !== undefined && { nonce }) };
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

function invalid(detail: string): DataportError {
  return new DataportError('DP_ERR_SIGNATURE_INVALID', detail);
}

function stale(detail: string): DataportError {
  return new DataportError('DP_ERR_SIGNATURE_EXPIRED', detail);
}

function badArgument(detail: string): DataportError {
  return new DataportError('DP_ERR_INVALID_ARGUMENT', detail);
}


function show(value: unknown): string {
  return typeof value === 'string' ? quote(value) : typeof value === 'number' ? String(value) : typeof value;
}
