// A first look at a dataset before its pipeline spec is written: which columns hold identifiers,
// judged by what the detector (detect/) finds in the first rows and, failing that, by the column
// name. The result is a proposal for a person to confirm, never a plan: a sample can miss what the
// rest of the file holds, and a name says little. Each column's `reason` names the rule that fired.
//
// Rules, in order (the first that applies decides):
//  1. identifier column: at least `identifierShare` (0.8) of the non-null sampled values are each,
//     whole and trimmed, one identifier of a single type -> direct-identifier, with formatToken
//     (resident ID, VIN, credit code in a text column) or pseudonymize (the others);
//     if they are identifiers of several types together -> direct-identifier, pseudonymize;
//  2. free text: at least `freeTextShare` (0.01) of the values hold an identifier (inside longer
//     text or whole) -> other, with scrubText;
//  3. the name: birth date, age, sex, race, postcode, site... -> quasi-identifier; diagnosis,
//     medication... -> sensitive (no steps: those are the privacy model's, or left as they are);
//  4. otherwise other, without steps.
// Utf8 and integer columns are read (integers as their decimal text: a mobile number stored as
// Int64); columns of other types are judged by name only.
import { DataType, type RecordBatch, type Vector } from 'apache-arrow';
import { DataportError } from '../../crypto/errors.js';
import type { FieldRole, Step } from '../../policies/pipeline/index.js';
import { IDENTIFIER_TYPES, TOKEN_KINDS, type IdentifierType, type TokenKind } from '../../policies/pipeline/models.js';
import { detectIdentifiers } from './detect/index.js';

export const DEFAULT_SAMPLE_ROWS = 10_000;
export const DEFAULT_IDENTIFIER_SHARE = 0.8;
export const DEFAULT_FREE_TEXT_SHARE = 0.01;

export interface ScanOptions {
  /** Rows read from the start of the data (default 10,000). */
  sampleRows?: number;
  /** The last birth date a resident ID may carry, as the detector; defaults to now. */
  today?: Date;
  /** Share of values that must be identifiers for rule 1 (default 0.8). */
  identifierShare?: number;
  /** Share of values that must hold an identifier for rule 2 (default 0.01). */
  freeTextShare?: number;
}

export interface ColumnScan {
  column: string;
  rowsSampled: number;
  /** Non-null values among them (of a text or integer column; 0 for other types). */
  valuesSampled: number;
  /** Values whose whole trimmed text is one identifier of that type. */
  detected: Record<IdentifierType, number>;
  /** Values with an identifier inside longer text. */
  embedded: number;
  /** The largest `detected` count over valuesSampled (0 without values). */
  share: number;
  proposedRole: FieldRole;
  proposedSteps?: Step[];
  /** Which rule fired, with its figures. */
  reason: string;
}

interface NameHint {
  role: 'quasi-identifier' | 'sensitive';
  words: readonly string[];
}

// Matched against the words of a name (split at '_', '-', spaces and lower-to-upper case changes,
// lower-cased) and against the whole name without separators: 'BRTHDTC', 'date_of_birth',
// 'PostCode' and 'SITEID' match, 'PAGE' and 'AGEU' do not.
const NAME_HINTS: readonly NameHint[] = [
  { role: 'quasi-identifier', words: ['birth', 'birthdate', 'birthday', 'dob', 'brthdtc', 'age', 'sex', 'gender', 'race', 'ethnic', 'ethnicity', 'zip', 'zipcode', 'postcode', 'postal', 'siteid', 'country'] },
  { role: 'sensitive', words: ['diagnosis', 'disease', 'icd', 'icd10', 'condition', 'aeterm', 'aedecod', 'medication', 'cmtrt', 'hiv', 'pregnant', 'pregnancy'] },
];

