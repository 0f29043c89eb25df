// PLACEHOLDER: replaced by the trajectory stage.
import type { TrajectoryPlan } from '../../../policies/pipeline/models.js';
import { DataportError } from '../../../crypto/errors.js';
import type { BatchStage } from '../stage.js';

export interface TrajectoryReport {
  vehicles: number;
  trips: number;
  pointsIn: number;
  pointsOut: number;
  droppedTrim: number;
  droppedGeofence: number;
}

export function createTrajectoryStage(_plan: TrajectoryPlan): BatchStage<TrajectoryReport> {
  throw new DataportError('DP_ERR_VALIDATION', 'trajectory stage not built yet');
}
