// The decision: permissions grant, prohibitions override, actions include narrower actions,
// target and assignee select rules, duties are reported, and the trace is plain JSON.
import t from 'tap';
import { evaluate, parsePolicy } from '../../../policies/odrl/index.js';
import { atomic, CONSUMER, context } from './fixtures.js';

const use = (policy: unknown, action = 'use', ctx = context(), target?: string) =>
  evaluate(parsePolicy(policy), { action, scope: 'transfer', ...(target !== undefined && { target }) }, ctx);

t.test('a permission without constraints grants its action', async (t) => {
  const d = use({ '@type': 'Offer', permission: [{ action: 'use' }] });
  t.equal(d.allowed, true);
  t.equal(d.reason, 'allowed: permission 0 grants use');
  t.same(d.trace, [{ step: 'rule', kind: 'permission', index: 0, label: 'permission 0', action: 'use', applies: true, result: true, outcome: 'grants', constraints: [] }]);
});

t.test('use includes read, aggregate and the duty actions, but not distribute or transfer', async (t) => {
  const p = { permission: [{ action: 'use' }] };
  for (const a of ['read', 'aggregate', 'anonymize', 'delete', 'inform']) t.equal(use(p, a).allowed, true, `use covers ${a}`);
  for (const a of ['distribute', 'transfer']) {
    const d = use(p, a);
    t.equal(d.allowed, false, `use does not cover ${a}`);
    t.equal(d.reason, `denied: no permission covers ${a} (permission 0: use does not cover ${a})`);
    t.match(d.trace[0], { applies: false, outcome: 'does not apply', note: `use does not cover ${a}` });
  }
  t.equal(use({ permission: [{ action: 'read' }] }, 'use').allowed, false, 'read does not cover use');
  t.equal(use({ permission: [{ action: 'read' }] }, 'odrl:read').allowed, true, 'the request action may be prefixed');
});

t.test('an active prohibition overrides a satisfied permission', async (t) => {
  const d = use({ permission: [{ action: 'use' }], prohibition: [{ action: 'read', constraint: [atomic('spatial', 'isPartOf', 'EU')] }] }, 'read');
  t.equal(d.allowed, false);
  t.equal(d.reason, 'denied: prohibition 0 forbids read: constraint 0: spatial DE isPartOf EU is true');
  t.match(d.trace[1], { kind: 'prohibition', index: 0, applies: true, result: true, outcome: 'forbids' });
});

t.test('a prohibition whose constraint is false is not active', async (t) => {
  const d = use({ permission: [{ action: 'use' }], prohibition: [{ action: 'use', constraint: [atomic('spatial', 'isPartOf', 'CN')] }] });
  t.equal(d.allowed, true);
  t.match(d.trace[1], { outcome: 'not active', result: false });
});

t.test('a prohibition of a broader action covers the request; of a narrower one it does not', async (t) => {
  t.equal(use({ permission: [{ action: 'use' }], prohibition: [{ action: 'use' }] }, 'aggregate').reason, 'denied: prohibition 0 forbids use');
  const narrower = use({ permission: [{ action: 'use' }], prohibition: [{ action: 'aggregate' }] }, 'read');
  t.equal(narrower.allowed, true);
  t.match(narrower.trace[1], { outcome: 'does not apply', note: 'aggregate does not cover read' });
});

t.test('a permission for another assignee does not apply to this consumer', async (t) => {
  const d = use({ permission: [{ action: 'use', assignee: 'did:key:z6MkSomeoneElse' }] });
  t.equal(d.allowed, false);
  t.match(d.trace[0], { applies: false, note: `its assignee did:key:z6MkSomeoneElse is not the consumer ${CONSUMER}` });
  t.equal(use({ assignee: { '@id': CONSUMER }, permission: [{ action: 'use' }] }).allowed, true, 'policy-level assignee, as {"@id"}');
});

