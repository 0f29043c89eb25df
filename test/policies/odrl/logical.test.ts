// Logical constraints: and, or, xone (exactly one), andSequence, nested, over three values.
import t from 'tap';
import { evaluate, parsePolicy } from '../../../policies/odrl/index.js';
import { combine, type LogicalStep, type RuleStep } from '../../../policies/odrl/trace.js';
import { atomic, context, offer } from './fixtures.js';

const DE = atomic('spatial', 'eq', 'DE'); // true in the base context
const FR = atomic('spatial', 'eq', 'FR'); // false
const EU = atomic('spatial', 'isPartOf', 'EU'); // true
const logical = (c: unknown, scope: 'transfer' | 'catalog' = 'transfer'): { step: LogicalStep; reason: string; allowed: boolean } => {
  const d = evaluate(parsePolicy(offer(c)), { action: 'use', scope }, context());
  return { step: (d.trace[0] as RuleStep).constraints[0] as LogicalStep, reason: d.reason, allowed: d.allowed };
};

t.test('and holds when every constraint holds', async (t) => {
  t.equal(logical({ and: [DE, EU] }).step.result, true);
  const l = logical({ and: [DE, FR, EU] });
  t.equal(l.step.result, false);
  t.same(l.step.constraints.map((c) => [c.label, c.result]), [['constraint 0.0', true], ['constraint 0.1', false], ['constraint 0.2', true]], 'every member is traced');
  t.equal(l.reason, 'denied: permission 0 constraint 0.1: spatial DE eq FR is false');
});

t.test('or holds when any constraint holds', async (t) => {
  t.equal(logical({ or: [FR, DE] }).step.result, true);
  const l = logical({ or: [FR, atomic('spatial', 'eq', 'NL')] });
  t.equal(l.step.result, false);
  t.equal(l.reason, 'denied: permission 0 constraint 0 (or): none holds: constraint 0.0: spatial DE eq FR is false; constraint 0.1: spatial DE eq NL is false');
});

t.test('xone holds when exactly one constraint holds', async (t) => {
  t.equal(logical({ xone: [FR, DE] }).step.result, true, 'one of two');
  const two = logical({ xone: [DE, EU, FR] });
  t.equal(two.step.result, false, 'two of three');
  t.equal(two.reason, 'denied: permission 0 constraint 0 (xone): constraint 0.0 and constraint 0.1 all hold, exactly one must');
  const none = logical({ xone: [FR, atomic('spatial', 'eq', 'NL')] });
  t.equal(none.step.result, false, 'none of two');
  t.match(none.reason, /constraint 0 \(xone\): none holds/);
});

t.test('andSequence is evaluated as and at one instant', async (t) => {
  t.equal(logical({ andSequence: [DE, EU] }).step.result, true);
  t.equal(logical({ andSequence: [EU, FR] }).step.result, false);
});

t.test('logical constraints nest, with dotted labels', async (t) => {
  const l = logical({ or: [{ and: [DE, FR] }, { xone: [FR, EU] }] });
  t.equal(l.step.result, true);
  const inner = l.step.constraints[1] as LogicalStep;
  t.match(inner, { label: 'constraint 0.1', operator: 'xone', result: true });
  t.match(inner.constraints[1], { label: 'constraint 0.1.1', leftOperand: 'spatial', operator: 'isPartOf', actual: 'DE', result: true });
});

t.test("logical operators may be written odrl:-prefixed, and lists as {'@list'}", async (t) => {
  t.equal(logical({ 'odrl:or': { '@list': [FR, DE] } }).step.result, true);
  t.equal(logical({ 'http://www.w3.org/ns/odrl/2/xone': [DE, FR] }).step.operator, 'xone');
});

t.test('unknown values combine by three-valued logic', async (t) => {
  const U = 'unknown' as const;
  t.equal(combine('and', [true, U]), U);
  t.equal(combine('and', [false, U]), false);
  t.equal(combine('or', [true, U]), true);
  t.equal(combine('or', [false, U]), U);
  t.equal(combine('xone', [true, U]), U, 'the unknown one may make it two');
  t.equal(combine('xone', [true, true, U]), false, 'already two');
  t.equal(combine('xone', [false, U]), U);
  t.equal(combine('xone', [false, false]), false);
  t.equal(combine('xone', [false, true]), true);
});

t.test('an or with a count at catalog time is satisfiable, at transfer it is not without useCount', async (t) => {
  const c = { or: [FR, atomic('count', 'lteq', 3)] };
  const catalog = logical(c, 'catalog');
  t.equal(catalog.step.result, 'unknown');
  t.equal(catalog.allowed, true);
  const transfer = logical(c);
  t.equal(transfer.allowed, false);
  t.equal(transfer.reason, 'denied: permission 0 constraint 0 (or) is unknown: constraint 0.1: count (not stated) lteq 3 is unknown (the context has no useCount)');
});
