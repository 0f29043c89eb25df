// What the operator dashboard shows, at one moment. Every figure that /metrics also exposes is
// read from the same registry (so the page and a Prometheus scrape cannot disagree); the lists
// (transfers, jobs, reasons) come from the control plane the gauges are computed from.
// Aggregate figures and participants' DIDs only: no row, no value, no data subject.
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { isTransferTerminal } from '../../policies/transfer/state-machine.js';
import type { LedgerStore } from '../store/types.js';
import type { Metrics } from '../metrics/index.js';
import type { ControlPlane } from '../state/control-plane.js';

export interface TransferRow {
  providerPid: string;
  datasetId: string;
  provider: string;
  consumer: string;
  mode: string;
  state: string;
  rowsIn: number;
  rowsOut: number;
  bytesOut: number;
  /** Rows the dataset declares, when its source says. */
  sourceRows: number | null;
  updatedAt: string;
  termination?: { code: string; reason: string[] };
}

export interface DashboardSnapshot {
  /** Milliseconds since the epoch, for rates between two snapshots. */
  at: number;
  totals: { rowsIn: number; rowsOut: number; bytesOut: number; batchesOut: number };
  transfersByState: Record<string, number>;
  negotiationsByState: Record<string, number>;
  jobsByState: Record<string, number>;
  denialsByCode: Record<string, number>;
  transfers: TransferRow[];
  denials: {
    recent: { time: string; code: string; stage: string; message: string }[];
    compliance: { exporter: string; time: string; stage: string; datasetId: string; pathway: string; rule: string; missing: string[] }[];
    stopped: { exporter: string; time: string; datasetId: string; code: string; reason: string; rowsOut: number }[];
  };
  jobs: { id: string; analyst: string; state: string; sources: number; contributions: number; minProviders: number; epsilon: number; deadline: string; openedAt: string; failure?: string }[];
  ledger: { size: number; appendP99Seconds: number | null; checkpoint: { size: number; root: string; note: string } };
}

type Json = MetricObjectWithValues<MetricValue<string>>;

/** Transfers shown: every one still running, then the most recently updated others. */
const SHOW_FINISHED = 20;

export async function dashboardSnapshot(metrics: Metrics, state: ControlPlane, ledger: LedgerStore): Promise<DashboardSnapshot> {
  const all = (await metrics.registry.getMetricsAsJSON()) as Json[];
  const byName = new Map(all.map((m) => [m.name, m]));
  const values = (name: string) => byName.get(name)?.values ?? [];
  const sum = (name: string) => values(name).reduce((n, v) => n + v.value, 0);
  const by = (name: string, label: string) => {
    const out: Record<string, number> = {};
    for (const v of values(name)) {
      const key = String(v.labels[label] ?? '');
      out[key] = (out[key] ?? 0) + v.value;
    }
    return out;
  };
  const rowsOutBy = by('dataport_rows_out_total', 'transfer');
  const rowsInBy = by('dataport_rows_in_total', 'transfer');
  const bytesOutBy = by('dataport_bytes_out_total', 'transfer');

  const known = [...state.transfers.values()];
  const shown = [
    ...known.filter((t) => !isTransferTerminal(t.state)),
    ...known.filter((t) => isTransferTerminal(t.state)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, SHOW_FINISHED),
  ];
  const transfers: TransferRow[] = shown.map((t) => ({
    providerPid: t.providerPid, datasetId: t.datasetId, provider: t.provider, consumer: t.consumer, mode: t.mode, state: t.state,
    // This process's counters; after a restart, the ledger's figures for what left before it.
    rowsIn: Math.max(rowsInBy[t.providerPid] ?? 0, t.rowsIn),
    rowsOut: Math.max(rowsOutBy[t.providerPid] ?? 0, t.rowsOut),
    bytesOut: Math.max(bytesOutBy[t.providerPid] ?? 0, t.bytesOut),
    sourceRows: state.datasets.get(t.datasetId)?.source.rows ?? null,
    updatedAt: t.updatedAt,
    ...(t.termination && { termination: { code: t.termination.code, reason: t.termination.reason } }),
  }));

  const compliance: DashboardSnapshot['denials']['compliance'] = [];
  const stopped: DashboardSnapshot['denials']['stopped'] = [];
  for (const [exporter, r] of state.compliance.exporters) {
    for (const d of r.denials) compliance.push({ exporter, time: d.time, stage: d.stage, datasetId: d.datasetId, pathway: d.pathway, rule: d.rule, missing: d.missing });
    for (const s of r.stopped) stopped.push({ exporter, time: s.time, datasetId: s.datasetId, code: s.code, reason: s.reason, rowsOut: s.rowsOut });
  }
  const newest = <X extends { time: string }>(xs: X[]) => xs.sort((a, b) => b.time.localeCompare(a.time)).slice(0, 20);

  const jobs = [...state.aggregation.jobs.values()].sort((a, b) => b.openedAt.localeCompare(a.openedAt)).slice(0, 20).map((j) => ({
    id: j.id, analyst: j.analyst, state: j.state, sources: j.sources.length, contributions: j.contributions.size,
    minProviders: j.minProviders, epsilon: j.epsilon, deadline: j.deadline, openedAt: j.openedAt, ...(j.failure !== undefined && { failure: j.failure }),
  }));

  const cp = ledger.recentCheckpoint();
  return {
    at: Date.now(),
    totals: {
      rowsIn: sum('dataport_rows_in_total'), rowsOut: sum('dataport_rows_out_total'),
      bytesOut: sum('dataport_bytes_out_total'), batchesOut: sum('dataport_batches_out_total'),
    },
    transfersByState: by('dataport_transfers', 'state'),
    negotiationsByState: by('dataport_negotiations', 'state'),
    jobsByState: by('dataport_aggregation_jobs', 'state'),
    denialsByCode: by('dataport_denials_total', 'code'),
    transfers,
    denials: { recent: [...metrics.recentDenials].reverse().slice(0, 20), compliance: newest(compliance), stopped: newest(stopped) },
    jobs,
    ledger: {
      size: sum('dataport_ledger_size'),
      appendP99Seconds: quantile(values('dataport_ledger_append_seconds'), 0.99),
      checkpoint: { size: cp.size, root: Buffer.from(cp.rootHash).toString('hex'), note: cp.note },
    },
  };
}

/** The bucket bound below which `q` of the observations fall (what histogram_quantile gives, without interpolation). */
function quantile(values: MetricValue<string>[], q: number): number | null {
  const buckets = values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket')).map((v) => ({ le: Number(v.labels.le), n: v.value })).sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total === 0) return null;
  return buckets.find((b) => b.n >= q * total)?.le ?? null;
}
