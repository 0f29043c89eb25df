// What every demo runs in: an embedded gateway on loopback with its ledger in a data directory,
// connectors for the parties, and the evidence read back at the end (the compliance decisions the
// gateway recorded, the ledger checked offline from its files).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { Connector, type ConnectorOptions } from '../../connectors/connector.js';
import { GatewayError } from '../../connectors/signed-http.js';
import { DataportError } from '../../crypto/errors.js';
import { generateIdentity } from '../../crypto/identity.js';
import { buildGateway } from '../../gateway/server.js';
import { verifyLedger } from '../../gateway/ledger/verify.js';
import type { DecisionEntry } from '../../gateway/compliance/state.js';
import { fileLedger } from '../../gateway/ledger/ledger.js';

export interface WorldOptions {
  /** Keep the gateway's data here (default: a temporary directory, removed at the end). */
  dataDir?: string;
  port?: number;
}

export type Gateway = Awaited<ReturnType<typeof buildGateway>>;

/** A compliance decision as the summary shows it. */
export interface ComplianceView {
  seq: number;
  stage: string;
  datasetId: string;
  pathway: string;
  satisfied: boolean;
  decisiveRule: { id: string; source: string; reason: string } | undefined;
  required: string[];
  missing: string[];
}

export interface LedgerView {
  ok: boolean;
  size: number;
  rootHash: string;
  checkpoints: number;
  summary: string;
}

export class DemoWorld {
  readonly connectors: Connector[] = [];

  /** `suffix`: appended to dataset ids when the data directory already holds an earlier run. */
  private constructor(readonly app: Gateway, readonly url: string, readonly dataDir: string, private readonly temporary: boolean, readonly suffix: string) {}

  static async start(opts: WorldOptions): Promise<DemoWorld> {
    const temporary = opts.dataDir === undefined;
    const dataDir = opts.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'dataport-demo-')) : resolve(opts.dataDir);
    const app = await buildGateway({ dataDir, port: opts.port ?? 0, host: '127.0.0.1', logLevel: 'silent' });
    const url = await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
    // A reused data directory already lists the datasets of an earlier run, published under other keys.
    return new DemoWorld(app, url, dataDir, temporary, app.ledger.size > 1 ? `-${Date.now().toString(36)}` : '');
  }

  /** A started connector with a new identity. */
  async connector(opts: Omit<ConnectorOptions, 'gateway' | 'identity'> = {}): Promise<Connector> {
    const c = new Connector({ gateway: this.url, identity: generateIdentity(), ...opts });
    await c.start();
    this.connectors.push(c);
    return c;
  }

  /** The compliance decision the gateway recorded on `datasetId` at negotiation (or its latest one, if none was taken there). */
  async decision(datasetId: string): Promise<ComplianceView> {
    await this.app.ledger.flush();
    const found: ComplianceView[] = [];
    for (const e of fileLedger(this.app.ledger).replay()) {
      if (e.type !== 'compliance.decision') continue;
      const body = e.body as unknown as DecisionEntry;
      if (body.datasetId !== datasetId) continue;
      const d = body.decision;
      found.push({ seq: e.seq, stage: body.stage, datasetId, pathway: d.pathway, satisfied: d.satisfied, decisiveRule: d.rules[0], required: d.required, missing: d.missing });
    }
    const decision = found.find((d) => d.stage === 'negotiation') ?? found.at(-1);
    if (!decision) throw new DataportError('DP_ERR_NOT_FOUND', `the ledger holds no compliance decision on ${datasetId}`);
    return decision;
  }

  /** Flushes the ledger and checks its files offline against the gateway's key, as `dataport ledger verify` does. */
  async verifyLedger(): Promise<LedgerView> {
    await this.app.ledger.flush();
    const r = verifyLedger(fileLedger(this.app.ledger).dir, { key: this.app.identity.did });
    return { ok: r.ok, size: r.size, rootHash: r.rootHash, checkpoints: r.checkpoints, summary: r.summary };
  }

  /** Stops the connectors and the gateway (flushing the ledger); removes a temporary data directory. */
  async close(): Promise<void> {
    for (const c of this.connectors.splice(0).reverse()) await c.stop();
    await this.app.close();
    if (this.temporary) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Publishes, or updates a dataset the same provider published before. */
export async function publishOrUpdate(provider: Connector, dataset: Record<string, unknown> & { id: string }): Promise<void> {
  try {
    await provider.publish(dataset);
  } catch (e) {
    if (!(e instanceof GatewayError) || e.status !== 409) throw e;
    await provider.client.json('PUT', `/datasets/${encodeURIComponent(dataset.id)}`, dataset);
  }
}

/** Reads a stream to the end: the batches' rows and the output column names. */
export async function drain(batches: AsyncIterable<RecordBatch>): Promise<{ rows: number; batches: number; columns: string[] }> {
  let rows = 0;
  let n = 0;
  let columns: string[] = [];
  for await (const b of batches) {
    if (n === 0) columns = b.schema.fields.map((f) => f.name);
    rows += b.numRows;
    n++;
  }
  return { rows, batches: n, columns };
}
