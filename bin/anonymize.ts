// `dataport anonymize`: a pipeline plan run over a local file with the gateway's own code
// (createAnonymizer: trajectory stage, privacy model, column steps), so that a data owner can try
// a plan on a file before any transfer. Rows keep their count and order, except where the plan's
// trajectory stage drops points; records the privacy model suppresses keep their row, with '*'
// in every quasi-identifier.
import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RecordBatch } from 'apache-arrow';
import { fromHex } from '../crypto/bytes.js';
import { DataportError } from '../crypto/errors.js';
import { agreementSecret, pseudonymRoot } from '../crypto/provider-secrets.js';
import { MIN_PROVIDER_SECRET_LENGTH } from '../crypto/pseudonym-keys.js';
import { readSource, type SourceFormat } from '../connectors/sources/index.js';
import { arrowIpcFormatOf, writeAtomically, writeSink, type SinkFormat, type SinkResult, type WriteSinkOptions } from '../connectors/sinks/index.js';
import { readKeyFile } from '../gateway/key-file.js';
import { createAnonymizer, type AnonymizeReport } from '../gateway/pipeline/stream.js';
import { VERSION } from '../gateway/version.js';
import { describePrivacy, describeTrajectory } from '../gateway/pipeline/summary.js';
import { planHash, validatePlan, type PipelinePlan, type Step } from '../policies/pipeline/plan.js';

export const ANONYMIZE_USAGE = `Usage: dataport anonymize --plan plan.json --in FILE --out FILE [options]

Runs a pipeline plan over a local file with the gateway's own code, to try it before any
transfer. Rows keep their count and order (the trajectory stage may drop points); records the
privacy model suppresses are written with '*' in every quasi-identifier. The output is written to
a temporary file and renamed at the end: a failed run leaves no output.

  --plan FILE          the pipeline plan (JSON); agreementId and datasetId may be left out
                       (then "offline" and the input file's name)
  --in FILE            CSV (any delimiter), NDJSON, CDISC Dataset-JSON (.json, .ndjson),
                       Arrow IPC, or a GPS trace (.plt, GeoLife directory)
  --out FILE           CSV, NDJSON, Dataset-JSON or Arrow IPC (file; stream for .arrows)
  --in-format F        csv | tsv | ndjson | dataset-json | arrow | gps-trace
                       (default: from the extension: .csv .txt .tsv .ndjson .jsonl .json
                       .arrow .arrows .feather .ipc .plt)
  --out-format F       csv | tsv | ndjson | dataset-json | arrow | arrow-stream
                       (default: from the extension, else the input's format)
  --delimiter D        the input's CSV delimiter: one character, or tab, \\t, comma,
                       semicolon, pipe, space (default: guessed from the header line)
  --out-delimiter D    the output's CSV delimiter (default: tab for .tsv, else the input's
                       if it is CSV, else a comma)
  --null-token T       how CSV output writes a null (default: an empty field)
  --key FILE           a dataport key file: keyed steps (pseudonymize, dateShift, formatToken,
                       scrubText tokens) use the secret its connector derives for the plan's
                       agreementId, so tokens match what the gateway gives that agreement
  --secret-hex HEX     the agreement secret itself, at least ${MIN_PROVIDER_SECRET_LENGTH} bytes in hex
                       (neither: a random secret; tokens then differ on every run)
  --report FILE        write a JSON report: the pipeline's report, files, formats, rows, time
  --spool-dir DIR      where the privacy model spools its input (default: ${tmpdir()})
  --batch-rows N       rows per batch read (default 65536)
  --json               print the report on stdout instead of the summary on stderr
  -h, --help           this text
`;

class AnonymizeUsageError extends Error {}

