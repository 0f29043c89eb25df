// The gateway's configuration: one typed object, validated once at start-up, defaults that run.
import { resolve } from 'node:path';
import { isPostgresUrl, redact } from './store/pg.js';
import { DataportError } from '../crypto/errors.js';
import type { Identity } from '../crypto/identity.js';

export interface GatewayConfig {
  /** Where the ledger and the gateway's key live (embedded default: a plain directory). */
  dataDir: string;
  host: string;
  port: number;
  /** pino level, or false for no logs. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Datasets per page of a DSP catalog response (further pages are linked with RFC 8288 Link headers). */
  catalogPageSize: number;
  /** How far a request signature's `created` may be from the gateway's clock (seconds). */
  maxSkewSeconds: number;
  /** The externally visible base URL (for @target-uri behind a proxy); default: from the Host header. */
  publicUrl?: string;
  /** The gateway's own key; default: `keyFile`, else `<dataDir>/gateway-key.json` (created on first start). */
  identity?: Identity;
  /** A key file to load (`DATAPORT_KEY_FILE`): every replica of a cluster must load the same key. */
  keyFile?: string;
  /**
   * Where the ledger and shared state live: undefined for the embedded files in `dataDir`, or a
   * PostgreSQL URL (`DATAPORT_STORE`) that any number of replicas share.
   */
  store?: string;
  /** This replica's name in leases and logs (`DATAPORT_REPLICA`); default: random. */
  replica?: string;
  /** With PostgreSQL: how often each replica looks for work a dead replica left (ms). */
  resumeIntervalMs: number;
  /** With PostgreSQL: how long a replica's lease on an entity lasts unless renewed (ms): how soon a dead replica's work is taken over. */
  leaseTtlMs: number;
  /** A directory of compliance rule files (thresholds, negative lists) replacing the shipped ones; `DATAPORT_COMPLIANCE_RULES`. */
  complianceRules?: string;
  /** The clock of compliance decisions (tests move it); default: the system clock. */
  now?: () => Date;
  /** Where the log lines go (pino JSON lines); default: standard output. */
  logStream?: NodeJS.WritableStream;
  ledger: {
    origin: string;
    checkpointIntervalMs: number;
    groupCommit: boolean;
  };
}

export type GatewayConfigInput = Partial<Omit<GatewayConfig, 'ledger'>> & { ledger?: Partial<GatewayConfig['ledger']> };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function resolveConfig(input: GatewayConfigInput = {}, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = input.port ?? Number(env.DATAPORT_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `port ${String(port)} must be an integer from 0 to 65535`);
  }
  const logLevel = input.logLevel ?? (env.DATAPORT_LOG_LEVEL as GatewayConfig['logLevel'] | undefined) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `log level ${logLevel} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const checkpointIntervalMs = input.ledger?.checkpointIntervalMs ?? 5000;
  if (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs < 0) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `checkpoint interval ${checkpointIntervalMs} must be a non-negative integer (ms)`);
  }
  const maxSkewSeconds = input.maxSkewSeconds ?? Number(env.DATAPORT_MAX_SKEW_SECONDS ?? 300);
  if (!Number.isInteger(maxSkewSeconds) || maxSkewSeconds < 1) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `signature skew ${maxSkewSeconds} must be a positive integer (seconds)`);
  }
  const origin = input.ledger?.origin ?? env.DATAPORT_LEDGER_ORIGIN ?? 'dataport.local/ledger';
  if (!/^[^\s+]+$/.test(origin)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `ledger origin ${JSON.stringify(origin)} must be one word without spaces or '+'`);
  }
  const store = input.store ?? (env.DATAPORT_STORE || undefined);
  if (store !== undefined && !isPostgresUrl(store)) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `store ${JSON.stringify(redact(store))} must be a postgres:// URL (or unset, for the embedded files)`);
  }
  const resumeIntervalMs = input.resumeIntervalMs ?? Number(env.DATAPORT_RESUME_INTERVAL_MS ?? 2000);
  if (!Number.isInteger(resumeIntervalMs) || resumeIntervalMs < 10) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `resume interval ${resumeIntervalMs} must be an integer of at least 10 (ms)`);
  }
  const leaseTtlMs = input.leaseTtlMs ?? Number(env.DATAPORT_LEASE_TTL_MS ?? 15_000);
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs < 100) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `lease TTL ${leaseTtlMs} must be an integer of at least 100 (ms)`);
  }
  const keyFile = input.keyFile ?? (env.DATAPORT_KEY_FILE || undefined);
  const replica = input.replica ?? (env.DATAPORT_REPLICA || undefined);
  return {
    ...(store !== undefined && { store }),
    ...(keyFile !== undefined && { keyFile: resolve(keyFile) }),
    ...(replica !== undefined && { replica }),
    resumeIntervalMs,
    leaseTtlMs,
    dataDir: resolve(input.dataDir ?? env.DATAPORT_DATA_DIR ?? './dataport-data'),
    host: input.host ?? env.DATAPORT_HOST ?? '127.0.0.1',
    port,
    logLevel,
    identity: input.identity,
    maxSkewSeconds,
    catalogPageSize: input.catalogPageSize ?? 50,
    publicUrl: input.publicUrl ?? env.DATAPORT_PUBLIC_URL,
    ...((input.complianceRules ?? env.DATAPORT_COMPLIANCE_RULES) !== undefined && { complianceRules: resolve((input.complianceRules ?? env.DATAPORT_COMPLIANCE_RULES)!) }),
    ...(input.now && { now: input.now }),
    ...(input.logStream && { logStream: input.logStream }),
    ledger: { origin, checkpointIntervalMs, groupCommit: input.ledger?.groupCommit ?? true },
  };
}
