import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGateway } from '../../../gateway/server.js';
import { Connector, type ApprovalDecision } from '../../../connectors/connector.js';
import { GatewayError, SignedClient } from '../../../connectors/signed-http.js';
import { DSP_CONTEXT } from '../../../policies/dsp/version.js';
import { validateDspMessage } from '../../../policies/dsp/validate.js';
import { APPROVAL } from '../../../policies/negotiation/extensions.js';
import { dmDataset, repoRoot, sponsorProfile, tempDir, testIdentity, until } from '../../helpers.js';
import { gatewayWorld } from '../world.js';
import { fileLedger } from '../../../gateway/ledger/ledger.js';

type T = Parameters<typeof tempDir>[0];

const hospital = testIdentity(30);
const sponsor = testIdentity(31);

/** A research offer on the DM dataset, approved automatically or by hand. */
function offer(id: string, approval: 'auto' | 'manual', extra: Record<string, unknown> = {}) {
  return {
    '@id': id, '@type': 'Offer', [APPROVAL]: approval,
    permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
    ...extra,
  };
}

function dataset(id = 'dm', offers = [offer('dm:offer:auto', 'auto'), offer('dm:offer:manual', 'manual')]) {
  return { ...dmDataset(id), offers };
}

interface WorldOptions {
  dataDir?: string;
  onApprovalRequest?: (r: unknown) => ApprovalDecision | undefined;
  acceptCounterOffers?: ConstructorParameters<typeof Connector>[0]['acceptCounterOffers'];
  publish?: boolean;
  onMessage?: (direction: 'sent' | 'received', message: Record<string, unknown>) => void;
}

async function world(t: T, opts: WorldOptions = {}) {
  const dataDir = opts.dataDir ?? tempDir(t);
  const { app, base, provider, consumer } = await gatewayWorld(t, {
    gateway: { dataDir },
    provider: { identity: hospital, options: { onApprovalRequest: opts.onApprovalRequest as never } },
    consumer: { identity: sponsor, options: { acceptCounterOffers: opts.acceptCounterOffers, negotiationTimeoutMs: 10_000, onMessage: opts.onMessage } },
  });
  if (opts.publish !== false) await provider.publish(dataset());
  return { app, base, dataDir, provider, consumer };
}

t.test('automatic approval: request to FINALIZED, both signatures, agreement in the ledger with a proof', async (t) => {
  const { app, consumer } = await world(t);
  const result = await consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:auto', 'auto'), purpose: 'research', provider: hospital.did });
  t.equal(result.state, 'FINALIZED');
  t.equal(result.agreement.assigner, hospital.did);
  t.equal(result.agreement.assignee, sponsor.did);
  t.equal(result.agreement.target, 'dm');
  t.same(result.signatures.map((s) => s.signer), [hospital.did, sponsor.did]);

  const checked = await consumer.agreement(result.agreement['@id']);
  t.equal(checked.signatures.length, 2);
  t.ok(checked.seq > 0);
  await until('FINALIZED on the gateway', () => (app.state.negotiations.get(result.providerPid)?.state === 'FINALIZED' ? true : undefined));
  await app.ledger.flush();
  const types = [...fileLedger(app.ledger).replay()].map((e) => e.type).filter((x) => x.startsWith('negotiation.'));
  t.same(types, ['negotiation.requested', 'negotiation.approved', 'negotiation.agreed', 'negotiation.verified', 'negotiation.finalized']);
});

t.test('the agreement cannot be read by a third party (404), and its signatures are checked', async (t) => {
  const { base, consumer } = await world(t);
  const result = await consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:auto', 'auto'), purpose: 'research' });
  const stranger = new SignedClient(base, testIdentity(77));
  await stranger.json('POST', '/participants', { legalName: 'Stranger', jurisdiction: 'US', roles: ['consumer'] });
  const res = await stranger.send('GET', `/agreements/${encodeURIComponent(result.agreement['@id'])}`);
  t.equal(res.status, 404);
  const n = await stranger.send('GET', `/negotiations/${encodeURIComponent(result.providerPid)}`);
  t.equal(n.status, 404, "another party's negotiation is 404, as DSP says");
  t.ok(validateDspMessage('ContractNegotiationError', n.body).ok, 'the 404 body is a ContractNegotiationError');
});

t.test('manual approval: the negotiation waits in REQUESTED until the provider agrees', async (t) => {
  const { app, provider, consumer } = await world(t);
  const pending = consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:manual', 'manual'), purpose: 'research' });
  const waiting = await (async () => {
    for (let i = 0; i < 200; i++) {
      const list = await provider.approvals();
      if (list.length) return list;
      await new Promise((r) => setTimeout(r, 20));
    }
    return [];
  })();
  t.equal(waiting.length, 1);
  t.equal(app.state.negotiations.get(waiting[0]!.providerPid)?.state, 'REQUESTED');
  t.equal(waiting[0]!.consumer?.legalName, sponsorProfile.legalName);
  await provider.decide(waiting[0]!.providerPid, { decision: 'agree' });
  const result = await pending;
  t.equal(result.state, 'FINALIZED');
});