const OPTIONS = {
  plan: { type: 'string' },
  in: { type: 'string' },
  out: { type: 'string' },
  'in-format': { type: 'string' },
  'out-format': { type: 'string' },
  delimiter: { type: 'string' },
  'out-delimiter': { type: 'string' },
  'null-token': { type: 'string' },
  key: { type: 'string' },
  'secret-hex': { type: 'string' },
  report: { type: 'string' },
  'spool-dir': { type: 'string' },
  'batch-rows': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs the command; usage errors print this command's help and give exit code 2. */
export async function anonymizeCommand(args: string[]): Promise<number> {
  try {
    return await anonymize(args);
  } catch (e) {
    if (!(e instanceof AnonymizeUsageError)) throw e;
    process.stderr.write(`dataport anonymize: ${e.message}\n\n${ANONYMIZE_USAGE}`);
    return 2;
  }
}

interface InputFile {
  path: string;
  format: SourceFormat;
  delimiter?: string;
}

interface OutputFile {
  path: string;
  format: SinkFormat;
  options: WriteSinkOptions;
}

export interface AnonymizeRunReport {
  input: { path: string; format: SourceFormat; delimiter?: string; rows: number };
  output: { path: string; format: SinkFormat; delimiter?: string; ipc?: string; rows: number; bytes: number };
  plan: { path: string; hash: string; agreementId: string; datasetId: string };
  secret: 'key-file' | 'secret-hex' | 'random';
  elapsedMs: number;
  anonymizer: AnonymizeReport;
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new AnonymizeUsageError((e as Error).message);
  }
}

async function anonymize(args: string[]): Promise<number> {
  const values = parseOptions(args);
  if (values.help) {
    process.stdout.write(ANONYMIZE_USAGE);
    return 0;
  }
  if (!values.plan || !values.in || !values.out) throw new AnonymizeUsageError('--plan, --in and --out are required');
  if (values.key !== undefined && values['secret-hex'] !== undefined) throw new AnonymizeUsageError('give --key or --secret-hex, not both');
  const batchRows = values['batch-rows'] === undefined ? undefined : positiveInteger(values['batch-rows'], 'batch-rows');

  const started = performance.now();
  const input = inputFile(resolve(values.in), values['in-format'], values.delimiter);
  const planPath = resolve(values.plan);
  const plan = loadPlan(planPath, input.path);
  const output = outputFile(resolve(values.out), values['out-format'], values['out-delimiter'], values['null-token'], input);
  checkNotInput(input.path, output.path);
  const secret = secretFor(plan, values.key, values['secret-hex']);
  const keyed = hasKeyedSteps(plan);
  if (secret.source === 'random' && keyed) {
    process.stderr.write('note: no --key or --secret-hex: keyed steps use a random secret, so their tokens and date shifts differ on every run\n');
  }

  const anonymizer = createAnonymizer(plan, secret.bytes, { spoolDir: values['spool-dir'] ? resolve(values['spool-dir']) : tmpdir() });
  const source = readSource(input.path, input.format, { ...(input.delimiter && { delimiter: input.delimiter }), ...(batchRows && { batchRows }) });
  let rowsRead = 0;
  let written: SinkResult;
  try {
    // The first batch is read before the output is created: a bad input leaves nothing behind,
    // and its schema lends Dataset-JSON output the input's column metadata.
    const first = await source.next();
    if (output.format === 'dataset-json' && !first.done) output.options.columns = datasetJsonHints(plan, first.value);
    const counted = async function* (): AsyncGenerator<RecordBatch> {
      if (first.done) return;
      rowsRead += first.value.numRows;
      yield first.value;
      for await (const batch of source) {
        rowsRead += batch.numRows;
        yield batch;
      }
    };
    written = await writeSink(anonymizer.run(counted()), output.path, output.format, output.options);
  } finally {
    await source.return(undefined);
  }

  const report: AnonymizeRunReport = {
    input: { path: input.path, format: input.format, ...(input.delimiter !== undefined && { delimiter: input.delimiter }), rows: rowsRead },
    output: {
      path: output.path, format: output.format,
      ...(output.format === 'csv' && { delimiter: output.options.delimiter ?? ',' }),
      ...(output.format === 'arrow' && { ipc: output.options.ipc ?? arrowIpcFormatOf(output.path) }),
      rows: written.rows, bytes: written.bytes,
    },
    plan: { path: planPath, hash: planHash(plan), agreementId: plan.agreementId, datasetId: plan.datasetId },
    secret: secret.source,
    elapsedMs: Math.round(performance.now() - started),
    anonymizer: anonymizer.report(),
  };
  if (values.report) await writeAtomically(resolve(values.report), (file) => file.text(`${JSON.stringify(report, null, 2)}\n`));
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stderr.write(summary(report, values.in, values.out, keyed));
  return 0;
}

// ---- files and formats ----------------------------------------------------------------------

