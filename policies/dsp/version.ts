// What this implementation announces about the protocol: the JSON-LD context its messages name,
// and the body of its version metadata endpoint (DSP 2025-1, common.protocol.md, "Exposure of Versions").
import { DataportError } from '../../crypto/errors.js';
import type { ProtocolVersion, VersionAuth, VersionResponse } from './types.js';

/** The JSON-LD context every DSP 2025-1 message lists in its `@context` array. */
export const DSP_CONTEXT = 'https://w3id.org/dspace/2025/1/context.jsonld';

/** The protocol version dataport speaks. */
export const DSP_VERSION = '2025-1';

/** The path, relative to the connector's root, of the version metadata endpoint. */
export const DSP_VERSION_ENDPOINT = '/.well-known/dspace-version';

export interface DspVersionOptions {
  /**
   * HTTPS binding: the absolute path appended to `<root>` to form `<base>`, under which the
   * catalog, negotiation and transfer endpoints of this version live. Default `/`.
   */
  path?: string;
  /** Groups the endpoints one Data Service exposes across versions. */
  serviceId?: string;
  /** How participants are named. Default `did:key`, dataport's identities. */
  identifierType?: string;
  /** How the endpoints are secured (the spec leaves the protocol names open). */
  auth?: VersionAuth;
}

/**
 * The body of `GET <root>/.well-known/dspace-version`: one HTTPS entry for DSP 2025-1. The spec
 * requires at least one entry, and the endpoint itself to be unversioned and unauthenticated.
 */
export function dspVersions(options: DspVersionOptions = {}): VersionResponse {
  const path = options.path ?? '/';
  // "the `path` property is an absolute Uniform Resource Locator (URL) path segment" (HTTPS Binding)
  if (!path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `DSP version path must be an absolute URL path, got ${JSON.stringify(path)}`);
  }
  const entry: ProtocolVersion = {
    version: DSP_VERSION,
    path,
    binding: 'HTTPS',
    identifierType: options.identifierType ?? 'did:key',
  };
  if (options.serviceId !== undefined) entry.serviceId = options.serviceId;
  if (options.auth !== undefined) {
    entry.auth = { protocol: options.auth.protocol, version: options.auth.version };
    if (options.auth.profile !== undefined) entry.auth.profile = [...options.auth.profile];
  }
  return { protocolVersions: [entry] };
}
