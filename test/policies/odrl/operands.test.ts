// Each left operand: which context value it compares (the trace's `actual`) and what happens when
// the context lacks it.
import t from 'tap';
import { evaluate, parsePolicy } from '../../../policies/odrl/index.js';
import type { RuleStep } from '../../../policies/odrl/trace.js';
import { atomic, CONSUMER, context, offer, step } from './fixtures.js';

t.test('purpose compares context.purpose through context.purposes', async (t) => {
  const s = step(atomic('purpose', 'isA', 'research'));
  t.match(s, { leftOperand: 'purpose', operator: 'isA', rightOperand: 'research', actual: 'clinical-research', result: true });
  const missing = step(atomic('purpose', 'isA', 'research'), context({ purpose: undefined }));
  t.match(missing, { actual: null, result: 'unknown', note: 'the context states no purpose' });
});

t.test('spatial compares the consumer jurisdiction through context.regions', async (t) => {
  t.match(step(atomic('spatial', 'isPartOf', 'CN'), context({}, { jurisdiction: 'CN-SH' })), { actual: 'CN-SH', result: true });
  t.match(step(atomic('spatial', 'isPartOf', 'CN'), context({}, { jurisdiction: undefined })), { actual: null, result: 'unknown', note: /no consumer jurisdiction/ });
});

t.test('recipient compares the consumer did', async (t) => {
  t.match(step(atomic('recipient', 'eq', CONSUMER)), { actual: CONSUMER, result: true });
  t.match(step(atomic('recipient', 'eq', 'did:key:z6MkOther')), { actual: CONSUMER, result: false });
});

t.test('dataport:membership compares the verified claims, written as IRI or prefixed name', async (t) => {
  const ctx = context({}, { claims: ['urn:dataport:claim:icmra-member'] });
  const iri = step(atomic('https://w3id.org/dataport/v1#membership', 'eq', 'urn:dataport:claim:icmra-member'), ctx);
  t.match(iri, { leftOperand: 'dataport:membership', actual: ['urn:dataport:claim:icmra-member'], result: true });
  t.equal(step(atomic('dataport:membership', 'eq', 'urn:dataport:claim:icmra-member'), ctx).result, true);
  t.match(step(atomic('dataport:membership', 'eq', 'x'), context({}, { claims: undefined })), { result: 'unknown', note: /no consumer claims/ });
  t.match(step(atomic('dataport:membership', 'isNoneOf', ['x']), context({}, { claims: [] })), { actual: [], result: true }, '[] means: holds none');
});

t.test('dateTime compares now, shown as an ISO instant', async (t) => {
  t.match(step(atomic('dateTime', 'lteq', '2025-12-31T23:59:59Z')), { actual: '2025-06-01T08:00:00.000Z', result: true });
  t.match(step(atomic('dateTime', 'lteq', '2025-01-01T00:00:00Z')), { result: false });
});

t.test('elapsedTime compares the time since agreedAt with an xsd:duration', async (t) => {
  const s = step(atomic('elapsedTime', 'lteq', 'P30D'), context({ agreedAt: '2025-05-01T08:00:00Z' }));
  t.match(s, { actual: 'P31D', result: false, note: 'since 2025-05-01T08:00:00.000Z; the duration ends 2025-05-31T08:00:00.000Z' });
  t.match(step(atomic('elapsedTime', 'lteq', 'PT12H'), context({ agreedAt: '2025-06-01T00:00:00Z' })), { actual: 'PT8H', result: true });
  t.match(step(atomic('elapsedTime', 'lteq', 'P30D')), { result: 'unknown', note: /no agreedAt/ }, 'a transfer without agreedAt cannot tell');
});

t.test("elapsedTime defaults to an Agreement's own timestamp", async (t) => {
  const agreement = parsePolicy({
    '@type': 'Agreement',
    '@id': 'urn:uuid:a1',
    target: 'urn:dataset:1',
    assigner: 'did:key:provider',
    assignee: CONSUMER,
    timestamp: '2025-05-31T08:00:00Z',
    permission: [{ action: 'use', constraint: [atomic('elapsedTime', 'lteq', 'PT12H')] }],
  });
  const d = evaluate(agreement, { action: 'use', scope: 'transfer' }, context());
  t.match((d.trace[0] as RuleStep).constraints[0], { actual: 'P1D', result: false });
  t.equal(d.reason, 'denied: permission 0 constraint 0: elapsedTime P1D lteq PT12H is false (since 2025-05-31T08:00:00.000Z; the duration ends 2025-05-31T20:00:00.000Z)');
});

t.test('count compares useCount: plus the use being started at transfer, as is at reevaluation', async (t) => {
  t.match(step(atomic('count', 'lteq', 3), context({ useCount: 3 }), 'transfer'), { actual: 4, result: false, note: '3 uses so far, plus the one being started' });
  t.match(step(atomic('count', 'lteq', 3), context({ useCount: 3 }), 'reevaluation'), { actual: 3, result: true });
  t.match(step(atomic('count', 'lteq', 3), context(), 'reevaluation'), { actual: null, result: 'unknown', note: 'the context has no useCount' });
  t.match(step(atomic('count', 'lteq', 3), context(), 'negotiation'), { actual: 0, result: true }, 'no use before the agreement');
});

t.test('kAnonymity is a duty parameter: as a permission condition it fails closed', async (t) => {
  const d = evaluate(parsePolicy(offer(atomic('dataport:kAnonymity', 'gteq', 5))), { action: 'use', scope: 'transfer' }, context());
  t.equal(d.allowed, false);
  t.equal(d.reason, 'denied: permission 0 constraint 0: dataport:kAnonymity parametrises an anonymize duty; it is not a condition a request can meet');
});
