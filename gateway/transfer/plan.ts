// The pipeline plan of a transfer: derived from the agreement's anonymize duties and the dataset's
// field roles (policies/pipeline), validated, and hashed; the hash is recorded with the transfer.
import { DataportError } from '../../crypto/errors.js';
import { derivePlan, planHash, validatePlan, type PipelinePlan } from '../../policies/pipeline/index.js';
import type { PolicyVerdict } from '../negotiation/policy-check.js';
import type { Dataset } from '../state/control-plane.js';
import type { Negotiation } from '../state/negotiations.js';

export type PlanFactory = (n: Negotiation, dataset: Dataset, duties: PolicyVerdict['duties']) => { plan: PipelinePlan; planHash: string; report: unknown };

export const agreementPlan: PlanFactory = (n, dataset, duties) => {
  const { plan, report } = derivePlan({ agreementId: n.agreement!['@id'], datasetId: dataset.id, fields: dataset.schema.fields, duties });
  const valid = validatePlan(plan);
  if (!valid.columns.some((c) => c.action !== 'drop')) {
    throw new DataportError('DP_ERR_POLICY_DENIED', 'the agreement lets no column leave: every column would be dropped', { report });
  }
  return { plan: valid, planHash: planHash(valid), report };
};
