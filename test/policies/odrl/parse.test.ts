// parsePolicy: one model whatever the spelling; precise errors for what is not a policy; the
// normal form and its hash.
import { createHash } from 'node:crypto';
import t from 'tap';
import { canonicalize } from '../../../crypto/jcs.js';
import { parsePolicy, policyHash, policyToJson } from '../../../policies/odrl/index.js';

const ODRL = 'http://www.w3.org/ns/odrl/2/';
const compact = {
  '@type': 'Offer',
  '@id': 'urn:uuid:offer-1',
  permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: 'research' }] }],
};
const prefixed = {
  '@type': 'odrl:Offer',
  '@id': 'urn:uuid:offer-1',
  'odrl:permission': { 'odrl:action': { '@id': 'odrl:use' }, 'odrl:constraint': { 'odrl:leftOperand': { '@id': 'odrl:purpose' }, 'odrl:operator': 'odrl:isA', 'odrl:rightOperand': 'research' } },
};
const iris = {
  '@type': `${ODRL}Offer`,
  '@id': 'urn:uuid:offer-1',
  [`${ODRL}permission`]: [{ [`${ODRL}action`]: [{ 'rdf:value': { '@id': `${ODRL}use` } }], [`${ODRL}constraint`]: [{ [`${ODRL}leftOperand`]: `${ODRL}purpose`, [`${ODRL}operator`]: `${ODRL}isA`, [`${ODRL}rightOperand`]: 'research' }] }],
};

t.test('compact, odrl:-prefixed and full-IRI spellings parse to the same model', async (t) => {
  const a = parsePolicy(compact);
  t.same(parsePolicy(prefixed), a);
  t.same(parsePolicy(iris), a);
  t.same(a, {
    id: 'urn:uuid:offer-1',
    type: 'Offer',
    profile: [],
    permission: [
      {
        action: { name: 'use', refinement: [] },
        constraint: [{ kind: 'atomic', leftOperand: 'purpose', operator: 'isA', rightOperand: 'research', value: { type: 'term', values: ['research'] } }],
        problems: [],
        duty: [],
      },
    ],
    prohibition: [],
    obligation: [],
    problems: [],
  });
});

t.test('right operands are parsed into their typed values once', async (t) => {
  const p = parsePolicy({
    permission: [
      {
        action: 'use',
        constraint: [
          { leftOperand: 'dateTime', operator: 'lt', rightOperand: { '@value': '2026-01-01T00:00:00+08:00', '@type': 'xsd:dateTime' } },
          { leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: 'P1M', dataType: 'http://www.w3.org/2001/XMLSchema#duration' },
          { leftOperand: 'count', operator: 'isAnyOf', rightOperand: ['1', 2] },
        ],
      },
    ],
  });
  t.same(
    p.permission[0]!.constraint.map((c) => (c.kind === 'atomic' ? c.value : undefined)),
    [
      { type: 'dateTime', values: [Date.parse('2025-12-31T16:00:00Z')] },
      { type: 'duration', values: [{ negative: false, months: 1, seconds: 0 }] },
      { type: 'number', values: [1, 2] },
    ],
  );
  t.equal(p.type, 'Set', 'a policy without @type is an ODRL Set');
});

t.test('what is not a policy throws DP_ERR_POLICY_INVALID naming the JSON path', async (t) => {
  const cases: [unknown, RegExp][] = [
    [[], /^The policy cannot be enforced: \$: a policy is a JSON object$/],
    [{ '@type': 'Ticket', permission: [{ action: 'use' }] }, /\$\["@type"\]: a policy is an Offer, Agreement or Set, not Ticket/],
    [{ '@type': 'Offer' }, /\$: a policy needs at least one permission, prohibition or obligation/],
    [{ permission: [{ constraint: [] }] }, /\$.permission\[0\]: a rule needs an action/],
    [{ permission: [{ action: ['use', 'read'] }] }, /\$.permission\[0\].action: a rule has exactly one action \(ODRL 2.2 2.6\), not 2/],
    [{ permission: ['use'] }, /\$.permission\[0\]: a rule is an object/],
    [{ permission: [{ action: 'use', constraint: [{ leftOperand: 'spatial', rightOperand: 'DE' }] }] }, /\$.permission\[0\].constraint\[0\]: an atomic constraint needs operator/],
    [{ permission: [{ action: 'use', constraint: [{ leftOperand: 'spatial', operator: 'eq' }] }] }, /constraint\[0\]: an atomic constraint needs rightOperand/],
    [{ permission: [{ action: 'use', constraint: [{ and: [], or: [] }] }] }, /constraint\[0\]: a logical constraint has one operator, not and and or/],
    [{ permission: [{ action: 'use', constraint: [{ or: [] }] }] }, /constraint\[0\].or: an empty or list constrains nothing/],
    [{ permission: [{ action: 'use', constraint: [{ xor: [{ leftOperand: 'spatial', operator: 'eq', rightOperand: 'DE' }] }] }] }, /constraint\[0\]: not an atomic constraint .* nor a logical one/],
    [{ permission: [{ action: 'use', constraint: [{ and: [{ leftOperand: 'a', operator: 'eq', rightOperand: 1 }], leftOperand: 'b' }] }] }, /a constraint is atomic or logical \(and\), not both/],
    [{ permission: [{ action: 'use', constraint: [{ leftOperand: 7, operator: 'eq', rightOperand: 1 }] }] }, /constraint\[0\].leftOperand: expected an IRI or term/],
    [{ permission: [{ action: 'use', constraint: [{ leftOperand: 'count', operator: 'eq', rightOperand: Number.NaN }] }] }, /constraint\[0\].rightOperand: the number NaN is not finite/],
    [{ permission: [{ action: 'use' }], 'odrl:permission': [] }, /\$: 'odrl:permission' repeats the property 'permission'/],
    [{ '@type': 'Agreement', '@id': 'urn:a', target: 'urn:t', assigner: 'urn:p', permission: [{ action: 'use' }] }, /\$: an Agreement needs assignee/],
    [{ '@type': 'Agreement', target: 'urn:t', assigner: 'urn:p', assignee: 'urn:c', timestamp: 'yesterday', permission: [{ action: 'use' }] }, /\$.timestamp: 'yesterday' is not an xsd:dateTime/],
  ];
  for (const [json, message] of cases) {
    t.throws(() => parsePolicy(json), { code: 'DP_ERR_POLICY_INVALID', status: 400, message }, String(message));
  }
});