t.test('the provider rejects: the consumer is told why and the negotiation is TERMINATED', async (t) => {
  const { app, consumer } = await world(t, { onApprovalRequest: () => ({ decision: 'terminate', reason: 'no exports to this recipient this quarter' }) });
  const err = await consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:manual', 'manual'), purpose: 'research' }).catch((e: unknown) => e);
  t.ok(err instanceof GatewayError);
  t.equal((err as GatewayError).code, 'DP_ERR_PROVIDER_REJECTED');
  t.match((err as GatewayError).message, /no exports to this recipient/);
  const n = [...app.state.negotiations.values()][0]!;
  t.equal(n.state, 'TERMINATED');
  t.same(n.termination, { by: 'provider', code: 'DP_ERR_PROVIDER_REJECTED', reason: ['no exports to this recipient this quarter'] });
});

t.test('a provider counter-offer, accepted by the consumer, then agreed', async (t) => {
  const narrower = { permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }, { leftOperand: 'spatial', operator: 'eq', rightOperand: 'DE' }] }] };
  let asked = 0;
  const { app, consumer } = await world(t, {
    acceptCounterOffers: true,
    onApprovalRequest: () => (++asked === 1 ? { decision: 'counter', offer: { '@id': 'dm:offer:counter', ...narrower } } : { decision: 'agree' }),
  });
  const result = await consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:manual', 'manual'), purpose: 'research' });
  t.equal(result.state, 'FINALIZED');
  t.same(result.agreement.permission, narrower.permission, 'the agreement holds the counter-offer terms');
  const types = [...fileLedger(app.ledger).replay()].map((e) => e.type).filter((x) => x.startsWith('negotiation.'));
  t.same(types.slice(0, 4), ['negotiation.requested', 'negotiation.offered', 'negotiation.accepted', 'negotiation.approved']);
});

t.test('the consumer answers a provider counter-offer with its own (OFFERED -> REQUESTED), then agreement', async (t) => {
  const providerTerms = { permission: [{ action: 'use', constraint: [{ leftOperand: 'spatial', operator: 'eq', rightOperand: 'DE' }] }] };
  const consumerTerms = { permission: [{ action: 'use', constraint: [{ leftOperand: 'spatial', operator: 'isPartOf', rightOperand: 'EU' }] }] };
  let asked = 0;
  const { app, consumer } = await world(t, {
    acceptCounterOffers: () => ({ counter: { '@id': 'dm:offer:consumer-counter', ...consumerTerms } }),
    onApprovalRequest: () => (++asked === 1 ? { decision: 'counter', offer: { '@id': 'dm:offer:provider-counter', ...providerTerms } } : { decision: 'agree' }),
  });
  const result = await consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:manual', 'manual'), purpose: 'research' });
  t.equal(result.state, 'FINALIZED');
  t.same(result.agreement.permission, consumerTerms.permission, 'the consumer\'s last terms were agreed');
  await app.ledger.flush();
  const types = [...fileLedger(app.ledger).replay()].map((e) => e.type).filter((x) => x.startsWith('negotiation.'));
  t.same(types.slice(0, 4), ['negotiation.requested', 'negotiation.offered', 'negotiation.counter-requested', 'negotiation.approved']);
});

t.test('a consumer counter-offer always goes to the provider, even on an automatic offer', async (t) => {
  const seen: unknown[] = [];
  const { consumer } = await world(t, { onApprovalRequest: (r) => (seen.push(r), { decision: 'agree' }) });
  const mine = offer('dm:offer:auto', 'auto', { obligation: [{ action: 'delete', constraint: [{ leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: { '@value': 'P30D', '@type': 'xsd:duration' } }] }] });
  const result = await consumer.negotiate({ datasetId: 'dm', offer: mine, purpose: 'research' });
  t.equal(result.state, 'FINALIZED');
  t.equal(seen.length, 1, 'the provider was asked');
  t.match((seen[0] as { approval: string }).approval, 'manual');
  t.ok(result.agreement.obligation, 'the consumer\'s obligation is in the agreement');
});

