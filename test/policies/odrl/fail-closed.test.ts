// Fail closed: whatever the engine cannot evaluate makes the decision a denial whose reason names it,
// even where another rule would allow; never ignored, never silently allowed.
import t from 'tap';
import { evaluate, parsePolicy, policyProblems } from '../../../policies/odrl/index.js';
import type { AtomicStep, RuleStep } from '../../../policies/odrl/trace.js';
import { atomic, context } from './fixtures.js';

const decide = (policy: unknown, action = 'use', scope: 'transfer' | 'catalog' = 'transfer') => evaluate(parsePolicy(policy), { action, scope }, context());
/** A policy that would allow, plus the given rule. */
const withGrant = (extra: Record<string, unknown>) => ({ permission: [{ action: 'use' }], ...extra });

t.test('an unknown requested action is denied by name', async (t) => {
  const d = decide({ permission: [{ action: 'use' }] }, 'print');
  t.equal(d.allowed, false);
  t.match(d.reason, /^denied: request: unknown action 'print' \(dataport knows use, transfer, distribute, read, aggregate, anonymize, delete, inform\)$/);
});

t.test('an unknown action in any rule is denied by name, even beside a granting permission', async (t) => {
  const d = decide({ permission: [{ action: 'use' }, { action: 'odrl:print' }] });
  t.equal(d.allowed, false);
  t.match(d.reason, /^denied: permission 1: unknown action 'print'/);
  t.match(decide(withGrant({ prohibition: [{ action: 'http://example.com/commercialize' }] })).reason, /prohibition 0: unknown action 'http:\/\/example.com\/commercialize'/);
});

t.test('a duty action dataport cannot carry out is denied by name', async (t) => {
  const d = decide(withGrant({ obligation: [{ action: 'read' }] }));
  t.equal(d.reason, 'denied: obligation 0: read is not a duty dataport can carry out (anonymize, delete, inform)');
});

t.test('an unknown left operand is denied by name, and traced as unknown', async (t) => {
  const d = decide({ permission: [{ action: 'use', constraint: [atomic('partner', 'eq', 'gold')] }] });
  t.equal(d.reason, "denied: permission 0 constraint 0: unknown left operand 'partner'");
  t.match((d.trace[0] as RuleStep).constraints[0], { leftOperand: 'partner', result: 'unknown', problem: "unknown left operand 'partner'" });
});

t.test('an unknown left operand inside an or that another member satisfies still denies', async (t) => {
  const d = decide({ permission: [{ action: 'use', constraint: [{ or: [atomic('spatial', 'eq', 'DE'), atomic('industry', 'eq', 'pharma')] }] }] });
  t.equal(d.allowed, false);
  t.equal(d.reason, "denied: permission 0 constraint 0.1: unknown left operand 'industry'");
});

t.test("an unknown operator is denied by name, including the DSP schema's term-lteq", async (t) => {
  t.equal(decide(withGrant({ prohibition: [{ action: 'use', constraint: [atomic('spatial', 'within', 'EU')] }] })).reason, "denied: prohibition 0 constraint 0: unknown operator 'within'");
  t.equal(decide({ permission: [{ action: 'use', constraint: [atomic('count', 'term-lteq', 3)] }] }).reason, "denied: permission 0 constraint 0: unknown operator 'term-lteq'");
});

t.test('a malformed duration is denied naming the value', async (t) => {
  const d = decide({ permission: [{ action: 'use', constraint: [atomic('elapsedTime', 'lteq', '30 days')] }] });
  t.equal(d.reason, "denied: permission 0 constraint 0: elapsedTime: '30 days' is not an xsd:duration (e.g. P30D, PT12H, P1Y2M)");
  t.match(decide({ permission: [{ action: 'use', constraint: [atomic('elapsedTime', 'lteq', '-P30D')] }] }).reason, /'-P30D' is negative/);
});

t.test('a malformed or zoneless date is denied naming the value', async (t) => {
  t.equal(
    decide({ permission: [{ action: 'use', constraint: [atomic('dateTime', 'lteq', '2025-02-30T00:00:00Z')] }] }).reason,
    "denied: permission 0 constraint 0: dateTime: '2025-02-30T00:00:00Z': day 30 is not in 2025-02",
  );
  t.match(decide({ permission: [{ action: 'use', constraint: [atomic('dateTime', 'lteq', '2025-12-31T00:00:00')] }] }).reason, /'2025-12-31T00:00:00' has no timezone/);
  t.match(decide({ permission: [{ action: 'use', constraint: [atomic('dateTime', 'lteq', { '@value': '2025-12-31', '@type': 'xsd:date' })] }] }).reason, /typed xsd:date, not one of xsd:dateTime/);
});

