// Aggregation offers: a permission to `aggregate` carries, under dataport:aggregation, what an
// analyst may ask of the homomorphic path: which statistics over which group-by and filter
// columns, how many providers must contribute before anything is released, the smallest cohort a
// released cell may rest on, and the privacy budget (epsilon per job, and in all per analyst and
// dataset). checkQuery says whether one job's query fits an agreement's terms.
import { DataportError } from '../../crypto/errors.js';
import { compiledSchema, schemaProblems } from '../pipeline/json-schema.js';

export const AGGREGATION_PROPERTY = 'https://w3id.org/dataport/v1#aggregation';

export type Statistic = 'count' | 'sum';

export interface AggregationTerms {
  statistics: Statistic[];
  /** Columns a job may group by (and filter on). */
  groupBy: string[];
  /** Columns a job may sum. */
  values?: string[];
  /** Fewest providers whose contributions make a release. */
  minProviders: number;
  /** Each provider leaves out (as 0) its own cells resting on fewer records than this. */
  minCohort: number;
  /** Largest epsilon one job may spend. */
  epsilon: number;
  /** Epsilon in all, per analyst and dataset. */
  epsilonBudget: number;
  /** How much one record can change a sum's cell: summed values are clipped to [-valueBound, valueBound]. */
  valueBound?: number;
}

export interface AggregationQuery {
  statistic: Statistic;
  /** The summed column (sum only). */
  value?: string;
  /** The cells are every combination of these columns' listed values, first column slowest. */
  groupBy: { column: string; values: string[] }[];
  /** Records counted: those equal to each of these. */
  where?: { column: string; equals: string }[];
}

const TERMS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://w3id.org/dataport/v1/aggregation-terms.schema.json',
  type: 'object',
  properties: {
    statistics: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['count', 'sum'] } },
    groupBy: { type: 'array', minItems: 1, maxItems: 8, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    values: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } },
    minProviders: { type: 'integer', minimum: 1, maximum: 10000 },
    minCohort: { type: 'integer', minimum: 1 },
    epsilon: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
    epsilonBudget: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    valueBound: { type: 'number', exclusiveMinimum: 0 },
  },
  required: ['statistics', 'groupBy', 'minProviders', 'minCohort', 'epsilon', 'epsilonBudget'],
  additionalProperties: false,
} as const;

export const QUERY_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://w3id.org/dataport/v1/aggregation-query.schema.json',
  type: 'object',
  properties: {
    statistic: { enum: ['count', 'sum'] },
    value: { type: 'string', minLength: 1 },
    groupBy: {
      type: 'array', minItems: 1, maxItems: 8,
      items: { type: 'object', properties: { column: { type: 'string', minLength: 1 }, values: { type: 'array', minItems: 1, maxItems: 8192, uniqueItems: true, items: { type: 'string' } } }, required: ['column', 'values'], additionalProperties: false },
    },
    where: { type: 'array', maxItems: 8, items: { type: 'object', properties: { column: { type: 'string', minLength: 1 }, equals: { type: 'string' } }, required: ['column', 'equals'], additionalProperties: false } },
  },
  required: ['statistic', 'groupBy'],
  additionalProperties: false,
} as const;

/** The aggregation terms of an agreement's (or offer's) `aggregate` permission, checked; undefined if it has none. */
export function aggregationTerms(policy: Record<string, unknown>): AggregationTerms | undefined {
  const permissions = (Array.isArray(policy['permission']) ? policy['permission'] : []) as Record<string, unknown>[];
  const p = permissions.find((x) => x['action'] === 'aggregate' || x['action'] === 'odrl:aggregate' || x['action'] === 'http://www.w3.org/ns/odrl/2/aggregate');
  const terms = p?.[AGGREGATION_PROPERTY];
  if (terms === undefined) return undefined;
  const validate = compiledSchema(TERMS_SCHEMA);
  if (!validate(terms)) {
    throw new DataportError('DP_ERR_POLICY_INVALID', `the aggregation terms are not valid: ${schemaProblems(validate.errors ?? [], {}).join('; ')}`);
  }
  const t = terms as AggregationTerms;
  if (t.statistics.includes('sum') && (t.valueBound === undefined || !t.values?.length)) {
    throw new DataportError('DP_ERR_POLICY_INVALID', 'aggregation terms that allow sums must name the summable values and their valueBound (the sensitivity of a sum)');
  }
  if (t.epsilon > t.epsilonBudget) throw new DataportError('DP_ERR_POLICY_INVALID', `one job's epsilon ${t.epsilon} exceeds the whole budget ${t.epsilonBudget}`);
  return t;
}

