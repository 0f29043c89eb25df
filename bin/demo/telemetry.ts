// The telemetry demo: a Beijing fleet operator exports vehicle traces to a foreign mobility lab.
// Trajectories are sensitive personal information (a filed standard contract); the pipeline drops
// each trip's first and last 200 m (homes, workplaces), turns VINs into format-preserving tokens
// and plates into pseudonyms, scrubs identifiers out of the drivers' notes, and coarsens positions
// to geohash cells and times to the minute.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PLT_SCHEMA } from '../../connectors/sources/gps-trace.js';
import type { LocalDataset } from '../../connectors/transfers.js';
import { APPROVAL } from '../../policies/negotiation/extensions.js';
import { TELEMETRY_SCHEMA, writeTelemetryData } from './data.js';
import { exporterProfile, negotiateFromCatalog, PIPELINE, pullAndVerify, type NegotiationView, type TransferView } from './transfer.js';
import { publishOrUpdate, type ComplianceView, type DemoWorld, type LedgerView } from './world.js';

export interface TelemetryResult {
  demo: 'telemetry';
  data: { source: string; path: string; vehicles: number };
  gateway: { url: string; did: string };
  negotiation: NegotiationView;
  compliance: ComplianceView;
  transfer: TransferView;
  ledger: LedgerView;
}

const TRIP = { tripGapSeconds: 300, trimMetres: 200, order: 'vehicle' as const };

/** The bundled fleet's telemetry: VIN, plate, time, position, speed, heading, a free-text note. */
function fleet(datasetId: string) {
  const roles: Record<string, { role: string; category?: string }> = {
    vin: { role: 'direct-identifier', category: 'identity' }, plate: { role: 'direct-identifier', category: 'identity' },
    tracked_at: { role: 'quasi-identifier' }, latitude: { role: 'quasi-identifier', category: 'trajectory' }, longitude: { role: 'quasi-identifier', category: 'trajectory' },
    speed_kmh: { role: 'other' }, heading_deg: { role: 'other' }, note: { role: 'other' },
  };
  return {
    fields: TELEMETRY_SCHEMA.map((f) => ({ ...f, ...roles[f.name] })),
    subjectColumn: 'vin',
    spec: {
      columns: {
        vin: [{ op: 'formatToken', kind: 'vin' }], plate: [{ op: 'pseudonymize', length: 16 }], note: [{ op: 'scrubText', replace: 'label' }],
        tracked_at: [{ op: 'bucketTime', seconds: 60 }], latitude: [{ op: 'geohash', precision: 7, lonColumn: 'longitude' }], longitude: 'drop',
      },
      roles: { other: 'keep' },
      trajectory: { vehicleColumn: 'vin', timeColumn: 'tracked_at', latColumn: 'latitude', lonColumn: 'longitude', ...TRIP },
    },
    local: (path: string): LocalDataset => ({ path, format: 'csv', schema: TELEMETRY_SCHEMA.map((f) => ({ ...f })) as LocalDataset['schema'] }),
    datasetId,
  };
}

/** GeoLife users' traces (`--data`): user, time, position, altitude. */
function geolife(datasetId: string) {
  const roles: Record<string, { role: string; category?: string }> = {
    user_id: { role: 'direct-identifier', category: 'identity' }, tracked_at: { role: 'quasi-identifier' },
    latitude: { role: 'quasi-identifier', category: 'trajectory' }, longitude: { role: 'quasi-identifier', category: 'trajectory' }, altitude_m: { role: 'other' },
  };
  return {
    fields: PLT_SCHEMA.map((f) => ({ ...f, ...roles[f.name] })),
    subjectColumn: 'user_id',
    spec: {
      columns: {
        user_id: [{ op: 'pseudonymize', length: 16 }], tracked_at: [{ op: 'bucketTime', seconds: 60 }],
        latitude: [{ op: 'geohash', precision: 7, lonColumn: 'longitude' }], longitude: 'drop',
      },
      roles: { other: 'keep' },
      trajectory: { vehicleColumn: 'user_id', timeColumn: 'tracked_at', latColumn: 'latitude', lonColumn: 'longitude', ...TRIP },
    },
    local: (path: string): LocalDataset => ({ path, format: 'gps-trace' }),
    datasetId,
  };
}

/** The GeoLife tree under `dataDir`: one directory per user (`geolife/plt/NNN/Trajectory/*.plt`). */
function geolifeFiles(dataDir: string): { path: string; vehicles: number; source: string } {
  const path = join(dataDir, 'geolife', 'plt');
  const users = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  return { path, vehicles: users, source: `Microsoft Research GeoLife traces of ${users} users (real data, research use only)` };
}

export async function runTelemetry(world: DemoWorld, opts: { dataDir?: string; workDir: string }): Promise<TelemetryResult> {
  const datasetId = `fleet-telemetry${world.suffix}`;
  const bundled = opts.dataDir === undefined;
  const files = bundled ? { ...writeTelemetryData(opts.workDir), source: 'bundled synthetic fleet (generated, seed 20260202; no real vehicle)' } : geolifeFiles(opts.dataDir!);
  const d = bundled ? fleet(datasetId) : geolife(datasetId);

  const operator = await world.connector({ datasets: { [datasetId]: d.local(files.path) } });
  const lab = await world.connector();
  await operator.register(exporterProfile('Jingcheng Fleet Services Co., Ltd.', 'automotive', 'BJ-SCC-2026-0077'));
  await lab.register({ legalName: 'Delft Mobility Lab B.V.', jurisdiction: 'NL', roles: ['consumer'] });
  const offer = {
    '@id': `${datasetId}:offer:research`, '@type': 'Offer', [APPROVAL]: 'auto',
    permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: 'research' }] }],
    obligation: [{ action: 'anonymize', [PIPELINE]: d.spec }],
  };
  await publishOrUpdate(operator, {
    id: datasetId, title: bundled ? 'Fleet telemetry, Beijing (5 s GPS fixes)' : 'GeoLife traces, Beijing',
    description: 'Vehicle positions in trips; trip ends trimmed, identifiers tokenised, positions as geohash-7 cells, times to the minute.',
    keywords: ['telemetry', 'trajectory', 'automotive'], schema: { fields: d.fields },
    subjects: files.vehicles, sensitiveSubjects: files.vehicles,
    compliance: { sector: 'automotive', importantData: 'none', subjectColumn: d.subjectColumn },
    source: { format: bundled ? 'csv' : 'gps-trace' }, offers: [offer],
  });

  const negotiation = await negotiateFromCatalog(lab, datasetId, offer['@id'], 'research');
  const compliance = await world.decision(datasetId);
  const transfer = await pullAndVerify(world, lab, negotiation.agreementId);
  const ledger = await world.verifyLedger();
  return {
    demo: 'telemetry',
    data: { source: files.source, path: files.path, vehicles: files.vehicles },
    gateway: { url: world.url, did: world.app.identity.did },
    negotiation, compliance, transfer, ledger,
  };
}