/** Proposes a role, and steps where the content calls for them, for each column of `batches`. */
export async function scanColumns(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, options: ScanOptions = {}): Promise<ColumnScan[]> {
  const sampleRows = options.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  const identifierShare = options.identifierShare ?? DEFAULT_IDENTIFIER_SHARE;
  const freeTextShare = options.freeTextShare ?? DEFAULT_FREE_TEXT_SHARE;
  const today = options.today ?? new Date();
  if (!Number.isInteger(sampleRows) || sampleRows < 1) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `sampleRows ${sampleRows} is not a positive integer`);
  for (const [name, share] of [['identifierShare', identifierShare], ['freeTextShare', freeTextShare]] as const) {
    if (!(share > 0 && share <= 1)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${name} ${share} is not in (0, 1]`);
  }
  if (!(today instanceof Date) || Number.isNaN(today.getTime())) throw new DataportError('DP_ERR_INVALID_ARGUMENT', 'options.today must be a valid Date');

  let tallies: ColumnTally[] | undefined;
  let rows = 0;
  for await (const batch of batches) {
    tallies ??= batch.schema.fields.map((f) => newTally(f.name, contentOf(f.type)));
    const take = Math.min(batch.numRows, sampleRows - rows);
    batch.schema.fields.forEach((_, c) => {
      const tally = tallies![c]!;
      if (tally.content !== 'unread') countValues(tally, batch.getChildAt(c)!, take, today);
    });
    rows += take;
    if (rows >= sampleRows) break;
  }
  return (tallies ?? []).map((tally) => propose(tally, rows, identifierShare, freeTextShare));
}

interface ColumnTally {
  column: string;
  content: 'text' | 'integer' | 'unread';
  values: number;
  detected: Record<IdentifierType, number>;
  embedded: number;
}

const newTally = (column: string, content: ColumnTally['content']): ColumnTally => ({
  column, content, values: 0, embedded: 0,
  detected: Object.fromEntries(IDENTIFIER_TYPES.map((type) => [type, 0])) as Record<IdentifierType, number>,
});

// The kernels the proposals name read Utf8 and integers; other columns are judged by name.
const contentOf = (type: DataType): ColumnTally['content'] => (DataType.isUtf8(type) ? 'text' : DataType.isInt(type) ? 'integer' : 'unread');

function countValues(tally: ColumnTally, vector: Vector, rows: number, today: Date): void {
  for (let i = 0; i < rows; i++) {
    const value = vector.get(i) as string | number | bigint | null;
    if (value === null || value === undefined) continue;
    tally.values++;
    const text = String(value).trim();
    const spans = detectIdentifiers(text, { today });
    if (spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === text.length) tally.detected[spans[0]!.type]++;
    else if (spans.length > 0) tally.embedded++;
  }
}

function propose(tally: ColumnTally, rows: number, identifierShare: number, freeTextShare: number): ColumnScan {
  const { column, values, detected, embedded } = tally;
  const ranked = IDENTIFIER_TYPES.filter((type) => detected[type] > 0).sort((a, b) => detected[b] - detected[a]);
  const top = ranked[0];
  const whole = ranked.reduce((sum, type) => sum + detected[type], 0);
  const share = values === 0 || top === undefined ? 0 : detected[top] / values;
  const result = { column, rowsSampled: rows, valuesSampled: values, detected: { ...detected }, embedded, share };
  const found = ranked.map((type) => `${type} ${detected[type]}`).join(', ');
  const of = `of ${values} non-null sampled values`;

  if (top !== undefined && share >= identifierShare) {
    // formatToken reads text; an integer column's ids are pseudonymised instead.
    const formatted = tally.content === 'text' && TOKEN_KINDS.includes(top as TokenKind);
    return {
      ...result,
      proposedRole: 'direct-identifier',
      proposedSteps: [formatted ? { op: 'formatToken', kind: top as TokenKind } : { op: 'pseudonymize' }],
      reason: `identifier column: ${percent(share)} ${of} are each one ${top} (rule: >= ${percent(identifierShare)} of one type)`,
    };
  }
  if (whole > 0 && whole / values >= identifierShare) {
    return {
      ...result,
      proposedRole: 'direct-identifier',
      proposedSteps: [{ op: 'pseudonymize' }],
      reason: `identifier column: ${percent(whole / values)} ${of} are each one identifier (${found}), of several types (rule: >= ${percent(identifierShare)} together)`,
    };
  }
  if (values > 0 && (whole + embedded) / values >= freeTextShare) {
    return {
      ...result,
      proposedRole: 'other',
      proposedSteps: [{ op: 'scrubText', replace: 'token' }],
      reason: `free text: ${percent((whole + embedded) / values)} ${of} hold an identifier (${embedded} inside longer text${found ? `; whole values: ${found}` : ''}) (rule: >= ${percent(freeTextShare)})`
        // scrubText leaves a malformed id (a wrong check digit) in clear; pseudonymize would not.
        + (whole > embedded ? '; most are whole values: if this is an identifier column with malformed values, pseudonymize it instead' : ''),
    };
  }
  const hint = nameHint(column);
  const content = tally.content !== 'unread' ? `${whole + embedded} ${of} hold an identifier` : 'not a text or integer column, so only its name was read';
  if (hint !== undefined) {
    return { ...result, proposedRole: hint.role, reason: `name: ${JSON.stringify(column)} matches the ${hint.role} hint ${JSON.stringify(hint.word)}; ${content}` };
  }
  return { ...result, proposedRole: 'other', reason: `no rule fired: ${content}, and the name matches no hint` };
}

function nameHint(column: string): { role: NameHint['role']; word: string } | undefined {
  const words = column.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const joined = words.join('');
  for (const hint of NAME_HINTS) {
    const word = hint.words.find((w) => w === joined || words.includes(w));
    if (word !== undefined) return { role: hint.role, word };
  }
  return undefined;
}

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