const INPUT_EXTENSIONS: Record<string, SourceFormat> = {
  '.csv': 'csv', '.txt': 'csv', '.tsv': 'csv', '.tab': 'csv',
  '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.json': 'dataset-json',
  '.arrow': 'arrow', '.arrows': 'arrow', '.feather': 'arrow', '.ipc': 'arrow',
  '.plt': 'gps-trace',
};

const FORMAT_NAMES: Record<string, { format: SourceFormat | SinkFormat; tab?: true; ipc?: 'stream' }> = {
  csv: { format: 'csv' }, tsv: { format: 'csv', tab: true }, ndjson: { format: 'ndjson' }, jsonl: { format: 'ndjson' },
  'dataset-json': { format: 'dataset-json' }, arrow: { format: 'arrow' }, 'arrow-stream': { format: 'arrow', ipc: 'stream' },
  'gps-trace': { format: 'gps-trace' },
};

const DELIMITER_NAMES: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ' };
const TAB_EXTENSIONS = new Set(['.tsv', '.tab']);

function inputFile(path: string, formatName: string | undefined, delimiterName: string | undefined): InputFile {
  const directory = fileKind(path, 'input') === 'directory';
  const ext = extname(path).toLowerCase();
  let format: SourceFormat;
  let tab = TAB_EXTENSIONS.has(ext);
  if (formatName !== undefined) {
    const named = FORMAT_NAMES[formatName];
    if (!named || named.ipc) throw new AnonymizeUsageError(`--in-format ${formatName}: one of csv, tsv, ndjson, dataset-json, arrow, gps-trace`);
    format = named.format as SourceFormat;
    tab = named.tab ?? (format === 'csv' && tab);
  } else if (directory) {
    format = 'gps-trace';
  } else {
    const byExt = INPUT_EXTENSIONS[ext];
    if (!byExt) throw new AnonymizeUsageError(`cannot tell the format of ${path} from its extension; give --in-format`);
    // Dataset-JSON has an NDJSON form too (`.ndjson`, as its reader has it): its first line is the metadata object.
    format = ext === '.ndjson' && isDatasetJsonMetadata(firstLine(path)) ? 'dataset-json' : byExt;
  }
  if (format !== 'csv') {
    if (delimiterName !== undefined && format !== 'gps-trace') throw new AnonymizeUsageError(`--delimiter applies to CSV input, not ${format}`);
    return { path, format, ...(delimiterName !== undefined && { delimiter: delimiterOf(delimiterName, 'delimiter') }) };
  }
  const delimiter = delimiterName !== undefined ? delimiterOf(delimiterName, 'delimiter') : tab ? '\t' : guessDelimiter(firstLine(path));
  return { path, format, delimiter };
}

function outputFile(path: string, formatName: string | undefined, delimiterName: string | undefined, nullToken: string | undefined, input: InputFile): OutputFile {
  const ext = extname(path).toLowerCase();
  let format: SinkFormat;
  const options: WriteSinkOptions = {};
  let tab = TAB_EXTENSIONS.has(ext);
  if (formatName !== undefined) {
    const named = FORMAT_NAMES[formatName];
    if (!named || named.format === 'gps-trace') throw new AnonymizeUsageError(`--out-format ${formatName}: one of csv, tsv, ndjson, dataset-json, arrow, arrow-stream`);
    format = named.format as SinkFormat;
    tab = named.tab ?? (format === 'csv' && tab);
    if (named.ipc) options.ipc = named.ipc;
  } else {
    const byExt = INPUT_EXTENSIONS[ext];
    // `.ndjson` names both NDJSON and Dataset-JSON's NDJSON form: keep the input's.
    if (byExt === 'ndjson' && input.format === 'dataset-json') format = 'dataset-json';
    else if (byExt !== undefined && byExt !== 'gps-trace') format = byExt;
    else if (input.format !== 'gps-trace') format = input.format;
    else throw new AnonymizeUsageError(`cannot tell the output format of ${path} from its extension; give --out-format`);
  }
  if (format === 'csv') {
    options.delimiter = delimiterName !== undefined ? delimiterOf(delimiterName, 'out-delimiter') : tab ? '\t' : input.format === 'csv' ? input.delimiter ?? ',' : ',';
    if (nullToken !== undefined) options.nullToken = nullToken;
  } else if (delimiterName !== undefined || nullToken !== undefined) {
    throw new AnonymizeUsageError(`--${delimiterName !== undefined ? 'out-delimiter' : 'null-token'} applies to CSV output, not ${format}`);
  }
  if (format === 'dataset-json') {
    options.name = basename(path).split('.')[0]!.toUpperCase() || 'DATASET';
    options.metadata = { sourceSystem: { name: 'dataport', version: VERSION } };
  }
  return { path, format, options };
}

