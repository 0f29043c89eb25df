// Scopes: catalog (could this consumer ever satisfy it?), negotiation (may we agree now?),
// transfer (may a use start?), reevaluation (may a running use go on?).
import t from 'tap';
import { evaluate, parsePolicy, type Scope } from '../../../policies/odrl/index.js';
import type { RuleStep } from '../../../policies/odrl/trace.js';
import { atomic, CONSUMER, context, offer } from './fixtures.js';

const at = (policy: unknown, scope: Scope, ctx = context()) => evaluate(parsePolicy(policy), { action: 'use', scope }, ctx);

t.test('count lteq 3: satisfiable at catalog time, counted from the agreement afterwards', async (t) => {
  const p = offer(atomic('count', 'lteq', 3));
  const catalog = at(p, 'catalog', context({ useCount: 4 }));
  t.equal(catalog.allowed, true, 'another agreement’s uses do not hide the offer');
  t.equal(catalog.reason, 'allowed: permission 0 grants use; not known until later: count');
  t.equal(at(p, 'negotiation').allowed, true);
  t.equal(at(p, 'transfer', context({ useCount: 2 })).allowed, true, 'the third use may start');
  t.equal(at(p, 'transfer', context({ useCount: 3 })).reason, 'denied: permission 0 constraint 0: count 4 lteq 3 is false (3 uses so far, plus the one being started)');
  t.equal(at(p, 'reevaluation', context({ useCount: 3 })).allowed, true, 'the third use may go on');
  const over = at(p, 'reevaluation', context({ useCount: 4 }));
  t.equal(over.allowed, false);
  t.equal(over.reason, 'denied: permission 0 constraint 0: count 4 lteq 3 is false');
});

t.test('elapsedTime lteq P30D runs out during the agreement', async (t) => {
  const p = offer(atomic('elapsedTime', 'lteq', 'P30D'));
  t.equal(at(p, 'catalog').allowed, true);
  t.match((at(p, 'catalog').trace[0] as RuleStep).constraints[0], { result: 'unknown', note: 'no agreement is signed at catalog time' });
  t.match((at(p, 'negotiation').trace[0] as RuleStep).constraints[0], { actual: 'PT0S', result: true }, 'signing now: nothing has elapsed');
  t.equal(at(p, 'transfer', context({ agreedAt: '2025-05-03T08:00:00Z' })).allowed, true, 'day 29');
  const late = at(p, 'reevaluation', context({ agreedAt: '2025-05-01T08:00:00Z' }));
  t.equal(late.allowed, false, 'day 31');
  t.match(late.reason, /^denied: permission 0 constraint 0: elapsedTime P31D lteq P30D is false/);
});

t.test('a dateTime window that opens later is satisfiable at catalog time only', async (t) => {
  const p = offer(atomic('dateTime', 'gteq', '2026-01-01T00:00:00Z'));
  const catalog = at(p, 'catalog');
  t.equal(catalog.allowed, true);
  t.match((catalog.trace[0] as RuleStep).constraints[0], { actual: '2025-06-01T08:00:00.000Z', result: 'unknown', note: 'not yet, but it can hold later' });
  t.equal(at(p, 'negotiation').reason, 'denied: permission 0 constraint 0: dateTime 2025-06-01T08:00:00.000Z gteq 2026-01-01T00:00:00Z is false');
});

t.test('an expired dateTime hides the offer at catalog time', async (t) => {
  const d = at(offer(atomic('dateTime', 'lteq', '2025-01-01T00:00:00Z')), 'catalog');
  t.equal(d.allowed, false);
  t.equal(d.reason, 'denied: permission 0 constraint 0: dateTime 2025-06-01T08:00:00.000Z lteq 2025-01-01T00:00:00Z is false');
});