t.test('a policy the consumer cannot satisfy: hidden in the catalog, 403 with a trace at negotiation', async (t) => {
  const { base, provider, consumer } = await world(t, { publish: false });
  const euOnly = offer('dm:offer:eu', 'auto', { permission: [{ action: 'use', constraint: [{ leftOperand: 'spatial', operator: 'isAnyOf', rightOperand: ['FR', 'IT'] }] }] });
  await provider.publish(dataset('dm', [euOnly, offer('dm:offer:auto', 'auto')]));
  const catalog = await consumer.client.json<{ dataset: { '@id': string; hasPolicy: { '@id': string }[] }[] }>('POST', '/catalog/request', { '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage' });
  t.ok(validateDspMessage('Catalog', catalog).ok, 'the catalog is a valid DSP Catalog');
  t.same(catalog.dataset[0]!.hasPolicy.map((o) => o['@id']), ['dm:offer:auto'], 'the EU-only offer is hidden from a German... consumer in DE');
  const why = await provider.client.json<{ offerId: string; visible: boolean; reason: string }[]>('GET', `/datasets/dm/visibility?consumer=${encodeURIComponent(sponsor.did)}`);
  t.same(why.map((w) => [w.offerId, w.visible]), [['dm:offer:eu', false], ['dm:offer:auto', true]]);
  t.match(why[0]!.reason, /spatial/);
  const denied = await consumer.negotiate({ datasetId: 'dm', offer: euOnly, purpose: 'research' }).catch((e: unknown) => e as GatewayError);
  t.equal((denied as GatewayError).status, 403);
  t.equal((denied as GatewayError).code, 'DP_ERR_POLICY_DENIED');
  t.ok(((denied as GatewayError).details as { trace: unknown }).trace, 'the denial carries its trace');
  const consumerView = await new SignedClient(base, sponsor).send('GET', `/datasets/dm/visibility?consumer=${encodeURIComponent(sponsor.did)}`);
  t.equal(consumerView.status, 403, 'only the provider learns why offers are hidden');
});

t.test('invalid transitions get 400 ContractNegotiationError; unknown offers are refused', async (t) => {
  const { provider, consumer } = await world(t, { onApprovalRequest: () => undefined });
  void provider;
  const client = consumer.client;
  const start = await client.send<{ providerPid: string; state: string }>('POST', '/negotiations/request', {
    '@context': [DSP_CONTEXT], '@type': 'ContractRequestMessage', consumerPid: 'urn:uuid:c-1', callbackAddress: consumer.callbackAddress,
    offer: { ...offer('dm:offer:manual', 'manual'), target: 'dm' }, 'https://w3id.org/dataport/v1#purpose': 'research',
  });
  t.equal(start.status, 201, JSON.stringify(start.body));
  t.ok(validateDspMessage('ContractNegotiation', start.body).ok);
  t.equal(start.body.state, 'REQUESTED');
  const pid = start.body.providerPid;
  const verification = await client.send('POST', `/negotiations/${encodeURIComponent(pid)}/agreement/verification`, {
    '@context': [DSP_CONTEXT], '@type': 'ContractAgreementVerificationMessage', providerPid: pid, consumerPid: 'urn:uuid:c-1',
  });
  t.equal(verification.status, 400);
  t.ok(validateDspMessage('ContractNegotiationError', verification.body).ok);
  t.match(verification.body, { code: 'DP_ERR_INVALID_TRANSITION', reason: [/not allowed in state REQUESTED/] });
  const accepted = await client.send('POST', `/negotiations/${encodeURIComponent(pid)}/events`, {
    '@context': [DSP_CONTEXT], '@type': 'ContractNegotiationEventMessage', providerPid: pid, consumerPid: 'urn:uuid:c-1', eventType: 'ACCEPTED',
  });
  t.equal(accepted.status, 400, 'ACCEPTED needs an offer from the provider first');
  const again = await client.send<{ providerPid: string }>('POST', '/negotiations/request', {
    '@context': [DSP_CONTEXT], '@type': 'ContractRequestMessage', consumerPid: 'urn:uuid:c-1', callbackAddress: consumer.callbackAddress,
    offer: { ...offer('dm:offer:manual', 'manual'), target: 'dm' },
  });
  t.equal(again.status, 200, 'a repeated consumerPid is idempotent');
  t.equal(again.body.providerPid, pid);
  const terminated = await client.send('POST', `/negotiations/${encodeURIComponent(pid)}/termination`, {
    '@context': [DSP_CONTEXT], '@type': 'ContractNegotiationTerminationMessage', providerPid: pid, consumerPid: 'urn:uuid:c-1', code: 'changed-mind', reason: ['no longer needed'],
  });
  t.equal(terminated.status, 200);
  const after = await client.send('POST', `/negotiations/${encodeURIComponent(pid)}/termination`, {
    '@context': [DSP_CONTEXT], '@type': 'ContractNegotiationTerminationMessage', providerPid: pid, consumerPid: 'urn:uuid:c-1',
  });
  t.equal(after.status, 400, 'TERMINATED is terminal');
  const unknown = await client.send('POST', '/negotiations/request', {
    '@context': [DSP_CONTEXT], '@type': 'ContractRequestMessage', consumerPid: 'urn:uuid:c-2', callbackAddress: consumer.callbackAddress,
    offer: { '@id': 'no-such-offer', '@type': 'Offer', target: 'dm', permission: [{ action: 'use' }] },
  });
  t.equal(unknown.status, 400);
  t.match(unknown.body, { code: 'DP_ERR_UNKNOWN_OFFER' });
  const malformed = await client.send('POST', '/negotiations/request', { '@type': 'ContractRequestMessage', consumerPid: 'x' });
  t.equal(malformed.status, 400);
  t.match(malformed.body, { '@type': 'ContractNegotiationError', code: 'DP_ERR_VALIDATION' });
});

