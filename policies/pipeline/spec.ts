// The pipeline specification an agreement's anonymize duty carries (dataport:pipeline): rules per
// column and per field role, from which derive.ts makes the plan of each transfer.
import { DataportError } from '../../crypto/errors.js';
import { compiledSchema, pointer, schemaProblems } from './json-schema.js';
import { privacyProblems, trajectoryProblems, type PrivacyPlan, type TrajectoryPlan } from './models.js';
import { PIPELINE_PLAN_SCHEMA, PIPELINE_PLAN_SCHEMA_ID, STEP_OPS, type Step } from './plan.js';
import { columnStepProblems } from './steps.js';

/** The duty property that carries the specification; the ODRL engine hands it over as `parameters.pipeline`. */
export const PIPELINE_PROPERTY = 'https://w3id.org/dataport/v1#pipeline';

export type FieldRole = 'direct-identifier' | 'quasi-identifier' | 'sensitive' | 'other';
export const FIELD_ROLES: readonly FieldRole[] = Object.freeze(['direct-identifier', 'quasi-identifier', 'sensitive', 'other']);

/** 'keep' (as it is), 'drop' (never leaves), or the steps it leaves through. */
export type ColumnRule = 'keep' | 'drop' | Step[];

export interface PipelineSpec {
  /** By column name; wins over the rule for the column's role. */
  columns?: Record<string, ColumnRule>;
  /** By the role the dataset schema gives a column. A direct identifier is never kept in clear. */
  roles?: {
    'direct-identifier'?: 'drop' | Step[];
    'quasi-identifier'?: ColumnRule;
    sensitive?: ColumnRule;
    other?: ColumnRule;
  };
  /** The column naming the data subject, for dateShift (default: the dataset's only direct identifier). */
  subjectColumn?: string;
  /** Trajectory desensitisation, copied into the plan. */
  trajectory?: TrajectoryPlan;
  /** The privacy model, copied into the plan; its quasi-identifiers leave generalised (kept by the plan). */
  privacy?: PrivacyPlan;
}

export const PIPELINE_SPEC_SCHEMA_ID = 'https://w3id.org/dataport/v1/pipeline-spec.schema.json';

const STEPS_REF = `${PIPELINE_PLAN_SCHEMA_ID}#/$defs/steps`;

/** JSON Schema (draft 2020-12) of a PipelineSpec; its steps are the plan's (PIPELINE_PLAN_SCHEMA). */
export const PIPELINE_SPEC_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: PIPELINE_SPEC_SCHEMA_ID,
  title: 'dataport pipeline specification',
  description:
    "The value of https://w3id.org/dataport/v1#pipeline on an agreement's anonymize duty. Each column of the dataset leaves by its per-column rule, else by the rule for its role, else not at all.",
  type: 'object',
  properties: {
    columns: { description: 'Rules by column name.', type: 'object', propertyNames: { minLength: 1 }, additionalProperties: { $ref: '#/$defs/rule' } },
    roles: {
      description: 'Rules by field role.',
      type: 'object',
      properties: {
        'direct-identifier': { $ref: '#/$defs/identifierRule' },
        'quasi-identifier': { $ref: '#/$defs/rule' },
        sensitive: { $ref: '#/$defs/rule' },
        other: { $ref: '#/$defs/rule' },
      },
      additionalProperties: false,
    },
    subjectColumn: { description: 'The column naming the data subject, for dateShift.', type: 'string', minLength: 1 },
    trajectory: { $ref: `${PIPELINE_PLAN_SCHEMA_ID}#/$defs/trajectory` },
    privacy: { $ref: `${PIPELINE_PLAN_SCHEMA_ID}#/$defs/privacy` },
  },
  additionalProperties: false,
  $defs: {
    rule: {
      description: '"keep", "drop", or the steps the column leaves through.',
      if: { type: 'string' },
      then: { enum: ['keep', 'drop'] },
      else: { $ref: STEPS_REF },
    },
    identifierRule: {
      description: 'A direct identifier is dropped or leaves through steps (that must pseudonymise, mask, redact or suppress it).',
      if: { type: 'string' },
      then: { const: 'drop' },
      else: { $ref: STEPS_REF },
    },
  },
} as const;

/** A duty's `pipeline` parameter, checked; `label` names the duty in errors. Absent: no rules. */
export function readSpec(value: unknown, label: string): PipelineSpec {
  if (value === undefined) return {};
  const validate = compiledSchema(PIPELINE_SPEC_SCHEMA, PIPELINE_PLAN_SCHEMA);
  const problems = validate(value)
    ? stepProblems(value as PipelineSpec)
    : schemaProblems((validate.errors ?? []).filter((e) => e.keyword !== 'if'), { op: STEP_OPS });
  if (problems.length > 0) {
    throw new DataportError('DP_ERR_VALIDATION', `the pipeline of ${label} is not valid: ${problems.join('; ')}`, { duty: label, errors: problems });
  }
  return value as PipelineSpec;
}

function stepProblems(spec: PipelineSpec): string[] {
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(spec.columns ?? {})) {
    if (Array.isArray(rule)) problems.push(...columnStepProblems(name, rule, pointer('/columns', name)));
  }
  for (const [role, rule] of Object.entries(spec.roles ?? {})) {
    if (Array.isArray(rule)) problems.push(...columnStepProblems(undefined, rule, pointer('/roles', role)));
  }
  if (spec.trajectory) problems.push(...trajectoryProblems(spec.trajectory, '/trajectory'));
  if (spec.privacy) problems.push(...privacyProblems(spec.privacy, '/privacy'));
  return problems;
}