t.test('a rule targeting another asset does not apply to the requested target', async (t) => {
  const p = { target: 'urn:dataset:dm', permission: [{ action: 'use' }, { action: 'use', target: 'urn:dataset:ae', constraint: [atomic('spatial', 'eq', 'FR')] }] };
  const dm = use(p, 'use', context(), 'urn:dataset:dm');
  t.equal(dm.allowed, true);
  t.match(dm.trace[1], { applies: false, note: 'its target urn:dataset:ae is not the requested urn:dataset:dm' });
  const ae = use(p, 'use', context(), 'urn:dataset:ae');
  t.equal(ae.reason, 'denied: permission 1 constraint 0: spatial DE eq FR is false');
});

t.test('every failing applicable permission is named in the reason', async (t) => {
  const d = use({ permission: [{ action: 'use', constraint: [atomic('spatial', 'eq', 'FR')] }, { action: 'read', constraint: [atomic('purpose', 'isA', 'commercial')] }] }, 'read');
  t.equal(d.reason, 'denied: permission 0 constraint 0: spatial DE eq FR is false; permission 1 constraint 0: purpose clinical-research isA commercial is false');
});

t.test("a granting permission's duties and the policy's obligations are reported with their parameters", async (t) => {
  const d = use({
    permission: [
      {
        action: 'use',
        duty: [
          { action: { 'rdf:value': { '@id': 'odrl:anonymize' }, refinement: [atomic('dataport:kAnonymity', 'gteq', 5), atomic('dataport:lDiversity', 'gteq', { '@value': '2', '@type': 'xsd:integer' })] }, 'dataport:pipeline': { SUBJID: 'pseudonymise' } },
        ],
      },
      { action: 'use', constraint: [atomic('spatial', 'eq', 'FR')], duty: [{ action: 'inform' }] },
    ],
    obligation: [
      { action: 'delete', constraint: [atomic('elapsedTime', 'lteq', 'P90D')] },
      { action: 'inform', informedParty: 'did:key:z6MkProvider', constraint: [atomic('dateTime', 'lt', '2026-01-01T00:00:00Z')] },
    ],
  });
  t.equal(d.allowed, true);
  t.same(d.duties, [
    {
      origin: 'permission 0 duty 0',
      action: 'anonymize',
      parameters: { k: 5, l: 2, pipeline: { SUBJID: 'pseudonymise' } },
      constraints: [
        { leftOperand: 'https://w3id.org/dataport/v1#kAnonymity', operator: 'gteq', rightOperand: 5 },
        { leftOperand: 'https://w3id.org/dataport/v1#lDiversity', operator: 'gteq', rightOperand: { '@value': '2', '@type': 'xsd:integer' } },
      ],
    },
    { origin: 'obligation 0', action: 'delete', parameters: { retention: 'P90D' }, constraints: [{ leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: 'P90D' }] },
    { origin: 'obligation 1', action: 'inform', informedParty: 'did:key:z6MkProvider', parameters: { by: '2026-01-01T00:00:00Z' }, constraints: [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: '2026-01-01T00:00:00Z' }] },
  ], "the unsatisfied permission 1's inform duty is not reported");
  t.equal(d.reason, 'allowed: permission 0 grants use; duties: anonymize (permission 0 duty 0), delete (obligation 0), inform (obligation 1)');
  t.match(d.trace[2], { kind: 'obligation', index: 0, outcome: 'duty', constraints: [] });
});

t.test('a denial reports no duties', async (t) => {
  const d = use({ permission: [{ action: 'use', constraint: [atomic('spatial', 'eq', 'FR')] }], obligation: [{ action: 'delete' }] });
  t.equal(d.allowed, false);
  t.same(d.duties, []);
});

t.test('the decision survives a JSON round trip unchanged', async (t) => {
  const d = use({
    permission: [{ action: 'use', constraint: [{ or: [atomic('spatial', 'eq', 'FR'), atomic('elapsedTime', 'lteq', 'P1D')] }], duty: [{ action: 'anonymize' }] }],
    prohibition: [{ action: 'distribute' }],
  }, 'use', context({ agreedAt: '2025-06-01T00:00:00Z' }));
  t.same(JSON.parse(JSON.stringify(d)), d);
  t.equal(d.allowed, true);
});
