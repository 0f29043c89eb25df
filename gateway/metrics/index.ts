export { createMetrics, DENIAL_CODES, type Metrics, type MetricSources, type PipelineStage, type DenialStage, type RecentDenial, type TransferMeter } from './instruments.js';
export { metricsRoutes, type MetricsRoutesOptions } from './routes.js';
