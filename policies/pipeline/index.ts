// Public surface of policies/pipeline: the pipeline plan format, its checks and hash, and its
// derivation from an agreement's anonymize duties.
export {
  PIPELINE_PLAN_SCHEMA,
  PIPELINE_PLAN_SCHEMA_ID,
  STEP_OPS,
  planHash,
  validatePlan,
  type ColumnPlan,
  type PipelinePlan,
  type Step,
  type StepOp,
} from './plan.js';
export {
  FIELD_ROLES,
  PIPELINE_PROPERTY,
  PIPELINE_SPEC_SCHEMA,
  PIPELINE_SPEC_SCHEMA_ID,
  type ColumnRule,
  type FieldRole,
  type PipelineSpec,
} from './spec.js';
export { derivePlan, type DatasetField, type PlanDecision, type PlanDerivation, type PlanDerivationInput } from './derive.js';
