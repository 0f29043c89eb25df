// dataport's own policies: a pharma offer of clinical-trial adverse events and an autonomous-driving
// telemetry offer, through catalog, negotiation, transfer and reevaluation.
import t from 'tap';
import { evaluate, parsePolicy, policyProblems } from '../../../policies/odrl/index.js';
import { CONSUMER, context, EU27 } from './fixtures.js';

const DP = 'https://w3id.org/dataport/v1#';

const pharma = parsePolicy({
  '@context': 'https://w3id.org/dspace/2025/1/context.jsonld',
  '@type': 'Offer',
  '@id': 'urn:dataport:offer:trial-xyz-ae',
  permission: [
    {
      action: 'use',
      constraint: [
        { leftOperand: 'purpose', operator: 'isA', rightOperand: 'research' },
        { leftOperand: 'spatial', operator: 'isAnyOf', rightOperand: [...EU27, 'NO', 'IS', 'LI'] },
      ],
      duty: [
        {
          action: { 'rdf:value': { '@id': 'odrl:anonymize' }, refinement: [{ leftOperand: `${DP}kAnonymity`, operator: 'gteq', rightOperand: 5 }] },
          [`${DP}pipeline`]: { USUBJID: { pseudonymise: 'hmac' }, BRTHDTC: { generalise: 'year' }, AETERM: { detect: 'pii' } },
        },
      ],
    },
    // The homomorphic path: encrypted aggregates may go anywhere research is done.
    { action: 'aggregate', constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: 'research' }] },
  ],
  prohibition: [{ action: 'distribute' }],
  obligation: [{ action: 'delete', constraint: [{ leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: 'P2Y' }] }],
});

t.test('pharma: the offer is enforceable as written', async (t) => {
  t.same(policyProblems(pharma), []);
});

t.test('pharma: a German clinical researcher may use the data, anonymised to k=5, deleted within two years', async (t) => {
  for (const scope of ['catalog', 'negotiation', 'transfer'] as const) t.equal(evaluate(pharma, { action: 'use', scope }, context()).allowed, true, scope);
  const d = evaluate(pharma, { action: 'use', scope: 'transfer' }, context());
  t.same(d.duties, [
    {
      origin: 'permission 0 duty 0',
      action: 'anonymize',
      parameters: { k: 5, pipeline: { USUBJID: { pseudonymise: 'hmac' }, BRTHDTC: { generalise: 'year' }, AETERM: { detect: 'pii' } } },
      constraints: [{ leftOperand: `${DP}kAnonymity`, operator: 'gteq', rightOperand: 5 }],
    },
    { origin: 'obligation 0', action: 'delete', parameters: { retention: 'P2Y' }, constraints: [{ leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: 'P2Y' }] },
  ]);
  t.equal(d.reason, 'allowed: permission 0 grants use; duties: anonymize (permission 0 duty 0), delete (obligation 0)');
});

t.test('pharma: a Norwegian pharmacovigilance team qualifies through the taxonomy and the EEA list', async (t) => {
  t.equal(evaluate(pharma, { action: 'read', scope: 'negotiation' }, context({ purpose: 'drug-safety-signal' }, { jurisdiction: 'NO' })).allowed, true);
});

t.test('pharma: a Beijing analyst sees no raw-data offer but may receive the homomorphic aggregate', async (t) => {
  const ctx = context({}, { jurisdiction: 'CN-BJ' });
  const use = evaluate(pharma, { action: 'use', scope: 'catalog' }, ctx);
  t.equal(use.allowed, false);
  t.match(use.reason, /^denied: permission 0 constraint 1: spatial CN-BJ isAnyOf \[AT, BE, .*, LI\] is false$/);
  const aggregate = evaluate(pharma, { action: 'aggregate', scope: 'transfer' }, ctx);
  t.equal(aggregate.allowed, true);
  t.equal(aggregate.reason, 'allowed: permission 1 grants aggregate; duties: delete (obligation 0)', 'use also covers aggregate but permission 0 fails; no anonymize duty on the encrypted path');
});