t.test('a right operand of the wrong type is denied naming it', async (t) => {
  t.equal(decide({ permission: [{ action: 'use', constraint: [atomic('count', 'lteq', 'ten')] }] }).reason, "denied: permission 0 constraint 0: count: 'ten' is not a number");
  t.match(decide({ permission: [{ action: 'use', constraint: [atomic('spatial', 'eq', 49)] }] }).reason, /spatial: 49 is a number, not an identifier/);
  t.match(decide({ permission: [{ action: 'use', constraint: [atomic('count', 'eq', { '@value': '3', '@type': 'xsd:string' })] }] }).reason, /'3' is typed xsd:string/);
  t.match(decide({ permission: [{ action: 'use', constraint: [atomic('spatial', 'eq', true)] }] }).reason, /true is neither a literal/);
});

t.test('unsupported ODRL features are denied by name', async (t) => {
  const ref = decide({ permission: [{ action: 'use', constraint: [{ leftOperand: 'spatial', operator: 'eq', rightOperandReference: 'https://example.com/region' }] }] });
  t.match(ref.reason, /rightOperandReference is not supported/);
  t.match(decide({ permission: [{ action: 'use', constraint: [{ '@id': 'https://example.com/constraints/eu-only' }] }] }).reason, /constraint https:\/\/example.com\/constraints\/eu-only is only a reference/);
  t.match(decide(withGrant({ prohibition: [{ action: 'use', remedy: [{ action: 'delete' }] }] })).reason, /prohibition 0: property 'remedy' is not understood/);
  t.match(decide({ permission: [{ action: 'use', constraint: [{ ...atomic('count', 'lteq', 3), unit: 'http://example.com/unit/transfers' }] }] }).reason, /unit is not supported on count/);
  t.match(decide({ ...withGrant({}), conflict: 'perm' }).reason, /conflict strategy 'perm' is not supported/);
  t.match(decide({ ...withGrant({}), profile: 'https://test.com/profile' }).reason, /policy: profile 'https:\/\/test.com\/profile' is not understood/);
  t.match(decide({ permission: [{ action: 'use', assignee: { '@id': 'urn:group:x', '@type': 'PartyCollection', refinement: [] } }] }).reason, /assignee urn:group:x: refinement not supported/);
  t.match(decide({ permission: [{ action: 'use', 'dataport:approval': 'auto' }] }).reason, /property 'dataport:approval' is not understood on a rule/);
});

t.test('other vocabularies are metadata and do not block', async (t) => {
  const d = decide({ 'dct:title': 'AE domain', 'https://w3id.org/dataport/v1#approval': 'auto', permission: [{ action: 'use', 'http://purl.org/dc/terms/description': 'x' }] });
  t.equal(d.allowed, true);
});

t.test('the reason lists at most three problems and counts the rest', async (t) => {
  const d = decide({ permission: [{ action: 'use', constraint: ['a', 'b', 'c', 'd', 'e'].map((x) => atomic(x, 'eq', 1)) }] });
  t.equal(d.reason, "denied: permission 0 constraint 0: unknown left operand 'a'; permission 0 constraint 1: unknown left operand 'b'; permission 0 constraint 2: unknown left operand 'c'; and 2 more");
});

t.test('problems deny at catalog time too, and the trace still covers every rule', async (t) => {
  const d = decide({ permission: [{ action: 'use', constraint: [atomic('spatial', 'eq', 'DE'), atomic('partner', 'eq', 'gold')] }] }, 'use', 'catalog');
  t.equal(d.allowed, false);
  const steps = (d.trace[0] as RuleStep).constraints as AtomicStep[];
  t.same(steps.map((s) => [s.label, s.result]), [['constraint 0', true], ['constraint 1', 'unknown']]);
});

t.test('policyProblems lists everything that cannot be enforced, located', async (t) => {
  const p = parsePolicy({ profile: 'urn:p', permission: [{ action: 'print', constraint: [{ and: [atomic('partner', 'eq', 'x')] }], duty: [{ action: 'read' }] }] });
  t.same(policyProblems(p), [
    { at: 'policy', message: "profile 'urn:p' is not understood, and ODRL 2.2 forbids processing a policy under a profile one does not understand" },
    { at: 'permission 0', message: "unknown action 'print' (dataport knows use, transfer, distribute, read, aggregate, anonymize, delete, inform)" },
    { at: 'permission 0 constraint 0.0', message: "unknown left operand 'partner'" },
    { at: 'permission 0 duty 0', message: 'read is not a duty dataport can carry out (anonymize, delete, inform)' },
  ]);
  t.same(policyProblems(parsePolicy({ permission: [{ action: 'use' }] })), []);
});
