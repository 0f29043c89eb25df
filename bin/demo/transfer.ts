// The steps both demos share: a consumer finds an offer in the catalog and negotiates it, then
// pulls the data through the agreed pipeline and checks the gateway's receipt.
import type { Connector } from '../../connectors/connector.js';
import { verifyReceipt, type CompletionEntry, type Receipt } from '../../connectors/transfers.js';
import { DataportError } from '../../crypto/errors.js';
import { chinaDate } from '../../gateway/compliance/facts.js';
import type { ColumnReport, DroppedColumn } from '../../gateway/pipeline/apply.js';
import type { PrivacyReport } from '../../gateway/pipeline/privacy/index.js';
import { describePrivacy, describeTrajectory } from '../../gateway/pipeline/summary.js';
import type { TrajectoryReport } from '../../gateway/pipeline/trajectory/index.js';
import { drain, type DemoWorld } from './world.js';

export const PIPELINE = 'https://w3id.org/dataport/v1#pipeline';

/** An exporter's profile: a filed standard contract and an impact assessment dated today (China time). */
export function exporterProfile(legalName: string, sector: string, filingId: string) {
  return {
    legalName, jurisdiction: 'CN-BJ', roles: ['provider' as const],
    exporter: { ciio: false, zone: 'beijing-ftz', sector, artefacts: { standardContract: { filingId, filedOn: '2026-01-15' }, pia: { date: chinaDate(new Date()).date } } },
  };
}

export interface NegotiationView {
  datasetId: string;
  offerId: string;
  /** What the consumer's catalog showed: datasets, and the offers of this one. */
  catalog: { datasets: number; offers: string[] };
  agreementId: string;
  signedBy: string[];
}

/** The consumer reads its catalog, takes `offerId` of `datasetId` from it, and negotiates to FINALIZED. */
export async function negotiateFromCatalog(consumer: Connector, datasetId: string, offerId: string, purpose: string): Promise<NegotiationView> {
  const catalog = await consumer.catalog();
  const dataset = catalog.find((d) => d['@id'] === datasetId);
  if (!dataset) throw new DataportError('DP_ERR_NOT_FOUND', `the catalog shows ${consumer.did} no dataset ${datasetId} (it shows ${catalog.map((d) => d['@id']).join(', ') || 'none'})`);
  const offer = dataset.hasPolicy.find((o) => o['@id'] === offerId);
  if (!offer) throw new DataportError('DP_ERR_NOT_FOUND', `dataset ${datasetId} shows no offer ${offerId}`);
  const r = await consumer.negotiate({ datasetId, offer, purpose, provider: dataset['https://w3id.org/dataport/v1#provider'] as string | undefined });
  return {
    datasetId, offerId, catalog: { datasets: catalog.length, offers: dataset.hasPolicy.map((o) => String(o['@id'])) },
    agreementId: r.agreement['@id'], signedBy: r.signatures.map((s) => s.signer),
  };
}

export interface TransferView {
  agreementId: string;
  providerPid: string;
  rowsIn: number;
  rowsOut: number;
  batches: number;
  bytes: number;
  columnsOut: string[];
  /** `nulled`: values a step could not take (a VIN without a valid check digit, a date that does not parse) that left as null. */
  transformed: { name: string; steps: string[]; changed: number; nulled: number }[];
  kept: string[];
  /** Columns that stayed home, with the reason the plan gives (`listed`: false for a column the plan does not name). */
  dropped: { name: string; reason: string; listed: boolean }[];
  privacy?: {
    k: number; achievedK: number; l: Record<string, number>; suppressed: number; records: number;
    levels: Record<string, string>; informationLoss: number; lines: string[];
  };
  trajectory?: { vehicles: number; trips: number; pointsIn: number; pointsOut: number; droppedTrim: number; lines: string[] };
  receipt: { verified: boolean; ledgerSeq: number; checkpointSize: number; planHash: string };
  seconds: number;
}

interface CompletionReport {
  columns: ColumnReport[];
  dropped: DroppedColumn[];
  privacy?: PrivacyReport;
  trajectory?: TrajectoryReport;
}

/** Pulls a transfer to the end, checks the receipt (the SDK's check, and once more from GET .../receipt), and describes what left. */
export async function pullAndVerify(world: DemoWorld, consumer: Connector, agreementId: string): Promise<TransferView> {
  const started = performance.now();
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreementId);
  const got = await drain(batches);
  const done: CompletionEntry = await completed;
  const receipt = await consumer.client.json<Receipt>('GET', `/transfers/${encodeURIComponent(providerPid)}/receipt`);
  const { ledgerOrigin } = await consumer.client.json<{ ledgerOrigin: string }>('GET', '/.well-known/dataport');
  const proven = verifyReceipt(receipt, world.app.identity.did, ledgerOrigin, providerPid);
  if (proven.rowsOut !== got.rows) throw new DataportError('DP_ERR_LEDGER_TAMPERED', `the receipt proves ${proven.rowsOut} rows, ${got.rows} arrived`);
  const report = done.report as CompletionReport;
  const generalised = new Set(Object.keys(report.privacy?.levels ?? {}));
  const view: TransferView = {
    agreementId, providerPid, rowsIn: done.rowsIn, rowsOut: done.rowsOut, batches: done.batches, bytes: done.bytes, columnsOut: got.columns,
    transformed: report.columns.filter((c) => c.action === 'transform').map((c) => ({ name: c.name, steps: c.steps, changed: c.valuesChanged, nulled: c.nullsProduced })),
    kept: report.columns.filter((c) => c.action === 'keep' && !generalised.has(c.name)).map((c) => c.name),
    dropped: report.dropped.map((d) => ({ name: d.name, reason: d.reason, listed: d.listed })),
    receipt: { verified: true, ledgerSeq: proven.ledgerSeq, checkpointSize: receipt.size, planHash: done.planHash },
    seconds: (performance.now() - started) / 1000,
  };
  const p = report.privacy;
  if (p) {
    const levels = Object.fromEntries(Object.entries(p.levels).map(([c, l]) => [c, l.level === 0 ? 'as is' : l.level === l.height - 1 ? '*' : `level ${l.level}/${l.height - 1}`]));
    view.privacy = { k: p.model.k, achievedK: p.achieved.k, l: p.achieved.l, suppressed: p.suppressed, records: p.records, levels, informationLoss: p.informationLoss, lines: describePrivacy(p) };
  }
  const tr = report.trajectory;
  if (tr) view.trajectory = { vehicles: tr.vehicles, trips: tr.trips, pointsIn: tr.pointsIn, pointsOut: tr.pointsOut, droppedTrim: tr.droppedTrim, lines: describeTrajectory(tr) };
  return view;
}
