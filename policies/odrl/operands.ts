// Left operands: which value of the context each compares, and what is not known yet in each scope.
//   purpose      context.purpose (in context.purposes)     spatial  context.consumer.jurisdiction (in context.regions)
//   recipient    context.consumer.did                      dataport:membership  context.consumer.claims
//   dateTime     context.now
//   elapsedTime  now - agreedAt, compared as now against agreedAt + the duration (XSD E.3.3), so P1M means a calendar month
//   count        context.useCount: at transfer +1 for the use being started; at negotiation 0 when absent
// A value missing from the context is 'unknown'. At catalog time the agreement does not exist yet:
// count and elapsedTime are 'unknown', and a dateTime bound that only lies ahead (gteq a future
// date) is 'unknown' rather than false. How 'unknown' decides is the evaluator's business.
import type { Environment } from './context.js';
import type { JsonValue } from './json.js';
import type { AtomicConstraint, RightValue } from './model.js';
import type { TraceResult } from './trace.js';
import { becomesTrueLater, compareOrdered, compareSet, compareTerm, type Hierarchy } from './operators.js';
import type { Operator } from './vocabulary.js';
import { addDuration, formatSpan, type Duration } from './xsd.js';


export interface Comparison {
  /** The context value compared (JSON), null when the context has none. */
  readonly actual: JsonValue;
  readonly result: TraceResult;
  readonly note?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const unknown = (note: string, actual: JsonValue = null): Comparison => ({ actual, result: 'unknown', note });

export function compareAtomic(c: AtomicConstraint & { value: RightValue }, env: Environment): Comparison {
  const op = c.operator as Operator;
  const { value } = c;
  switch (c.leftOperand) {
    case 'purpose':
      return term(op, env.purpose, value.values as string[], env.purposes, 'the context states no purpose');
    case 'spatial':
      return term(op, env.jurisdiction, value.values as string[], env.regions, 'the context has no consumer jurisdiction');
    case 'recipient':
      return term(op, env.did, value.values as string[], undefined, 'the context has no consumer did');
    case 'dataport:membership':
      if (env.claims === undefined) return unknown("the context has no consumer claims (pass [] when there are none)");
      return { actual: [...env.claims], result: compareSet(op, env.claims, value.values as string[]) };
    case 'dateTime':
      return dateTime(op, env, value.values as number[]);
    case 'elapsedTime':
      return elapsedTime(op, env, value.values as Duration[]);
    case 'count':
      return count(op, env, value.values as number[]);
    default:
      return unknown(`${c.leftOperand} is not a condition`);
  }
}

function term(op: Operator, v: string | undefined, r: string[], h: Hierarchy | undefined, missing: string): Comparison {
  return v === undefined ? unknown(missing) : { actual: v, result: compareTerm(op, v, r, h) };
}

function dateTime(op: Operator, env: Environment, r: number[]): Comparison {
  const result = compareOrdered(op, env.now, r);
  if (!result && env.scope === 'catalog' && becomesTrueLater(op, env.now, r)) return unknown('not yet, but it can hold later', iso(env.now));
  return { actual: iso(env.now), result };
}

function elapsedTime(op: Operator, env: Environment, r: Duration[]): Comparison {
  if (env.scope === 'catalog') return unknown('no agreement is signed at catalog time');
  const since = env.agreedAt ?? (env.scope === 'negotiation' ? env.now : undefined);
  if (since === undefined) return unknown('the context has no agreedAt and the policy is no timestamped Agreement');
  const ends = r.map((d) => addDuration(since, d));
  const note = `since ${iso(since)}; ${ends.length === 1 ? `the duration ends ${iso(ends[0]!)}` : `the durations end ${ends.map(iso).join(', ')}`}`;
  return { actual: formatSpan(env.now - since), result: compareOrdered(op, env.now, ends), note };
}

function count(op: Operator, env: Environment, r: number[]): Comparison {
  switch (env.scope) {
    case 'catalog':
      return unknown('uses are counted per agreement, and none is signed at catalog time');
    case 'negotiation': {
      const v = env.useCount ?? 0;
      return { actual: v, result: compareOrdered(op, v, r) };
    }
    case 'transfer':
      if (env.useCount === undefined) return unknown('the context has no useCount');
      return { actual: env.useCount + 1, result: compareOrdered(op, env.useCount + 1, r), note: `${env.useCount} ${env.useCount === 1 ? 'use' : 'uses'} so far, plus the one being started` };
    case 'reevaluation':
      if (env.useCount === undefined) return unknown('the context has no useCount');
      return { actual: env.useCount, result: compareOrdered(op, env.useCount, r) };
  }
}