t.test('the normal form writes terms compactly, dataport terms as IRIs', async (t) => {
  const p = parsePolicy({
    '@context': 'https://w3id.org/dspace/2025/1/context.jsonld',
    '@type': 'odrl:Agreement',
    '@id': 'urn:uuid:a',
    'dct:title': 'dropped: not enforced',
    target: { '@id': 'urn:dataset:ae' },
    assigner: 'did:key:provider',
    assignee: 'did:key:consumer',
    timestamp: '2025-05-01T00:00:00Z',
    permission: [{ action: { '@id': 'odrl:use', refinement: { leftOperand: 'odrl:purpose', operator: 'odrl:isA', rightOperand: 'research' } }, duty: { action: 'anonymize', 'https://w3id.org/dataport/v1#pipeline': { AETERM: 'keep' } } }],
    prohibition: [{ action: 'distribute' }],
    obligation: [{ action: 'delete', constraint: [{ 'odrl:leftOperand': 'odrl:elapsedTime', operator: 'lteq', rightOperand: { '@value': 'P90D', '@type': 'xsd:duration' } }] }],
  });
  t.same(policyToJson(p), {
    '@id': 'urn:uuid:a',
    '@type': 'Agreement',
    target: 'urn:dataset:ae',
    assigner: 'did:key:provider',
    assignee: 'did:key:consumer',
    timestamp: '2025-05-01T00:00:00Z',
    permission: [
      {
        action: { 'rdf:value': { '@id': 'use' }, refinement: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: 'research' }] },
        duty: [{ action: 'anonymize', 'https://w3id.org/dataport/v1#pipeline': { AETERM: 'keep' } }],
      },
    ],
    prohibition: [{ action: 'distribute' }],
    obligation: [{ action: 'delete', constraint: [{ leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: { '@value': 'P90D', '@type': 'xsd:duration' } }] }],
  });
  t.same(parsePolicy(policyToJson(p)), p, 'the normal form parses back to the same model');
});

t.test('policyHash is SHA-256 of the RFC 8785 form of the normal form, equal across spellings', async (t) => {
  const expected = createHash('sha256')
    .update(canonicalize({ '@id': 'urn:uuid:offer-1', '@type': 'Offer', permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: 'research' }] }] }))
    .digest('hex');
  t.equal(policyHash(parsePolicy(compact)), expected);
  t.equal(policyHash(parsePolicy(prefixed)), expected);
  t.equal(policyHash(parsePolicy(iris)), expected);
  t.match(expected, /^[0-9a-f]{64}$/);
  const changed = { ...compact, permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: 'marketing' }] }] };
  t.not(policyHash(parsePolicy(changed)), expected, 'another right operand, another hash');
});

t.test('names that are Object.prototype members are not mistaken for vocabulary', async (t) => {
  t.throws(() => parsePolicy({ '@type': 'toString', permission: [{ action: 'use' }] }), { message: /not toString/ });
  const p = parsePolicy(JSON.parse('{"permission":[{"action":"constructor","constraint":[{"leftOperand":"__proto__","operator":"eq","rightOperand":{"__proto__":{"x":1}}}]}]}'));
  t.match(policyToJson(p), { permission: [{ action: 'constructor' }] });
  const c = p.permission[0]!.constraint[0]!;
  t.match(c, { kind: 'atomic', leftOperand: '__proto__', problem: "unknown left operand '__proto__'" });
  t.same(Object.keys((c as { rightOperand: object }).rightOperand), ['__proto__'], 'kept as a plain key');
  t.match(p.permission[0]!.problems, [/unknown action 'constructor'/]);
});
