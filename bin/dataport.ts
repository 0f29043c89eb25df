#!/usr/bin/env node
// The dataport command line.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DataportError } from '../crypto/errors.js';
import { GatewayError } from '../connectors/signed-http.js';
import { buildGateway } from '../gateway/server.js';
import { writeKeyFile } from '../gateway/key-file.js';
import { verifyLedger } from '../gateway/ledger/verify.js';
import { verifyPgLedger } from '../gateway/ledger/verify-pg.js';
import { isPostgresUrl } from '../gateway/store/pg.js';
import { showLedger, showPgLedger } from './ledger-show.js';
import { VERSION } from '../gateway/version.js';
import { CONNECTOR_COMMANDS, connectorCommand, UsageError } from './connector-commands.js';
import { anonymizeCommand } from './anonymize.js';
import { AGGREGATE_USAGE, aggregateCommand } from './aggregate.js';
import { pathwayCommand } from './pathway.js';
import { demoCommand } from './demo.js';

const USAGE = `dataport ${VERSION}: privacy-preserving cross-border data gateway

Usage:
  dataport demo pharma|telemetry [--json] [--data DIR] [--serve [--port N]]
                                            the whole flow on loopback: gateway, connectors, negotiation,
                                            compliance, transfer, receipt, ledger (pharma: aggregation too)
  dataport keygen --out key.json            write a new Ed25519 identity (did:key), mode 0600
  dataport start [--data-dir DIR] [--port N] [--host H] [--log-level L] [--store postgres://...] [--key-file F] [--replica NAME]
                                            run the gateway: the embedded files by default; with
                                            --store (or DATAPORT_STORE) one of several replicas sharing
                                            PostgreSQL (every replica loads the same --key-file)
  dataport ledger verify <dir> [--key K] [--json]
                                            check a ledger offline: chain, tree, checkpoints, signatures
                                            (K: the signer's did:key or signed-note verifier key;
                                            <dir> may be a postgres:// URL: the ledger in PostgreSQL)
  dataport ledger show <dir> [--from N] [--limit M] [--json]
                                            print entries (from a directory or a postgres:// URL)
  dataport anonymize --plan plan.json --in FILE --out FILE [--report report.json]
                                            run a pipeline plan over a local file (CSV, NDJSON,
                                            Dataset-JSON, Arrow), offline; see anonymize --help
  dataport pathway --facts facts.json [--rules DIR] [--json]
                                            the export pathway China's rules give a transfer, with
                                            the rules that decided and what is missing
  dataport pathway --replay <ledger dir> --seq N [--rules DIR] [--json]
                                            take a recorded compliance decision again; exit 1 if
                                            it no longer holds; see pathway --help

Connector (every command takes --gateway URL --identity key.json, and --json for machine output):
  dataport register --profile profile.json [--callback URL]
                                            register (or update) the key as a participant
  dataport publish dataset.json             publish a dataset with its offers (providers)
  dataport catalog [--keyword K] [--text T] the datasets and offers you could use
  dataport negotiate --dataset ID --offer ID [--purpose P] [--accept-counter-offers]
                                            negotiate an agreement; waits for FINALIZED
  dataport connector [--port N] [--data ID=PATH[,FORMAT]]...
                                            run a provider's connector: serves its files, signs
                                            automatic approvals, lists the others for approve/reject
  dataport transfer --agreement ID --out FILE
                                            pull a transfer into an Arrow stream file, with progress
                                            and the gateway's receipt checked
  dataport approvals | approve PID | reject PID --reason R
                                            a provider's manual approvals
  dataport aggregate open|contribute|result homomorphic aggregation: an analyst's job over several
                                            providers, their encrypted contributions, the noisy total
  dataport --version
`;


function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

