// The pharma demo: a Beijing hospital network exports a trial's demographics (SDTM DM) to a German
// sponsor through the gateway (k-anonymous, l-diverse on the arm), and three of its sites answer
// the sponsor's question "adverse events by body system and arm" with homomorphic aggregation:
// no site's rows, nor its own counts, leave in the clear.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connector } from '../../connectors/connector.js';
import { readSource } from '../../connectors/sources/index.js';
import { APPROVAL } from '../../policies/negotiation/extensions.js';
import { AGGREGATION_PROPERTY, type AggregationQuery } from '../../policies/aggregation/terms.js';
import { writePharmaData } from './data.js';
import { exporterProfile, negotiateFromCatalog, PIPELINE, pullAndVerify, type NegotiationView, type TransferView } from './transfer.js';
import { publishOrUpdate, type ComplianceView, type DemoWorld, type LedgerView } from './world.js';

export interface PharmaResult {
  demo: 'pharma';
  data: { source: string; dm: string; ae: string; subjects: number; adverseEvents: number };
  gateway: { url: string; did: string };
  negotiation: NegotiationView;
  compliance: ComplianceView;
  transfer: TransferView;
  aggregation: AggregationView;
  ledger: LedgerView;
}

export interface AggregationView {
  question: string;
  sites: { site: string; records: number; counted: number; suppressedCells: number }[];
  epsilon: number;
  minCohort: number;
  noise: { mechanism: string; scale: number; bound: number; confidence: number };
  cells: number;
  /** The largest noisy totals, with the clear count (computed here, where the files are) beside them. */
  top: { labels: Record<string, string>; value: number; clear: number }[];
  /** Cells whose noisy total is within the 95% bound of the clear count. */
  withinBound: number;
  total: { noisy: number; clear: number };
  seconds: number;
}

type Row = Record<string, string>;

/** Text columns of a CSV, read with the connector's own reader (quoting and `NA` as the source defines them). */
async function readRows(path: string, columns: readonly string[]): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of readSource(path, 'csv')) {
    const vectors = columns.map((c) => b.getChild(c));
    for (let i = 0; i < b.numRows; i++) out.push(Object.fromEntries(columns.map((c, j) => [c, String(vectors[j]?.get(i) ?? '')])));
  }
  return out;
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const AE_COLUMNS = ['USUBJID', 'AEBODSYS', 'AESER', 'AESEV', 'ARM'] as const;

/** One adverse-event file per site (the three with the most events), each event with its subject's arm from DM. */
async function siteFiles(dm: string, ae: string, dir: string): Promise<{ sites: { site: string; path: string; rows: Row[] }[]; subjects: number; events: number }> {
  const subjects = await readRows(dm, ['USUBJID', 'SITEID', 'ARM']);
  const bySubject = new Map(subjects.map((s) => [s['USUBJID']!, s]));
  const events = (await readRows(ae, ['USUBJID', 'AEBODSYS', 'AESER', 'AESEV'])).flatMap((e): Row[] => {
    const s = bySubject.get(e['USUBJID']!);
    return s ? [{ ...e, ARM: s['ARM']!, SITEID: s['SITEID']! }] : [];
  });
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e['SITEID']!, (counts.get(e['SITEID']!) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3).map(([site]) => site).sort();
  const sites = top.map((site) => {
    const rows = events.filter((e) => e['SITEID'] === site);
    const path = join(dir, `ae-site-${site}.csv`);
    writeFileSync(path, [AE_COLUMNS.join(','), ...rows.map((r) => AE_COLUMNS.map((c) => csvCell(r[c]!)).join(','))].join('\n') + '\n');
    return { site, path, rows };
  });
  return { sites, subjects: subjects.length, events: events.length };
}