t.test('a dateTime that runs out during a transfer stops it at reevaluation', async (t) => {
  const p = offer(atomic('dateTime', 'lt', '2025-06-01T09:00:00Z'));
  t.equal(at(p, 'transfer').allowed, true);
  t.equal(at(p, 'reevaluation', context({ now: '2025-06-01T09:00:00Z' })).allowed, false);
});

t.test('a wrong jurisdiction, purpose or recipient hides the offer at catalog time', async (t) => {
  t.equal(at(offer(atomic('spatial', 'isPartOf', 'EU')), 'catalog', context({}, { jurisdiction: 'CN-BJ' })).reason, 'denied: permission 0 constraint 0: spatial CN-BJ isPartOf EU is false');
  t.equal(at(offer(atomic('purpose', 'isA', 'research')), 'catalog', context({ purpose: 'marketing' })).allowed, false);
  t.equal(at(offer(atomic('recipient', 'eq', 'did:key:z6MkOther')), 'catalog').reason, `denied: permission 0 constraint 0: recipient ${CONSUMER} eq did:key:z6MkOther is false`);
});

t.test('a purpose not yet declared is satisfiable at catalog time, and required from negotiation on', async (t) => {
  const p = offer(atomic('purpose', 'isA', 'research'));
  t.equal(at(p, 'catalog', context({ purpose: undefined })).allowed, true);
  const n = at(p, 'negotiation', context({ purpose: undefined }));
  t.equal(n.allowed, false);
  t.equal(n.reason, 'denied: permission 0 constraint 0: purpose (not stated) isA research is unknown (the context states no purpose)');
});

t.test('a prohibition that may apply is ignored at catalog time and enforced afterwards', async (t) => {
  const p = { permission: [{ action: 'use' }], prohibition: [{ action: 'use', constraint: [atomic('count', 'gt', 10)] }] };
  t.equal(at(p, 'catalog').allowed, true);
  t.match(at(p, 'catalog').trace[1], { outcome: 'not active', result: 'unknown' });
  t.equal(at(p, 'reevaluation', context({ useCount: 5 })).allowed, true);
  t.equal(at(p, 'reevaluation', context({ useCount: 11 })).reason, 'denied: prohibition 0 forbids use: constraint 0: count 11 gt 10 is true');
  t.equal(at(p, 'reevaluation').reason, 'denied: prohibition 0 forbids use: constraint 0: count (not stated) gt 10 is unknown (the context has no useCount)', 'without useCount it must be assumed');
});

t.test('a malformed request or context is refused with the field it concerns', async (t) => {
  const p = parsePolicy(offer());
  t.throws(() => evaluate(p, { action: 'use', scope: 'later' as Scope }, context()), { code: 'DP_ERR_INVALID_ARGUMENT', message: /request.scope must be one of catalog, negotiation, transfer, reevaluation/ });
  t.throws(() => evaluate(p, { action: 'use', scope: 'transfer' }, context({ now: '2025-06-01' })), { code: 'DP_ERR_INVALID_ARGUMENT', message: /context.now is not an instant/ });
  t.throws(() => evaluate(p, { action: 'use', scope: 'transfer' }, context({ useCount: -1 })), { message: /context.useCount must be a non-negative integer/ });
  t.throws(() => evaluate(p, { action: 'use', scope: 'transfer' }, context({}, { did: '' })), { message: /context.consumer.did must be a non-empty string/ });
  t.throws(() => evaluate(p, { action: 'use', scope: 'transfer' }, context({ regions: { DE: 7 } as never })), { message: /context.regions must map each code/ });
  t.equal(evaluate(p, { action: 'use', scope: 'transfer' }, context({ now: new Date('2025-06-01T08:00:00Z') })).allowed, true, 'now may be a Date');
});

t.test('evaluate refuses raw JSON in place of a parsed policy', async (t) => {
  t.throws(() => evaluate(offer() as never, { action: 'use', scope: 'transfer' }, context()), { code: 'DP_ERR_INVALID_ARGUMENT', message: /evaluate takes a policy from parsePolicy\(\)/ });
});