t.test('the official DSP example messages pass the gateway\'s schema checks', async (t) => {
  const dir = join(repoRoot, 'policies', 'dsp', 'vendor', 'negotiation', 'example');
  const { consumer } = await world(t);
  const initial = JSON.parse(readFileSync(join(dir, 'contract-request-message_initial.json'), 'utf8')) as Record<string, unknown>;
  const res = await consumer.client.send<{ code: string }>('POST', '/negotiations/request', initial);
  t.equal(res.status, 400);
  t.equal(res.body.code, 'DP_ERR_UNKNOWN_OFFER', 'accepted by the schema, refused only because the example offer is not in this catalog');
  const termination = JSON.parse(readFileSync(join(dir, 'contract-negotiation-termination-message.json'), 'utf8')) as { providerPid: string };
  const res2 = await consumer.client.send<{ code: string }>('POST', `/negotiations/${encodeURIComponent(termination.providerPid)}/termination`, termination);
  t.equal(res2.status, 404, 'valid message, unknown negotiation');
});

t.test('a gateway restarted mid-negotiation resumes it', async (t) => {
  const dataDir = tempDir(t);
  let approve = false;
  const first = await world(t, { dataDir, onApprovalRequest: () => (approve ? { decision: 'agree' } : undefined) });
  const pending = first.consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:manual', 'manual'), purpose: 'research' });
  pending.catch(() => undefined);
  const pid = await until('the negotiation', () => [...first.app.state.negotiations.keys()][0]);
  await first.app.close();

  // Same data directory, same connectors' keys: the state comes back from the ledger.
  approve = true;
  const app = await buildGateway({ dataDir, port: 0, logLevel: 'silent', identity: testIdentity(3), ledger: { checkpointIntervalMs: 0 } });
  t.teardown(() => app.close());
  t.equal(app.state.negotiations.get(pid)?.state, 'REQUESTED', 'rebuilt from the ledger');
  await app.listen({ host: '127.0.0.1', port: Number(new URL(first.base).port) });
  // On ready, the gateway asks the provider again; the provider now agrees; the consumer (whose
  // callback address is unchanged) verifies; the negotiation finishes on the new instance.
  await until('FINALIZED after restart', () => (app.state.negotiations.get(pid)?.state === 'FINALIZED' ? true : undefined), 8000);
  t.equal(app.state.negotiations.get(pid)?.state, 'FINALIZED');
});

t.test('every DSP message the consumer sends and receives validates against the official schemas', async (t) => {
  const seen: { direction: string; message: Record<string, unknown> }[] = [];
  const { provider, consumer } = await world(t, { acceptCounterOffers: true, onMessage: (direction, message) => seen.push({ direction, message }) });
  // A counter-offer path touches every message type but termination; a second negotiation ends in one.
  let n = 0;
  provider['opts'].onApprovalRequest = () => (++n === 1 ? { decision: 'counter', offer: { '@id': 'dm:counter', permission: [{ action: 'use' }] } } : { decision: 'agree' });
  await consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:manual', 'manual'), purpose: 'research' });
  provider['opts'].onApprovalRequest = () => ({ decision: 'terminate', reason: 'closed' });
  await consumer.negotiate({ datasetId: 'dm', offer: offer('dm:offer:manual', 'manual'), purpose: 'research' }).catch(() => undefined);
  const types = new Set(seen.map((s) => `${s.direction} ${String(s.message['@type'])}`));
  for (const want of ['sent ContractRequestMessage', 'received ContractNegotiation', 'received ContractOfferMessage', 'sent ContractNegotiationEventMessage',
    'received ContractAgreementMessage', 'sent ContractAgreementVerificationMessage', 'received ContractNegotiationEventMessage', 'received ContractNegotiationTerminationMessage', 'sent ContractNegotiation']) {
    t.ok(types.has(want), want);
  }
  for (const { direction, message } of seen) {
    const r = validateDspMessage(message['@type'] as never, message);
    if (!r.ok) t.fail(`${direction} ${String(message['@type'])}: ${r.errors.join('; ')}`);
  }
  t.ok(seen.length >= 12, `${seen.length} messages checked`);
});
