// DSP 2025-1 catalog (catalog.binding.https.md): the gateway's catalog of every provider's
// published datasets, each showing only the offers whose policy the requesting consumer could
// satisfy (catalog scope). Paged with RFC 8288 Link headers. Providers can ask why an offer is
// hidden from a given consumer; consumers never learn about offers hidden from them.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fromBase64Url, toBase64Url, utf8 } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import { assertDspMessage } from '../../policies/dsp/validate.js';
import { DSP_CONTEXT } from '../../policies/dsp/version.js';
import { DATAPORT_NS } from '../../policies/negotiation/extensions.js';
import { toDataportError } from '../errors-plugin.js';
import { offeredAction, type PolicyCheck } from '../negotiation/policy-check.js';
import type { ControlPlane, Dataset, Participant } from '../state/control-plane.js';

export interface CatalogRoutesOptions {
  state: ControlPlane;
  policy: PolicyCheck;
  gatewayDid: string;
  pageSize?: number;
}

const SERVICE_ID = 'urn:dataport:gateway:dsp';
/** The filter terms this catalog understands; anything else is refused (400), as DSP requires. */
const FILTER_KEYS = ['id', 'keyword', 'provider', 'text'] as const;
type Filter = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

export const catalogRoutes: FastifyPluginAsync<CatalogRoutesOptions> = async (app, { state, policy, gatewayDid, pageSize = 50 }) => {
  app.setErrorHandler((err, request: FastifyRequest, reply: FastifyReply) => {
    const e = toDataportError(err);
    if (e.status >= 500) request.log.error({ err }, 'catalog request failed');
    void reply.status(e.status).type('application/json').send({ '@context': [DSP_CONTEXT], '@type': 'CatalogError', code: e.code, reason: [e.message] });
  });

  const visibleOffers = (d: Dataset, consumer: Participant) =>
    d.offers.filter((o) => policy(o, 'catalog', { participant: consumer, dataset: d, action: offeredAction(o) }).allowed);

  const dspDataset = (d: Dataset, offers: Record<string, unknown>[]) => ({
    '@id': d.id,
    '@type': 'Dataset',
    title: d.title,
    ...(d.description ? { description: d.description } : {}),
    ...(d.keywords?.length ? { keyword: d.keywords } : {}),
    [`${DATAPORT_NS}provider`]: d.provider,
    [`${DATAPORT_NS}schema`]: d.schema,
    [`${DATAPORT_NS}subjects`]: d.subjects,
    hasPolicy: offers.map((o) => ({ ...o, '@type': 'Offer' })),
    distribution: [{ '@type': 'Distribution', format: 'dataport:ArrowStream-PULL', accessService: SERVICE_ID }],
  });

  app.post<{ Body: Record<string, unknown>; Querystring: { continuationToken?: string } }>('/catalog/request', {
    schema: {
      tags: ['dsp-catalog'], summary: 'CatalogRequestMessage: the datasets and offers the signer could use',
      body: { type: 'object' }, querystring: { type: 'object', properties: { continuationToken: { type: 'string' } } },
    },
  }, async (request, reply) => {
    assertDspMessage('CatalogRequestMessage', request.body);
    const consumer = state.requireParticipant(request.signer);
    const filter = parseFilter(request.body.filter);
    const offset = parseToken(request.query.continuationToken);
    const matching = [...state.datasets.values()]
      .filter((d) => d.status === 'published' && matches(d, filter))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((d) => ({ d, offers: visibleOffers(d, consumer) }))
      .filter((x) => x.offers.length > 0);
    const page = matching.slice(offset, offset + pageSize);
    const links: string[] = [];
    const link = (at: number, rel: string) => `</catalog/request?continuationToken=${toBase64Url(utf8.encode(String(at)))}>; rel="${rel}"`;
    if (offset > 0) links.push(link(Math.max(0, offset - pageSize), 'previous'));
    if (offset + pageSize < matching.length) links.push(link(offset + pageSize, 'next'));
    if (links.length) void reply.header('link', links.join(', '));
    return {
      '@context': [DSP_CONTEXT],
      '@id': `urn:dataport:catalog:${gatewayDid}`,
      '@type': 'Catalog',
      participantId: gatewayDid,
      service: [{ '@id': SERVICE_ID, '@type': 'DataService', endpointURL: `${request.protocol}://${request.headers.host}/` }],
      dataset: page.map(({ d, offers }) => dspDataset(d, offers)),
    };
  });

  app.get<{ Params: { id: string } }>('/catalog/datasets/:id', {
    schema: { tags: ['dsp-catalog'], summary: 'DatasetRequestMessage: one dataset with the offers the signer could use', params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
  }, async (request) => {
    const consumer = state.requireParticipant(request.signer);
    const d = state.datasets.get(request.params.id);
    const offers = d && d.status === 'published' ? visibleOffers(d, consumer) : [];
    if (!d || offers.length === 0) throw new DataportError('DP_ERR_NOT_FOUND', `dataset ${request.params.id}`);
    return { '@context': [DSP_CONTEXT], ...dspDataset(d, offers) };
  });
};

/** The provider's view: for one consumer, which offers of its dataset are visible and why not. */
export const visibilityRoutes: FastifyPluginAsync<{ state: ControlPlane; policy: PolicyCheck }> = async (app, { state, policy }) => {
  app.get<{ Params: { id: string }; Querystring: { consumer: string } }>('/datasets/:id/visibility', {
    schema: {
      tags: ['datasets'], summary: 'Why each offer is shown to or hidden from a consumer (provider only)',
      params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      querystring: { type: 'object', properties: { consumer: { type: 'string' } }, required: ['consumer'] },
    },
  }, async (request) => {
    const provider = state.requireParticipant(request.signer, 'provider').did;
    const d = state.ownDataset(provider, request.params.id);
    const consumer = state.participant(request.query.consumer);
    if (!consumer) throw new DataportError('DP_ERR_NOT_FOUND', `participant ${request.query.consumer}`);
    return d.offers.map((o) => {
      const v = policy(o, 'catalog', { participant: consumer, dataset: d, action: offeredAction(o) });
      return { offerId: o['@id'], visible: v.allowed, reason: v.reason, trace: v.trace };
    });
  });
};

function parseFilter(filter: unknown): Filter {
  const out: Filter = {};
  if (filter === undefined) return out;
  if (!Array.isArray(filter)) throw new DataportError('DP_ERR_BAD_REQUEST', 'filter must be an array');
  for (const [i, f] of filter.entries()) {
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw new DataportError('DP_ERR_BAD_REQUEST', `filter[${i}] must be an object like {"keyword": "oncology"}`);
    for (const [k, v] of Object.entries(f)) {
      if (!(FILTER_KEYS as readonly string[]).includes(k)) throw new DataportError('DP_ERR_BAD_REQUEST', `filter term ${k} is not supported (supported: ${FILTER_KEYS.join(', ')})`);
      if (typeof v !== 'string') throw new DataportError('DP_ERR_BAD_REQUEST', `filter term ${k} must be a string`);
      out[k as keyof Filter] = v;
    }
  }
  return out;
}

function matches(d: Dataset, f: Filter): boolean {
  if (f.id !== undefined && d.id !== f.id) return false;
  if (f.provider !== undefined && d.provider !== f.provider) return false;
  if (f.keyword !== undefined && !(d.keywords ?? []).some((k) => k.toLowerCase() === f.keyword!.toLowerCase())) return false;
  if (f.text !== undefined) {
    const hay = `${d.title} ${d.description ?? ''} ${(d.keywords ?? []).join(' ')}`.toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

function parseToken(token: string | undefined): number {
  if (token === undefined) return 0;
  let n = Number.NaN;
  try {
    n = Number(new TextDecoder().decode(fromBase64Url(token)));
  } catch {
    // fall through
  }
  if (!Number.isSafeInteger(n) || n < 0) throw new DataportError('DP_ERR_BAD_REQUEST', 'continuationToken is not one this catalog issued');
  return n;
}