function fileKind(path: string, what: string): 'file' | 'directory' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataportError('DP_ERR_NOT_FOUND', `${what} file ${path}`);
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
  }
}

/** Overwriting the input with its anonymised form would lose the original: refused. */
function checkNotInput(input: string, output: string): void {
  let same = input === output;
  try {
    same ||= realpathSync(input) === realpathSync(output);
  } catch {
    // The output does not exist yet: not the input.
  }
  if (same) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `--out ${output} is the input file; write the anonymised copy elsewhere`);
}

/** The first line of a text file (at most 1 MiB of it), without a BOM or line ending. */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let length = 0;
    while (length < buf.length && !buf.subarray(0, length).includes(0x0a)) {
      const n = readSync(fd, buf, length, Math.min(64 * 1024, buf.length - length), null);
      if (n === 0) break;
      length += n;
    }
    const text = buf.toString('utf8', 0, length).replace(/^\uFEFF/, '');
    const end = text.indexOf('\n');
    return (end === -1 ? text : text.slice(0, end)).replace(/\r$/, '');
  } finally {
    closeSync(fd);
  }
}

function isDatasetJsonMetadata(line: string): boolean {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as { columns?: unknown }).columns);
  } catch {
    return false;
  }
}

/** The candidate delimiter found most often outside quotes in the header line; a comma on a tie or none. */
function guessDelimiter(header: string): string {
  const candidates = [',', '\t', ';', '|'];
  const counts = new Map(candidates.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const c of candidates) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}

function delimiterOf(name: string, option: string): string {
  const d = DELIMITER_NAMES[name.toLowerCase()] ?? name;
  if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
    throw new AnonymizeUsageError(`--${option} ${JSON.stringify(name)}: one character other than a quote or line break, or tab, \\t, comma, semicolon, pipe, space`);
  }
  return d;
}

function positiveInteger(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new AnonymizeUsageError(`--${name} must be a positive integer, got ${value}`);
  return n;
}

// ---- plan and secret ------------------------------------------------------------------------

/** The plan file, checked by validatePlan; agreementId and datasetId filled in when left out. */
function loadPlan(path: string, inputPath: string): PipelinePlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataportError('DP_ERR_NOT_FOUND', `plan file ${path}`);
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `cannot read the plan ${path}: ${code ?? (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DataportError('DP_ERR_VALIDATION', `the plan ${path} is not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    // `$schema` lets an editor check the file against plan.schema.json; it is not part of the plan.
    const { $schema: _schema, ...rest } = parsed as Record<string, unknown>;
    parsed = { ...rest, agreementId: rest.agreementId ?? 'offline', datasetId: rest.datasetId ?? basename(inputPath) };
  }
  try {
    return validatePlan(parsed);
  } catch (e) {
    const problems = (e as DataportError).details as { errors?: string[] } | undefined;
    if (!(e instanceof DataportError) || !problems?.errors) throw e;
    throw new DataportError('DP_ERR_VALIDATION', `the plan ${path} is not a valid pipeline plan:\n  - ${problems.errors.join('\n  - ')}`, e.details);
  }
}

/** The secret of keyed steps: from a key file as the provider's connector derives it, given, or random. */
function secretFor(plan: PipelinePlan, keyFile: string | undefined, hex: string | undefined): { bytes: Uint8Array; source: AnonymizeRunReport['secret'] } {
  if (keyFile !== undefined) {
    // connectors/transfers.ts: agreementSecret(pseudonymRoot(seed), agreementId) goes with the data.
    const identity = readKeyFile(resolve(keyFile));
    return { bytes: agreementSecret(pseudonymRoot(identity.secretKey), plan.agreementId), source: 'key-file' };
  }
  if (hex !== undefined) {
    const clean = hex.trim();
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(clean) || clean.length / 2 < MIN_PROVIDER_SECRET_LENGTH) {
      throw new DataportError('DP_ERR_INVALID_ARGUMENT', `--secret-hex must be at least ${MIN_PROVIDER_SECRET_LENGTH} bytes as hex digits (${2 * MIN_PROVIDER_SECRET_LENGTH} or more)`);
    }
    return { bytes: fromHex(clean.toLowerCase()), source: 'secret-hex' };
  }
  return { bytes: new Uint8Array(randomBytes(32)), source: 'random' };
}

