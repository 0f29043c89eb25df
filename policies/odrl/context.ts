// The evaluation context: who asks, for what purpose, when, and how far the agreement has been used.
// Plain data, checked once at the boundary; the evaluator then reads the normalised Environment.
import { DataportError } from '../../crypto/errors.js';
import { isObject } from './json.js';
import type { Policy } from './model.js';
import type { Hierarchy } from './operators.js';
import { parseDateTime } from './xsd.js';

/**
 * catalog      may this consumer ever satisfy the offer? (uses and elapsed time are not known yet)
 * negotiation  may an agreement be concluded now? (no use yet: count 0, elapsed time 0)
 * transfer     may a transfer start now? (the use being started is counted)
 * reevaluation may a running transfer go on? (count, dateTime and elapsedTime can run out)
 */
export const SCOPES = ['catalog', 'negotiation', 'transfer', 'reevaluation'] as const;
export type Scope = (typeof SCOPES)[number];

export type Instant = Date | string;

export interface EvaluationContext {
  now: Instant;
  consumer: {
    /** The consumer's did; compared by `recipient` and with the rules' assignee. */
    did: string;
    /** Where the data goes: a jurisdiction code compared by `spatial` ('DE', 'CN-BJ'). */
    jurisdiction?: string;
    /** Verified credential claims the consumer holds; compared by dataport:membership. [] when none. */
    claims?: readonly string[];
  };
  /** The purpose the consumer declared (an identifier in the purposes hierarchy). */
  purpose?: string;
  /** When the agreement was signed; defaults to the Agreement's own timestamp. */
  agreedAt?: Instant;
  /** Uses of the agreement started so far (transfers started), this one included when it is running. */
  useCount?: number;
  /** Region hierarchy for spatial isPartOf / isA / hasPart: child -> parent(s). */
  regions?: Hierarchy;
  /** Purpose taxonomy for purpose isA / isPartOf / hasPart: narrower -> broader. */
  purposes?: Hierarchy;
}

export interface Environment {
  readonly scope: Scope;
  readonly now: number;
  readonly did: string;
  readonly jurisdiction?: string;
  readonly claims?: readonly string[];
  readonly purpose?: string;
  readonly agreedAt?: number;
  readonly useCount?: number;
  readonly regions?: Hierarchy;
  readonly purposes?: Hierarchy;
}

function bad(what: string, why: string): DataportError {
  return new DataportError('DP_ERR_INVALID_ARGUMENT', `${what} ${why}`, { field: what });
}

function instant(value: unknown, what: string): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === 'string') {
    const t = parseDateTime(value);
    if (t.ok) return t.value;
    throw bad(what, `is not an instant: ${t.why}`);
  }
  throw bad(what, 'must be a Date or an xsd:dateTime string with a timezone');
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw bad(what, 'must be a non-empty string');
  return value;
}

function hierarchy(value: unknown, what: string): Hierarchy | undefined {
  if (value === undefined) return undefined;
  const ok = isObject(value) && Object.values(value).every((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
  if (!ok) throw bad(what, 'must map each code to its parent code or a list of them');
  return value as Hierarchy;
}

export function environment(context: unknown, scope: Scope, policy: Policy): Environment {
  if (!isObject(context)) throw bad('context', 'must be an object');
  const consumer = context.consumer;
  if (!isObject(consumer)) throw bad('context.consumer', 'must be an object');
  const did = optionalString(consumer.did, 'context.consumer.did');
  if (did === undefined) throw bad('context.consumer.did', 'is required');
  const claims = consumer.claims;
  if (claims !== undefined && !(Array.isArray(claims) && claims.every((c) => typeof c === 'string'))) throw bad('context.consumer.claims', 'must be a list of strings');
  const useCount = context.useCount;
  if (useCount !== undefined && !(Number.isSafeInteger(useCount) && (useCount as number) >= 0)) throw bad('context.useCount', 'must be a non-negative integer');
  const jurisdiction = optionalString(consumer.jurisdiction, 'context.consumer.jurisdiction');
  const purpose = optionalString(context.purpose, 'context.purpose');
  const regions = hierarchy(context.regions, 'context.regions');
  const purposes = hierarchy(context.purposes, 'context.purposes');
  const agreedAt =
    context.agreedAt !== undefined ? instant(context.agreedAt, 'context.agreedAt') : policy.type === 'Agreement' && policy.timestamp !== undefined ? instant(policy.timestamp, 'policy timestamp') : undefined;
  return {
    scope,
    now: instant(context.now, 'context.now'),
    did,
    ...(jurisdiction !== undefined && { jurisdiction }),
    ...(claims !== undefined && { claims: claims as string[] }),
    ...(purpose !== undefined && { purpose }),
    ...(agreedAt !== undefined && { agreedAt }),
    ...(useCount !== undefined && { useCount: useCount as number }),
    ...(regions !== undefined && { regions }),
    ...(purposes !== undefined && { purposes }),
  };
}