const DM_FIELDS = [
  { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'SUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
  { name: 'RFSTDTC', type: 'utf8', role: 'other' },
  { name: 'SITEID', type: 'utf8', role: 'quasi-identifier' },
  { name: 'BRTHDTC', type: 'utf8', role: 'quasi-identifier', category: 'identity' },
  { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
  { name: 'SEX', type: 'utf8', role: 'quasi-identifier' },
  { name: 'RACE', type: 'utf8', role: 'quasi-identifier' },
  { name: 'ETHNIC', type: 'utf8', role: 'quasi-identifier' },
  { name: 'ARM', type: 'utf8', role: 'sensitive', category: 'health' },
  { name: 'COUNTRY', type: 'utf8', role: 'quasi-identifier' },
];

/** The research offer: research purposes in the EU, and the anonymize duty with its privacy model (k 5, l 2 on ARM). */
function dmOffer(datasetId: string) {
  return {
    '@id': `${datasetId}:offer:research-eu`, '@type': 'Offer', [APPROVAL]: 'auto',
    permission: [{ action: 'use', constraint: [
      { leftOperand: 'purpose', operator: 'isA', rightOperand: 'research' },
      { leftOperand: 'spatial', operator: 'isPartOf', rightOperand: 'EU' },
    ] }],
    obligation: [{
      action: 'anonymize',
      // A promise to the data subjects: the privacy model below must deliver at least this k, or no plan is derived.
      constraint: [{ leftOperand: 'https://w3id.org/dataport/v1#kAnonymity', operator: 'gteq', rightOperand: '5' }],
      [PIPELINE]: {
        subjectColumn: 'USUBJID',
        columns: { USUBJID: [{ op: 'pseudonymize', length: 16 }], SUBJID: 'drop', BRTHDTC: 'drop', RFSTDTC: [{ op: 'dateShift', maxDays: 30 }] },
        roles: { 'quasi-identifier': 'keep', sensitive: 'keep' },
        privacy: {
          // Up to 10% of the records may be suppressed rather than generalising everyone's age to '*'.
          k: 5, suppressionLimit: 0.1,
          quasiIdentifiers: [
            { column: 'AGE', hierarchy: { type: 'intervals', widths: [5, 10, 20, 40] } },
            { column: 'SEX', hierarchy: { type: 'suppress' } },
            { column: 'RACE', hierarchy: { type: 'suppress' } },
            { column: 'ETHNIC', hierarchy: { type: 'suppress' } },
            { column: 'SITEID', hierarchy: { type: 'mask', chars: 2 } },
            { column: 'COUNTRY', hierarchy: { type: 'suppress' } },
          ],
          sensitive: [{ column: 'ARM', l: 2 }],
        },
      },
    }],
  };
}

const TERMS = { statistics: ['count'], groupBy: ['AEBODSYS', 'ARM', 'AESER', 'AESEV'], minProviders: 3, minCohort: 3, epsilon: 1, epsilonBudget: 2 };
const aggregateOffer = (datasetId: string) => ({
  '@id': `${datasetId}:offer:aggregate`, '@type': 'Offer', [APPROVAL]: 'auto',
  permission: [{ action: 'aggregate', [AGGREGATION_PROPERTY]: TERMS }],
});

export async function runPharma(world: DemoWorld, opts: { dataDir?: string; workDir: string }): Promise<PharmaResult> {
  const files = opts.dataDir
    ? { dm: join(opts.dataDir, 'cdiscpilot01', 'dm.csv'), ae: join(opts.dataDir, 'cdiscpilot01', 'ae.csv'), source: 'CDISC pilot study CDISCPILOT01 (real, public data)' }
    : { ...writePharmaData(opts.workDir), source: 'bundled synthetic trial (generated, seed 20260101; no real person)' };
  const split = await siteFiles(files.dm, files.ae, opts.workDir);
  const datasetId = `trial-dm${world.suffix}`;

  // 1. The hospital network registers as an exporter and publishes DM with its offer.
  const hospital = await world.connector({ datasets: { [datasetId]: { path: files.dm, format: 'csv' } } });
  const sponsor = await world.connector();
  await hospital.register(exporterProfile('Beijing Union Hospital Network', 'health', 'BJ-SCC-2026-0042'));
  await sponsor.register({ legalName: 'Rhein Pharma Analytics GmbH', jurisdiction: 'DE', roles: ['consumer'] });
  const offer = dmOffer(datasetId);
  await publishOrUpdate(hospital, {
    id: datasetId, title: 'Trial demographics (SDTM DM)', description: 'One row per subject; subject ids leave only as pseudonyms, quasi-identifiers generalised to k = 5.',
    keywords: ['cdisc', 'sdtm', 'demographics'], schema: { fields: DM_FIELDS },
    subjects: split.subjects, sensitiveSubjects: split.subjects,
    compliance: { sector: 'health', scenario: 'clinical-trial', importantData: 'none', subjectColumn: 'USUBJID' },
    source: { format: 'csv', location: 'dm.csv', rows: split.subjects }, offers: [offer],
  });

  // 2. The sponsor reads the catalog and negotiates; the gateway takes the compliance decision.
  const negotiation = await negotiateFromCatalog(sponsor, datasetId, offer['@id'], 'clinical-research');
  const compliance = await world.decision(datasetId);

  // 3. The transfer through the pipeline; the receipt checked.
  const transfer = await pullAndVerify(world, sponsor, negotiation.agreementId);

  // 4. Adverse events by body system and arm across three sites, by homomorphic aggregation.
  const aggregation = await aggregate(world, sponsor, split.sites);

  // 5. The ledger, checked from its files.
  const ledger = await world.verifyLedger();
  return {
    demo: 'pharma',
    data: { source: files.source, dm: files.dm, ae: files.ae, subjects: split.subjects, adverseEvents: split.events },
    gateway: { url: world.url, did: world.app.identity.did },
    negotiation, compliance, transfer, aggregation, ledger,
  };
}

async function aggregate(world: DemoWorld, analyst: Connector, sites: { site: string; path: string; rows: Row[] }[]): Promise<AggregationView> {
  const started = performance.now();
  const providers = [];
  const agreements: string[] = [];
  for (const s of sites) {
    const connector = await world.connector();
    const id = `trial-ae-site-${s.site}${world.suffix}`;
    await connector.register(exporterProfile(`Trial site ${s.site} hospital`, 'health', `BJ-SCC-2026-1${s.site}`));
    await publishOrUpdate(connector, {
      id, title: `Trial adverse events, site ${s.site}`,
      schema: { fields: [
        { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
        { name: 'AEBODSYS', type: 'utf8', role: 'sensitive', category: 'health' },
        { name: 'AESER', type: 'utf8', role: 'sensitive', category: 'health' },
        { name: 'AESEV', type: 'utf8', role: 'sensitive', category: 'health' },
        { name: 'ARM', type: 'utf8', role: 'quasi-identifier' },
      ] },
      subjects: new Set(s.rows.map((r) => r['USUBJID'])).size, compliance: { sector: 'health', scenario: 'clinical-trial', importantData: 'none' },
      source: { format: 'csv' }, offers: [aggregateOffer(id)],
    });
    agreements.push((await negotiateFromCatalog(analyst, id, `${id}:offer:aggregate`, 'clinical-research')).agreementId);
    providers.push({ ...s, connector });
  }
  const all = sites.flatMap((s) => s.rows);
  const values = (c: string) => [...new Set(all.map((r) => r[c]!))].sort();
  const query: AggregationQuery = { statistic: 'count', groupBy: [{ column: 'AEBODSYS', values: values('AEBODSYS') }, { column: 'ARM', values: values('ARM') }] };
  const { job, keys } = await analyst.aggregation.open({ agreements, query, epsilon: TERMS.epsilon, deadline: new Date(Date.now() + 120_000), paramSet: 'bfv-4096' });
  const contributions = [];
  for (const p of providers) contributions.push({ site: p.site, ...(await p.connector.aggregation.contribute(job.id, { path: p.path, format: 'csv' })) });
  await analyst.aggregation.settled(job.id);
  const result = await analyst.aggregation.result(job.id, keys);

  // The clear counts, with the cells each site left out (fewer than minCohort of its records) left out here too.
  const clear = new Map<string, number>();
  for (const p of providers) {
    const mine = new Map<string, number>();
    for (const r of p.rows) mine.set(`${r['AEBODSYS']}|${r['ARM']}`, (mine.get(`${r['AEBODSYS']}|${r['ARM']}`) ?? 0) + 1);
    for (const [k, n] of mine) if (n >= TERMS.minCohort) clear.set(k, (clear.get(k) ?? 0) + n);
  }
  const cells = result.cells.map((c) => ({ labels: c.labels, value: c.value, clear: clear.get(`${c.labels['AEBODSYS']}|${c.labels['ARM']}`) ?? 0 }));
  return {
    question: 'adverse events by body system (AEBODSYS) and arm (ARM), all severities',
    sites: contributions.map((c) => ({ site: c.site, records: c.records, counted: c.counted, suppressedCells: c.suppressedCells })),
    epsilon: TERMS.epsilon, minCohort: TERMS.minCohort,
    noise: { mechanism: result.noise.mechanism, scale: result.noise.scale, bound: result.noise.bound, confidence: result.noise.confidence },
    cells: cells.length,
    top: [...cells].sort((a, b) => b.value - a.value).slice(0, 5),
    withinBound: cells.filter((c) => Math.abs(c.value - c.clear) <= result.noise.bound).length,
    total: { noisy: cells.reduce((n, c) => n + c.value, 0), clear: cells.reduce((n, c) => n + c.clear, 0) },
    seconds: (performance.now() - started) / 1000,
  };
}