function intOption(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a non-negative integer, got ${String(value)}`);
  return n;
}

/** Accepts a gateway data directory (holding ledger/) or the ledger directory itself. */
function ledgerDir(dir: string | undefined): string {
  if (!dir) throw new UsageError('missing the ledger directory');
  const abs = resolve(dir);
  return existsSync(join(abs, 'ledger.json')) ? abs : existsSync(join(abs, 'ledger', 'ledger.json')) ? join(abs, 'ledger') : abs;
}

/** The usage lines of one command (its entries in USAGE with their continuation lines). */
function commandHelp(command: string): string | undefined {
  const lines = USAGE.split('\n');
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^  dataport /.test(line)) inside = line.startsWith(`  dataport ${command} `) || line === `  dataport ${command}` || line.includes(` ${command} |`) || line.includes(`| ${command} `);
    else if (!/^ {10,}/.test(line)) inside = false;
    if (inside) out.push(line);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Per-command help, for the commands that have no help of their own.
  if (command && !['anonymize', 'pathway', 'demo'].includes(command) && (rest.includes('--help') || rest.includes('-h'))) {
    const help = command === 'aggregate' ? AGGREGATE_USAGE : commandHelp(command);
    if (!help) throw new UsageError(`unknown command ${command}`);
    process.stdout.write(help);
    return 0;
  }
  switch (command) {
    case 'keygen': {
      const { values } = parse(rest, { out: { type: 'string', short: 'o' } });
      if (typeof values.out !== 'string') throw new UsageError('keygen needs --out FILE');
      const identity = writeKeyFile(resolve(values.out));
      process.stdout.write(`${identity.did}\nwritten to ${values.out} (mode 0600)\n`);
      return 0;
    }
    case 'start': {
      const { values } = parse(rest, {
        'data-dir': { type: 'string' }, port: { type: 'string', short: 'p' }, host: { type: 'string' }, 'log-level': { type: 'string' }, store: { type: 'string' },
        'key-file': { type: 'string' }, replica: { type: 'string' },
      });
      const app = await buildGateway({
        dataDir: values['data-dir'] as string | undefined,
        store: values.store as string | undefined,
        keyFile: values['key-file'] as string | undefined,
        replica: values.replica as string | undefined,
        port: values.port === undefined ? undefined : intOption(values.port, 'port', 8080),
        host: values.host as string | undefined,
        logLevel: values['log-level'] as never,
      });
      const { host, port } = app.gatewayConfig;
      const address = await app.listen({ host, port });
      app.log.info({ did: app.identity.did, ledger: app.ledger.location, store: app.storeKind, size: app.ledger.size }, `dataport gateway listening on ${address}`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.log.info(`${signal}: closing (flushing the ledger)`);
        app.close().then(() => process.exit(0), (e: unknown) => {
          app.log.error({ err: e }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      return new Promise<number>(() => undefined); // runs until a signal
    }
    case 'ledger': {
      const [sub, ...args] = rest;
      if (sub === 'verify') {
        const { values, positionals } = parse(args, { key: { type: 'string' }, json: { type: 'boolean' } });
        const where = positionals[0];
        const key = values.key as string | undefined;
        const report = isPostgresUrl(where) ? await verifyPgLedger(where, { key }) : verifyLedger(ledgerDir(where), { key });
        if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else {
          process.stdout.write(report.summary + '\n');
          for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
        }
        return report.ok ? 0 : 1;
      }
      if (sub === 'show') {
        const { values, positionals } = parse(args, { from: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
        const from = intOption(values.from, 'from', 0);
        const limit = intOption(values.limit, 'limit', 100);
        if (isPostgresUrl(positionals[0])) await showPgLedger(positionals[0], from, limit, !!values.json, process.stdout);
        else showLedger(ledgerDir(positionals[0]), from, limit, !!values.json, process.stdout);
        return 0;
      }
      throw new UsageError(`unknown ledger command ${sub ?? '(none)'}`);
    }
    case 'anonymize':
      return anonymizeCommand(rest);
    case 'pathway':
      return pathwayCommand(rest);
    case 'demo':
      return demoCommand(rest);
    case 'aggregate':
      return aggregateCommand(rest);
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      if (CONNECTOR_COMMANDS.includes(command)) return connectorCommand(command, rest);
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // node:util parseArgs's refusals (an unknown option, a missing value) are usage errors too.
    if (e instanceof UsageError || (e as { code?: string } | undefined)?.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`dataport: ${(e as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (e instanceof DataportError) {
      process.stderr.write(`dataport: ${e.code}: ${e.message}\n`);
      process.exitCode = 1;
    } else if (e instanceof GatewayError) {
      process.stderr.write(`dataport: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`dataport: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
