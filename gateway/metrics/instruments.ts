// The gateway's Prometheus instruments, in a registry of their own (never prom-client's global
// one, so two gateways in one process never share a figure). Counters are fed by the data plane
// and the error hook as things happen; gauges are read from the control plane and the ledger at
// scrape time (`collect`), so they can never drift from what the ledger says.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { NEGOTIATION_STATES } from '../../policies/negotiation/state-machine.js';
import { TRANSFER_PROCESS_STATES } from '../../policies/transfer/state-machine.js';
import type { LedgerStore } from '../store/types.js';
import type { ControlPlane } from '../state/control-plane.js';

/** Refusals on policy or compliance grounds: what `dataport_denials_total` counts. */
export const DENIAL_CODES: ReadonlySet<string> = new Set([
  'DP_ERR_POLICY_DENIED',
  'DP_ERR_BUDGET_EXHAUSTED',
  'DP_ERR_COMPLIANCE_BLOCKED',
  'DP_ERR_COMPLIANCE_NEEDS_INFO',
  'DP_ERR_COMPLIANCE_ESCALATE',
  'DP_ERR_COMPLIANCE_UNSATISFIED',
  'DP_ERR_COMPLIANCE_THRESHOLD',
  'DP_ERR_COMPLIANCE_SUBJECTS_EXCEEDED',
]);

const JOB_STATES = ['OPEN', 'RELEASED', 'FAILED'] as const;

/** Pipeline stages timed by `dataport_pipeline_stage_seconds`. */
export type PipelineStage = 'batch' | 'privacy-search' | 'trajectory';

/** Where a refusal happened: answering a request, or stopping a running transfer. */
export type DenialStage = 'request' | 'transfer';

/** A refusal kept for the dashboard (the counter has only the code). */
export interface RecentDenial {
  time: string;
  code: string;
  stage: DenialStage;
  message: string;
}

/** What the data plane reports; the gateway passes a `Metrics`, tests may pass nothing. */
export interface TransferMeter {
  batch(t: { datasetId: string; providerPid: string }, rowsIn: number, rowsOut: number): void;
  bytes(t: { datasetId: string; providerPid: string }, bytes: number): void;
  stage(stage: PipelineStage, seconds: number): void;
  denied(code: string, stage: DenialStage, message: string): void;
}

export interface Metrics extends TransferMeter {
  readonly registry: Registry;
  /** The latest refusals, newest last (at most 50). */
  readonly recentDenials: readonly RecentDenial[];
}

export interface MetricSources {
  state: ControlPlane;
  ledger: LedgerStore;
}

const KEEP_DENIALS = 50;

export function createMetrics({ state, ledger }: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dataport_' });
  const perTransfer = ['dataset', 'transfer'] as const;
  const rowsIn = new Counter({ name: 'dataport_rows_in_total', help: 'Rows read from providers, per dataset and transfer', labelNames: perTransfer, registers: [registry] });
  const rowsOut = new Counter({ name: 'dataport_rows_out_total', help: 'Rows sent to consumers after the pipeline, per dataset and transfer', labelNames: perTransfer, registers: [registry] });
  const bytesOut = new Counter({ name: 'dataport_bytes_out_total', help: 'Arrow IPC bytes sent to consumers, per dataset and transfer', labelNames: perTransfer, registers: [registry] });
  const batchesOut = new Counter({ name: 'dataport_batches_out_total', help: 'Record batches sent to consumers, per dataset', labelNames: ['dataset'], registers: [registry] });
  const stageSeconds = new Histogram({
    name: 'dataport_pipeline_stage_seconds',
    help: 'Pipeline latency: per batch (input read to output ready), and the whole-transfer searches (privacy model, trajectories) until their first batch',
    labelNames: ['stage'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60], registers: [registry],
  });
  const denials = new Counter({ name: 'dataport_denials_total', help: 'Policy and compliance refusals, by error code and where they happened', labelNames: ['code', 'stage'], registers: [registry] });
  const appendSeconds = new Histogram({
    name: 'dataport_ledger_append_seconds', help: 'Ledger group commits: write and fsync of one group of entries',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry],
  });
  const appended = new Counter({ name: 'dataport_ledger_entries_committed_total', help: 'Ledger entries made durable since the gateway started', registers: [registry] });
  new Gauge({
    name: 'dataport_ledger_size', help: 'Durable ledger entries (the tree size)', registers: [registry],
    collect() {
      this.set(ledger.size);
    },
  });
  byState(registry, 'dataport_negotiations', 'Contract negotiations by state', NEGOTIATION_STATES, () => state.negotiations.values());
  byState(registry, 'dataport_transfers', 'Transfer processes by state', TRANSFER_PROCESS_STATES, () => state.transfers.values());
  byState(registry, 'dataport_aggregation_jobs', 'Homomorphic aggregation jobs by state', JOB_STATES, () => state.aggregation.jobs.values());
  new Gauge({
    name: 'dataport_compliance_decisions', help: 'Compliance decisions recorded in the ledger, per exporter', labelNames: ['exporter'], registers: [registry],
    collect() {
      this.reset();
      for (const [exporter, r] of state.compliance.exporters) this.set({ exporter }, r.decisions);
    },
  });

  ledger.onCommit = (entries, millis) => {
    appendSeconds.observe(millis / 1000);
    appended.inc(entries);
  };

  const recentDenials: RecentDenial[] = [];
  return {
    registry,
    recentDenials,
    batch(t, rIn, rOut) {
      const labels = { dataset: t.datasetId, transfer: t.providerPid };
      rowsIn.inc(labels, rIn);
      rowsOut.inc(labels, rOut);
      batchesOut.inc({ dataset: t.datasetId });
    },
    bytes(t, n) {
      bytesOut.inc({ dataset: t.datasetId, transfer: t.providerPid }, n);
    },
    stage(stage, seconds) {
      stageSeconds.observe({ stage }, seconds);
    },
    denied(code, stage, message) {
      if (!DENIAL_CODES.has(code)) return;
      denials.inc({ code, stage });
      recentDenials.push({ time: new Date().toISOString(), code, stage, message });
      if (recentDenials.length > KEEP_DENIALS) recentDenials.shift();
    },
  };
}

/** A gauge of `items` by state, counted at scrape time; every one of `states` has a series, zero or not. */
function byState(registry: Registry, name: string, help: string, states: readonly string[], items: () => Iterable<{ state: string }>): void {
  new Gauge({
    name, help, labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      for (const s of states) this.set({ state: s }, 0);
      for (const x of items()) this.inc({ state: x.state });
    },
  });
}
