// `dataport pathway`: the export pathway of one transfer from a facts file, or a decision the
// gateway recorded in its ledger (a compliance.decision entry) taken again under a rule set, to
// see whether it still holds.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataportError } from '../crypto/errors.js';
import { decodeEntry, SEGMENT_HEADER_SIZE, type LedgerEntry } from '../gateway/ledger/format.js';
import { listSegments, readRecords } from '../gateway/ledger/scan.js';
import {
  DEFAULT_RULES, decisionDifferences, exportPathway, loadRules, rulesHash, type DecisionOutcome, type ExportFacts, type PathwayDecision, type RuleSet,
} from '../policies/compliance/index.js';

export const PATHWAY_USAGE = `Usage: dataport pathway --facts facts.json [--rules DIR] [--json]
       dataport pathway --replay LEDGER_DIR --seq N [--rules DIR] [--json]

The export pathway China's cross-border rules give one transfer (exempt, standard contract or
certification, security assessment, blocked, needs-info, escalate), whether the artefacts it
needs are on file on the facts' date, and the rules that decided, each with its article.

  --facts FILE     the facts as JSON: { date, exporter, transfer, counters } (see
                   policies/compliance/types.ts, ExportFacts)
  --replay DIR     a gateway data directory or its ledger directory: take the decision recorded
                   in entry --seq (a compliance.decision) again on its facts and say whether it
                   still holds (same pathway, satisfied, and rules); exit 0 if it does, 1 if not
  --seq N          the ledger entry to replay
  --rules DIR      a rule directory laid out as policies/compliance/rules/ (rules.json,
                   automotive-important.json, negative-lists/*.json); default: the shipped rules
  --json           print JSON instead of text
  -h, --help       this text

Exit codes: 0 decided (or, with --replay, the decision holds), 1 the decision no longer holds or
an error, 2 usage (including an entry that is not a compliance.decision).
`;

class PathwayUsageError extends Error {}

const OPTIONS = {
  facts: { type: 'string' },
  replay: { type: 'string' },
  seq: { type: 'string' },
  rules: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs the command; usage errors print this command's help and give exit code 2. */
export function pathwayCommand(args: string[]): number {
  try {
    return pathway(args);
  } catch (e) {
    if (!(e instanceof PathwayUsageError)) throw e;
    process.stderr.write(`dataport pathway: ${e.message}\n\n${PATHWAY_USAGE}`);
    return 2;
  }
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new PathwayUsageError((e as Error).message);
  }
}

function pathway(args: string[]): number {
  const values = parseOptions(args);
  if (values.help) {
    process.stdout.write(PATHWAY_USAGE);
    return 0;
  }
  if ((values.facts === undefined) === (values.replay === undefined)) throw new PathwayUsageError('give --facts FILE or --replay LEDGER_DIR --seq N');
  const rules = values.rules === undefined ? DEFAULT_RULES : loadRules(resolve(values.rules));
  if (values.facts !== undefined) {
    if (values.seq !== undefined) throw new PathwayUsageError('--seq goes with --replay');
    const decision = exportPathway(readFacts(resolve(values.facts)), rules);
    process.stdout.write(values.json ? `${JSON.stringify(decision, null, 2)}\n` : describe(decision, rules));
    return 0;
  }
  if (values.seq === undefined || !/^\d+$/.test(values.seq)) throw new PathwayUsageError(`--replay needs --seq N, a ledger entry number${values.seq === undefined ? '' : `, not ${values.seq}`}`);
  return replay(ledgerDir(values.replay!), Number(values.seq), rules, values.json);
}