/** The number of cells of a query: the product of its group-by value lists. */
export function cellCount(q: AggregationQuery): number {
  return q.groupBy.reduce((n, g) => n * g.values.length, 1);
}

/** Throws DP_ERR_VALIDATION if `query` is malformed, DP_ERR_POLICY_DENIED naming the term it breaks if the terms do not allow it. */
export function checkQuery(query: unknown, terms: AggregationTerms, epsilon: number, slots: number): AggregationQuery {
  const validate = compiledSchema(QUERY_SCHEMA);
  if (!validate(query)) throw new DataportError('DP_ERR_VALIDATION', `not a valid aggregation query: ${schemaProblems(validate.errors ?? [], {}).join('; ')}`);
  const q = query as AggregationQuery;
  const deny = (why: string): never => {
    throw new DataportError('DP_ERR_POLICY_DENIED', `the aggregation terms do not allow this job: ${why}`);
  };
  if (!terms.statistics.includes(q.statistic)) deny(`statistic ${q.statistic} is not one of ${terms.statistics.join(', ')}`);
  if (q.statistic === 'sum' && (q.value === undefined || !(terms.values ?? []).includes(q.value))) deny(`a sum must be of one of ${(terms.values ?? []).join(', ') || 'no column'}`);
  if (q.statistic === 'count' && q.value !== undefined) throw new DataportError('DP_ERR_VALIDATION', 'a count takes no value column');
  const columns = [...q.groupBy.map((g) => g.column), ...(q.where ?? []).map((w) => w.column)];
  const outside = columns.filter((c) => !terms.groupBy.includes(c));
  if (outside.length > 0) deny(`columns ${outside.join(', ')} are not among ${terms.groupBy.join(', ')}`);
  if (new Set(q.groupBy.map((g) => g.column)).size !== q.groupBy.length) throw new DataportError('DP_ERR_VALIDATION', 'a column is grouped by twice');
  if (!(epsilon > 0) || epsilon > terms.epsilon) deny(`epsilon ${epsilon} is not in (0, ${terms.epsilon}]`);
  const cells = cellCount(q);
  if (cells > slots) throw new DataportError('DP_ERR_VALIDATION', `the query has ${cells} cells, more than the ${slots} slots of one ciphertext`);
  return q;
}

/** The cell of a record: its group-by values' positions in mixed radix, or -1 if one is not listed. `valueOf(c)` is its value of group-by column c. */
export function cellIndexer(q: AggregationQuery): (valueOf: (c: number) => string | null) => number {
  const positions = q.groupBy.map((g) => new Map(g.values.map((v, i) => [v, i])));
  const radix = q.groupBy.map((g) => g.values.length);
  return (valueOf) => {
    let cell = 0;
    for (let c = 0; c < positions.length; c++) {
      const v = valueOf(c);
      const at = v === null ? undefined : positions[c]!.get(v);
      if (at === undefined) return -1;
      cell = cell * radix[c]! + at;
    }
    return cell;
  };
}

/** The labels of every cell, in cell order: one value per group-by column. */
export function cellLabels(q: AggregationQuery): string[][] {
  let labels: string[][] = [[]];
  for (const g of q.groupBy) labels = labels.flatMap((l) => g.values.map((v) => [...l, v]));
  return labels;
}