function isKeyed(step: Step): boolean {
  return step.op === 'pseudonymize' || step.op === 'dateShift' || step.op === 'formatToken' || (step.op === 'scrubText' && step.replace === 'token');
}

function hasKeyedSteps(plan: PipelinePlan): boolean {
  return plan.columns.some((c) => c.action === 'transform' && c.steps.some(isKeyed));
}

/** Steps after which a value is still the same kind of thing (a date, a number), so its Dataset-JSON dataType still holds. */
const KIND_KEEPING_OPS = new Set<Step['op']>(['dateShift', 'truncateDate', 'bucketTime', 'topBottomCode', 'laplace', 'grid']);

/**
 * Dataset-JSON metadata for the transformed columns, from the input's (kept columns carry their
 * own): itemOID and label always, dataType where the steps keep the value's kind.
 */
function datasetJsonHints(plan: PipelinePlan, first: RecordBatch): Record<string, { itemOID?: string; label?: string; dataType?: string }> {
  const hints: Record<string, { itemOID?: string; label?: string; dataType?: string }> = {};
  for (const column of plan.columns) {
    if (column.action !== 'transform') continue;
    const meta = first.schema.fields.find((f) => f.name === column.name)?.metadata;
    if (!meta) continue;
    const itemOID = meta.get('dataset-json:itemOID');
    const label = meta.get('dataset-json:label');
    const dataType = column.steps.every((s) => KIND_KEEPING_OPS.has(s.op)) ? meta.get('dataset-json:dataType') : undefined;
    hints[column.name] = { ...(itemOID && { itemOID }), ...(label && { label }), ...(dataType && { dataType }) };
  }
  return hints;
}

// ---- report ---------------------------------------------------------------------------------

/** A short human summary: rows, what happened to each column, and the whole-transfer stages' figures; files named as given. */
function summary(r: AnonymizeRunReport, inName: string, outName: string, keyed: boolean): string {
  const a = r.anonymizer;
  const lines = [
    `${inName} (${r.input.format}, ${r.input.rows} rows) -> ${outName} (${r.output.format}, ${r.output.rows} rows, ${r.output.bytes} bytes) in ${(r.elapsedMs / 1000).toFixed(2)} s`,
  ];
  const transformed = a.columns.filter((c) => c.action === 'transform');
  const generalised = new Set(Object.keys(a.privacy?.levels ?? {}));
  const kept = a.columns.filter((c) => c.action === 'keep' && !generalised.has(c.name));
  if (transformed.length > 0) lines.push(`  transformed: ${transformed.map((c) => `${c.name} (${c.steps.join(', ')}; ${c.valuesChanged} changed)`).join(', ')}`);
  if (generalised.size > 0) lines.push(`  generalised: ${[...generalised].join(', ')} (the privacy model, below)`);
  if (kept.length > 0) lines.push(`  kept:        ${kept.map((c) => c.name).join(', ')}`);
  const listed = a.dropped.filter((d) => d.listed);
  const unlisted = a.dropped.filter((d) => !d.listed);
  for (const d of listed) lines.push(`  dropped:     ${d.name}: ${d.reason}`);
  if (unlisted.length > 0) lines.push(`  dropped:     ${unlisted.length} not in the plan (fail closed): ${unlisted.map((d) => d.name).join(', ')}`);
  if (a.trajectory) lines.push('  trajectory:', ...describeTrajectory(a.trajectory).map((l) => `    ${l}`));
  if (a.privacy) lines.push('  privacy:', ...describePrivacy(a.privacy).map((l) => `    ${l}`));
  if (keyed) lines.push(`  secret:      ${r.secret === 'key-file' ? `from the key file, for agreement ${r.plan.agreementId}` : r.secret === 'secret-hex' ? 'given (--secret-hex)' : 'random (tokens differ on every run)'}`);
  return `${lines.join('\n')}\n`;
}