function readFacts(path: string): ExportFacts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PathwayUsageError(`cannot read the facts file ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as ExportFacts;
  } catch (e) {
    throw new DataportError('DP_ERR_VALIDATION', `the facts file ${path} is not JSON: ${(e as Error).message}`);
  }
}

function describe(d: PathwayDecision, rules: RuleSet): string {
  const lines = [
    `pathway: ${d.pathway} (${d.satisfied ? 'satisfied' : 'not satisfied'})`,
    `rule set: ${ruleSetName(rules.version, rulesHash(rules))}`,
    'rules:',
    ...d.rules.map((r) => `  ${r.id} (${r.source}): ${r.reason}`),
    `required: ${d.required.join(', ') || '(none)'}`,
    `missing: ${d.missing.join(', ') || '(none)'}`,
    ...(d.warnings.length === 0 ? ['warnings: (none)'] : ['warnings:', ...d.warnings.map((w) => `  ${w}`)]),
  ];
  return `${lines.join('\n')}\n`;
}

const ruleSetName = (version: string, hash: string): string => `${version} (sha256 ${hash})`;

/** The body of a compliance.decision entry, as the gateway writes it. */
interface DecisionBody {
  facts: ExportFacts;
  decision: DecisionOutcome;
  rules: { version: string; hash: string };
}

function replay(dir: string, seq: number, rules: RuleSet, json: boolean): number {
  const entry = readEntry(dir, seq);
  if (entry.type !== 'compliance.decision') throw new PathwayUsageError(`ledger entry ${seq} is a ${entry.type}, not a compliance.decision`);
  const body = decisionBody(entry);
  const current = exportPathway(body.facts, rules);
  const differences = decisionDifferences(body.decision, current);
  const now = { version: rules.version, hash: rulesHash(rules) };
  const sameRules = now.version === body.rules.version && now.hash === body.rules.hash;
  const holds = differences.length === 0;
  if (json) {
    const recorded = { pathway: body.decision.pathway, satisfied: body.decision.satisfied, rules: body.decision.rules.map((r) => r.id) };
    process.stdout.write(`${JSON.stringify({ seq, time: entry.time, holds, differences, recorded, current, rules: { recorded: body.rules, current: now, same: sameRules } }, null, 2)}\n`);
  } else {
    const lines = [
      `ledger entry ${seq} (${entry.time}): recorded ${body.decision.pathway}, ${body.decision.satisfied ? 'satisfied' : 'not satisfied'}, rules ${body.decision.rules.map((r) => r.id).join(', ')}`,
      sameRules
        ? `rule set: ${ruleSetName(now.version, now.hash)}, the one recorded`
        : `rule set: recorded ${ruleSetName(body.rules.version, body.rules.hash)}, now ${ruleSetName(now.version, now.hash)}`,
      `now: ${current.pathway}, ${current.satisfied ? 'satisfied' : 'not satisfied'}, rules ${current.rules.map((r) => r.id).join(', ')}`,
      holds ? 'the recorded decision holds' : 'the recorded decision does not hold:',
      ...differences.map((d) => `  ${d}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return holds ? 0 : 1;
}

/** The body of a compliance.decision entry, checked for what a replay reads. */
function decisionBody(entry: LedgerEntry): DecisionBody {
  const b = entry.body as Partial<Record<keyof DecisionBody, unknown>> | null;
  const d = b?.decision as Partial<DecisionOutcome> | undefined;
  const r = b?.rules as Partial<DecisionBody['rules']> | undefined;
  const ok = typeof b?.facts === 'object' && b.facts !== null
    && typeof d?.pathway === 'string' && typeof d.satisfied === 'boolean' && Array.isArray(d.rules) && d.rules.every((x) => typeof (x as { id?: unknown } | null)?.id === 'string')
    && typeof r?.version === 'string' && typeof r.hash === 'string';
  if (!ok) throw new DataportError('DP_ERR_LEDGER_ENTRY_INVALID', `ledger entry ${entry.seq} is not a compliance.decision of the form { facts, decision: { pathway, satisfied, rules }, rules: { version, hash } }`);
  return b as unknown as DecisionBody;
}

/** Entry `seq`, read straight from the segment files (offline, read-only, no key). */
function readEntry(dir: string, seq: number): LedgerEntry {
  const segments = listSegments(join(dir, 'segments'));
  let found: LedgerEntry | undefined;
  for (let s = 0; s < segments.length && found === undefined; s++) {
    const next = segments[s + 1];
    if (next && next.firstSeq <= seq) continue; // the entry is in a later segment
    let at = segments[s]!.firstSeq;
    readRecords(segments[s]!.path, SEGMENT_HEADER_SIZE, (payload) => {
      if (at++ === seq) found = decodeEntry(payload);
    });
  }
  if (found === undefined) throw new PathwayUsageError(`the ledger in ${dir} has no entry ${seq}`);
  return found;
}

/** A gateway data directory (holding ledger/) or the ledger directory itself. */
function ledgerDir(dir: string): string {
  const abs = resolve(dir);
  return !existsSync(join(abs, 'ledger.json')) && existsSync(join(abs, 'ledger', 'ledger.json')) ? join(abs, 'ledger') : abs;
}