t.test('pharma: marketing is not research, and the data may not be passed on', async (t) => {
  t.equal(evaluate(pharma, { action: 'use', scope: 'negotiation' }, context({ purpose: 'marketing' })).reason, 'denied: permission 0 constraint 0: purpose marketing isA research is false');
  t.equal(evaluate(pharma, { action: 'distribute', scope: 'transfer' }, context()).reason, 'denied: prohibition 0 forbids distribute');
});

const telemetry = parsePolicy({
  '@type': 'Offer',
  '@id': 'urn:dataport:offer:fleet-telemetry-2025q2',
  target: 'urn:dataport:dataset:fleet-telemetry',
  permission: [
    {
      action: 'use',
      constraint: [
        { leftOperand: 'recipient', operator: 'eq', rightOperand: { '@id': CONSUMER } },
        { leftOperand: 'count', operator: 'lteq', rightOperand: { '@value': '10', '@type': 'xsd:integer' } },
        { leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: { '@value': 'P90D', '@type': 'xsd:duration' } },
      ],
      duty: [{ action: 'anonymize', constraint: [{ leftOperand: `${DP}kAnonymity`, operator: 'gteq', rightOperand: 10 }], [`${DP}pipeline`]: { trajectory: { trimEnds: 'PT2M', coarsen: 'geohash6' }, VIN: 'tokenise' } }],
    },
  ],
  prohibition: [{ action: 'use', constraint: [{ leftOperand: 'spatial', operator: 'isNoneOf', rightOperand: ['DE', 'FR'] }] }],
});
const fleet = (over: Parameters<typeof context>[0] = {}, consumer: Parameters<typeof context>[1] = {}) => context({ purpose: undefined, agreedAt: '2025-03-15T00:00:00Z', ...over }, consumer);

t.test('telemetry: offered to its one recipient, hidden from everyone else', async (t) => {
  t.equal(evaluate(telemetry, { action: 'use', target: 'urn:dataport:dataset:fleet-telemetry', scope: 'catalog' }, fleet()).reason, 'allowed: permission 0 grants use; duties: anonymize (permission 0 duty 0); not known until later: count, elapsedTime');
  const stranger = evaluate(telemetry, { action: 'use', scope: 'catalog' }, fleet({}, { did: 'did:key:z6MkStranger' }));
  t.equal(stranger.reason, 'denied: permission 0 constraint 0: recipient did:key:z6MkStranger eq did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK is false');
});

t.test('telemetry: the tenth transfer may start, the eleventh may not', async (t) => {
  t.equal(evaluate(telemetry, { action: 'use', scope: 'transfer' }, fleet({ useCount: 9 })).allowed, true);
  t.equal(evaluate(telemetry, { action: 'use', scope: 'transfer' }, fleet({ useCount: 10 })).reason, 'denied: permission 0 constraint 1: count 11 lteq 10 is false (10 uses so far, plus the one being started)');
});

t.test('telemetry: a transfer running past 90 days is stopped at reevaluation', async (t) => {
  t.equal(evaluate(telemetry, { action: 'use', scope: 'reevaluation' }, fleet({ useCount: 3, now: '2025-06-13T00:00:00Z' })).allowed, true, 'day 90');
  const late = evaluate(telemetry, { action: 'use', scope: 'reevaluation' }, fleet({ useCount: 3, now: '2025-06-13T00:00:01Z' }));
  t.equal(late.reason, 'denied: permission 0 constraint 2: elapsedTime P90DT1S lteq P90D is false (since 2025-03-15T00:00:00.000Z; the duration ends 2025-06-13T00:00:00.000Z)');
});

t.test('telemetry: the recipient moving outside DE and FR is forbidden', async (t) => {
  t.equal(evaluate(telemetry, { action: 'use', scope: 'reevaluation' }, fleet({ useCount: 1 }, { jurisdiction: 'US' })).reason, 'denied: prohibition 0 forbids use: constraint 0: spatial US isNoneOf [DE, FR] is true');
});

t.test('an obligation-only policy grants nothing', async (t) => {
  t.equal(evaluate(parsePolicy({ obligation: [{ action: 'delete' }] }), { action: 'use', scope: 'transfer' }, context()).reason, 'denied: no permission covers use (the policy has none)');
});
