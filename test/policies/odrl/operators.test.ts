// Each operator with each value type it defines, evaluated end to end; the step's result and the
// value compared come from the trace.
import t from 'tap';
import { atomic, CONSUMER, context, step } from './fixtures.js';

const claims = ['urn:dataport:claim:icmra-member', 'urn:dataport:claim:gcp-certified'];
const ctx = context({ agreedAt: '2025-05-02T08:00:00Z', useCount: 2 }, { claims }); // 30 days before NOW; transfer scope counts 3
const r = (left: string, op: string, right: unknown, c = ctx): unknown => step(atomic(left, op, right), c).result;

t.test('eq: exact term, claim held, number, instant, duration', async (t) => {
  t.equal(r('spatial', 'eq', 'DE'), true);
  t.equal(r('spatial', 'eq', 'EU'), false, 'eq does not walk the hierarchy');
  t.equal(r('recipient', 'eq', { '@id': CONSUMER }), true, '{"@id"} right operand');
  t.equal(r('dataport:membership', 'eq', 'urn:dataport:claim:icmra-member'), true);
  t.equal(r('dataport:membership', 'eq', 'urn:dataport:claim:other'), false);
  t.equal(r('count', 'eq', 3), true, 'two uses so far plus the one being started');
  t.equal(r('count', 'eq', { '@value': '3', '@type': 'xsd:integer' }), true, 'typed literal');
  t.equal(r('dateTime', 'eq', '2025-06-01T16:00:00+08:00'), true, 'the same instant in Beijing time');
  t.equal(r('elapsedTime', 'eq', 'P30D'), true);
  t.equal(r('elapsedTime', 'eq', 'P29D'), false);
});

t.test('neq: the negation of eq for every type', async (t) => {
  t.equal(r('spatial', 'neq', 'CN'), true);
  t.equal(r('spatial', 'neq', 'DE'), false);
  t.equal(r('dataport:membership', 'neq', 'urn:dataport:claim:sanctioned'), true);
  t.equal(r('dataport:membership', 'neq', 'urn:dataport:claim:gcp-certified'), false);
  t.equal(r('count', 'neq', '3'), false, 'numeric string');
  t.equal(r('dateTime', 'neq', '2025-06-01T08:00:00Z'), false);
  t.equal(r('elapsedTime', 'neq', 'P31D'), true);
});

t.test('gt and gteq: numbers, instants, durations', async (t) => {
  t.equal(r('count', 'gt', 2), true);
  t.equal(r('count', 'gt', 3), false);
  t.equal(r('count', 'gteq', 3), true);
  t.equal(r('dateTime', 'gt', '2025-06-01T07:59:59Z'), true);
  t.equal(r('dateTime', 'gteq', '2025-06-01T08:00:00Z'), true);
  t.equal(r('dateTime', 'gt', '2025-06-01T08:00:00Z'), false);
  t.equal(r('elapsedTime', 'gt', 'PT719H'), true, '30 days is 720 hours');
  t.equal(r('elapsedTime', 'gteq', 'P1M'), false, 'P1M from 2 May ends 2 June');
});

t.test('lt and lteq: numbers, instants, durations', async (t) => {
  t.equal(r('count', 'lt', 3), false);
  t.equal(r('count', 'lteq', 3), true);
  t.equal(r('count', 'lteq', 2.5), false, 'decimals compare numerically');
  t.equal(r('dateTime', 'lt', { '@value': '2025-12-31T23:59:59Z', '@type': 'http://www.w3.org/2001/XMLSchema#dateTime' }), true, 'full xsd IRI as @type');
  t.equal(r('dateTime', 'lteq', '2025-06-01T08:00:00Z'), true);
  t.equal(r('elapsedTime', 'lt', 'P30D'), false);
  t.equal(r('elapsedTime', 'lteq', 'P30D'), true);
  t.equal(r('elapsedTime', 'lteq', 'P1M'), true);
});

t.test('isA: term walks the taxonomy, a set holds the claim, no hierarchy means equality', async (t) => {
  t.equal(r('purpose', 'isA', 'research'), true, 'clinical-research isA research');
  t.equal(r('purpose', 'isA', 'clinical-research'), true, 'a purpose is itself');
  t.equal(r('purpose', 'isA', 'commercial'), false);
  t.equal(r('purpose', 'isA', 'research', context({ purpose: 'drug-safety-signal' })), true, 'transitively, through a second parent');
  t.equal(r('purpose', 'isA', 'research', context({ purpose: 'clinical-research', purposes: {} })), false, 'no taxonomy, no inference');
  t.equal(r('dataport:membership', 'isA', 'urn:dataport:claim:gcp-certified'), true);
  t.equal(r('recipient', 'isA', CONSUMER), true);
});

