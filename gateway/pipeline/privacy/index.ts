// PLACEHOLDER: replaced by the privacy-model stage.
import type { PrivacyPlan } from '../../../policies/pipeline/models.js';
import { DataportError } from '../../../crypto/errors.js';
import type { BatchStage } from '../stage.js';

export interface PrivacyReport {
  k: number;
}

export interface PrivacyStageOptions {
  /** Where the input is spooled (an Arrow file, removed when the stage ends). */
  spoolDir: string;
}

export function createPrivacyStage(_plan: PrivacyPlan, _options: PrivacyStageOptions): BatchStage<PrivacyReport> {
  throw new DataportError('DP_ERR_VALIDATION', 'privacy stage not built yet');
}