t.test('isPartOf: a region is part of its ancestors', async (t) => {
  t.equal(r('spatial', 'isPartOf', 'EU'), true);
  t.equal(r('spatial', 'isPartOf', 'EEA'), true, 'DE -> EU -> EEA');
  t.equal(r('spatial', 'isPartOf', 'CN', context({}, { jurisdiction: 'CN-BJ' })), true);
  t.equal(r('spatial', 'isPartOf', 'EU', context({}, { jurisdiction: 'CN-BJ' })), false);
  t.equal(r('spatial', 'isPartOf', 'CN', context({}, { jurisdiction: 'HK' })), false, 'Hong Kong is outside the mainland for data export');
  t.equal(r('spatial', 'isPartOf', 'EU', context({ regions: { DE: 'EU', EU: 'DE' } })), true, 'a cycle in the hierarchy terminates');
});

t.test('hasPart: the consumer value contains every listed value', async (t) => {
  t.equal(r('spatial', 'hasPart', ['DE', 'FR'], context({}, { jurisdiction: 'EU' })), true);
  t.equal(r('spatial', 'hasPart', ['DE', 'NO'], context({}, { jurisdiction: 'EU' })), false, 'Norway is EEA, not EU');
  t.equal(r('spatial', 'hasPart', 'DE-BY'), true, 'a single value is a list of one');
  t.equal(r('dataport:membership', 'hasPart', claims), true);
  t.equal(r('dataport:membership', 'hasPart', [...claims, 'urn:dataport:claim:other']), false);
});

t.test('isAnyOf: exact membership of a term, intersection of a set, a number among numbers', async (t) => {
  t.equal(r('spatial', 'isAnyOf', ['FR', 'DE', 'NL']), true);
  t.equal(r('spatial', 'isAnyOf', ['EU']), false, 'isAnyOf is set membership, not containment');
  t.equal(r('spatial', 'isAnyOf', 'DE'), true, 'a single value is a list of one');
  t.equal(r('dataport:membership', 'isAnyOf', ['urn:dataport:claim:other', 'urn:dataport:claim:gcp-certified']), true);
  t.equal(r('dataport:membership', 'isAnyOf', ['urn:dataport:claim:other']), false);
  t.equal(r('count', 'isAnyOf', [1, 3, 5]), true);
  t.equal(r('count', 'isAnyOf', [{ '@value': '4', '@type': 'xsd:integer' }]), false);
});

t.test('isAllOf: a term must equal every value, a set must hold every value', async (t) => {
  t.equal(r('spatial', 'isAllOf', ['DE']), true);
  t.equal(r('spatial', 'isAllOf', ['DE', 'FR']), false);
  t.equal(r('dataport:membership', 'isAllOf', claims), true);
  t.equal(r('dataport:membership', 'isAllOf', ['urn:dataport:claim:icmra-member', 'urn:dataport:claim:other']), false);
});

t.test('isNoneOf: no overlap', async (t) => {
  t.equal(r('spatial', 'isNoneOf', ['US', 'RU']), true);
  t.equal(r('spatial', 'isNoneOf', ['US', 'DE']), false);
  t.equal(r('dataport:membership', 'isNoneOf', ['urn:dataport:claim:sanctioned']), true);
  t.equal(r('dataport:membership', 'isNoneOf', ['urn:dataport:claim:gcp-certified']), false);
  t.equal(r('count', 'isNoneOf', [1, 2]), true);
});

t.test('an operator a value type does not define fails closed naming both', async (t) => {
  const cases: [string, string, unknown, RegExp][] = [
    ['spatial', 'gt', 'DE', /operator gt is not defined for spatial \(a term\)/],
    ['purpose', 'lteq', 'research', /operator lteq is not defined for purpose/],
    ['dataport:membership', 'isPartOf', ['a'], /operator isPartOf is not defined for dataport:membership \(a set\)/],
    ['count', 'isA', 3, /operator isA is not defined for count \(a number\)/],
    ['dateTime', 'isAnyOf', ['2025-01-01T00:00:00Z'], /operator isAnyOf is not defined for dateTime/],
    ['elapsedTime', 'hasPart', 'P1D', /operator hasPart is not defined for elapsedTime \(a duration\)/],
  ];
  for (const [left, op, right, why] of cases) {
    const s = step(atomic(left, op, right), ctx);
    t.equal(s.result, 'unknown', `${left} ${op}`);
    t.match(s.problem, why);
  }
});

t.test('a list where one value is expected, or an empty list, fails closed', async (t) => {
  t.match(step(atomic('spatial', 'eq', ['DE', 'FR']), ctx).problem, /eq takes one value, not a list of 2/);
  t.match(step(atomic('spatial', 'isAnyOf', []), ctx).problem, /the right operand is an empty list/);
});
