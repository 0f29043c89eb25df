// The pipeline plan: what the data plane does to each column of one transfer, derived from the
// agreement's anonymize duty (derive.ts) and executed by gateway/pipeline/. One JSON Schema
// describes it (PIPELINE_PLAN_SCHEMA, written out as plan.schema.json); validatePlan adds the
// checks a schema cannot express; planHash names a plan in the ledger.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import { canonicalBytes } from '../../crypto/jcs.js';
import { compiledSchema, schemaProblems } from './json-schema.js';
import {
  IDENTIFIER_TYPES, PRIVACY_SCHEMA, TOKEN_KINDS, TRAJECTORY_SCHEMA, privacyProblems, trajectoryProblems,
  type IdentifierType, type PrivacyPlan, type TokenKind, type TrajectoryPlan,
} from './models.js';
import { columnStepProblems } from './steps.js';

export interface PipelinePlan {
  version: 1;
  agreementId: string;
  datasetId: string;
  /** The column whose values identify a data subject: the key of dateShift's per-subject offset. */
  subjectColumn?: string;
  /** Trips split, trimmed and cut by geofences before anything else. */
  trajectory?: TrajectoryPlan;
  /** k-anonymity, l-diversity, t-closeness over the whole transfer, after the trajectory stage. */
  privacy?: PrivacyPlan;
  /** In output order; an input column that is not listed never leaves. */
  columns: ColumnPlan[];
}

export type ColumnPlan =
  | { name: string; action: 'keep' }
  | { name: string; action: 'drop'; reason: string }
  | { name: string; action: 'transform'; steps: Step[] };

export type Step =
  | { op: 'pseudonymize'; length?: number }
  | { op: 'dateShift'; maxDays: number }
  | { op: 'truncateDate'; unit: 'year' | 'month' | 'day' | 'hour' | 'minute' }
  | { op: 'bucketTime'; seconds: number }
  | { op: 'hierarchy'; levels: string[][]; level: number }
  | { op: 'interval'; width: number; min?: number }
  | { op: 'topBottomCode'; min?: number; max?: number }
  | { op: 'grid'; cellDegrees: number }
  | { op: 'geohash'; precision: number; lonColumn: string }
  | { op: 'mask'; keepLast: number; char?: string }
  | { op: 'redact'; replacement?: string }
  | { op: 'suppress' }
  | { op: 'laplace'; scale: number }
  | { op: 'scrubText'; replace: 'mask' | 'token' | 'label'; types?: IdentifierType[] }
  | { op: 'formatToken'; kind: TokenKind };

export type StepOp = Step['op'];

export const PIPELINE_PLAN_SCHEMA_ID = 'https://w3id.org/dataport/v1/pipeline-plan.schema.json';

const SECONDS_PER_LEAP_YEAR = 366 * 24 * 3600;

/** Each step: `op` names the operation, the other properties are its parameters, nothing else. */
const STEPS = {
  pseudonymize: {
    description:
      'Replaces the value by a keyed token: HMAC-SHA-256 under a key derived for the agreement (HKDF), in lowercase hex. Equal values give equal tokens within one agreement; only the provider, who holds the key, can re-identify.',
    type: 'object',
    properties: {
      op: { const: 'pseudonymize' },
      length: { description: 'Hex characters of the token kept, 8 to 64 (64 = the whole HMAC). Default 32 (128 bits).', type: 'integer', minimum: 8, maximum: 64, default: 32 },
    },
    required: ['op'],
    additionalProperties: false,
  },
  dateShift: {
    description:
      "Moves every date or time of one data subject by the same secret offset, a whole number of days in [-maxDays, +maxDays] drawn per subject from the agreement's key and the subject's value in the plan's subjectColumn. Intervals between one subject's dates survive. Needs `subjectColumn`; must be a column's first step.",
    type: 'object',
    properties: {
      op: { const: 'dateShift' },
      maxDays: { description: 'Largest shift in days, 1 to 3650.', type: 'integer', minimum: 1, maximum: 3650 },
    },
    required: ['op', 'maxDays'],
    additionalProperties: false,
  },
  truncateDate: {
    description: 'Cuts a date or time down to the start of its unit (2024-05-17T10:42 with unit month gives 2024-05).',
    type: 'object',
    properties: {
      op: { const: 'truncateDate' },
      unit: { description: 'The finest unit kept.', enum: ['year', 'month', 'day', 'hour', 'minute'] },
    },
    required: ['op', 'unit'],
    additionalProperties: false,
  },
  bucketTime: {
    description: 'Rounds a timestamp down to a multiple of `seconds` since the Unix epoch.',
    type: 'object',
    properties: {
      op: { const: 'bucketTime' },
      seconds: { description: `Bucket width in seconds, 1 to ${SECONDS_PER_LEAP_YEAR} (366 days).`, type: 'integer', minimum: 1, maximum: SECONDS_PER_LEAP_YEAR },
    },
    required: ['op', 'seconds'],
    additionalProperties: false,
  },
  hierarchy: {
    description:
      "Generalises a value through a hierarchy in the ARX format: one row per original value, [value, level 1, level 2, ...], every row as long as the others. A value without a row becomes '*'.",
    type: 'object',
    properties: {
      op: { const: 'hierarchy' },
      levels: {
        description: 'The rows; the first entries (the original values) are distinct.',
        type: 'array',
        minItems: 1,
        items: { type: 'array', minItems: 2, items: { type: 'string' } },
      },
      level: { description: 'The level written out: 1 is the first generalisation, at most the row length - 1.', type: 'integer', minimum: 1 },
    },
    required: ['op', 'levels', 'level'],
    additionalProperties: false,
  },
  interval: {
    description: 'Replaces a number by the label "[lo, hi)" of the interval that holds it, lo = min + k * width.',
    type: 'object',
    properties: {
      op: { const: 'interval' },
      width: { description: 'Interval width, > 0.', type: 'number', exclusiveMinimum: 0 },
      min: { description: 'Where the intervals are anchored (the lower bound of one of them). Default 0.', type: 'number' },
    },
    required: ['op', 'width'],
    additionalProperties: false,
  },
  topBottomCode: {
    description: 'Clamps a number into [min, max]: values below min become min, above max become max. At least one bound; min < max.',
    type: 'object',
    properties: {
      op: { const: 'topBottomCode' },
      min: { description: 'Bottom code.', type: 'number' },
      max: { description: 'Top code.', type: 'number' },
    },
    required: ['op'],
    anyOf: [{ required: ['min'] }, { required: ['max'] }],
    additionalProperties: false,
  },
  grid: {
    description: 'Snaps a latitude or longitude to the centre of its cell on a grid of cells `cellDegrees` wide.',
    type: 'object',
    properties: {
      op: { const: 'grid' },
      cellDegrees: { description: 'Cell size in degrees, > 0 and at most 180.', type: 'number', exclusiveMinimum: 0, maximum: 180 },
    },
    required: ['op', 'cellDegrees'],
    additionalProperties: false,
  },
  geohash: {
    description:
      'Replaces a latitude, with the longitude of the same row read from `lonColumn`, by their geohash. The plan must drop lonColumn. Must be a column\'s first step.',
    type: 'object',
    properties: {
      op: { const: 'geohash' },
      precision: { description: 'Geohash characters, 1 to 12 (6 is a cell of about 1.2 km x 0.6 km).', type: 'integer', minimum: 1, maximum: 12 },
      lonColumn: { description: 'The input column holding the longitude.', type: 'string', minLength: 1 },
    },
    required: ['op', 'precision', 'lonColumn'],
    additionalProperties: false,
  },
  mask: {
    description: "Overwrites every character (not byte) but the last `keepLast` with `char`: 'abcdef' with keepLast 2 becomes '****ef'.",
    type: 'object',
    properties: {
      op: { const: 'mask' },
      keepLast: { description: 'Characters left in clear at the end, 0 to 16.', type: 'integer', minimum: 0, maximum: 16 },
      char: { description: 'The masking character (one character).', type: 'string', minLength: 1, maxLength: 1 },
    },
    required: ['op', 'keepLast'],
    additionalProperties: false,
  },
  redact: {
    description: 'Replaces every value by the same text. The only step of its column.',
    type: 'object',
    properties: {
      op: { const: 'redact' },
      replacement: { description: 'The text written instead, at most 64 characters.', type: 'string', maxLength: 64 },
    },
    required: ['op'],
    additionalProperties: false,
  },
  suppress: {
    description: 'Replaces every value by null. The only step of its column.',
    type: 'object',
    properties: { op: { const: 'suppress' } },
    required: ['op'],
    additionalProperties: false,
  },
  laplace: {
    description: 'Adds Laplace(0, scale) noise, from a cryptographic random source, to a number: scale = sensitivity / epsilon.',
    type: 'object',
    properties: {
      op: { const: 'laplace' },
      scale: { description: 'The scale b, > 0.', type: 'number', exclusiveMinimum: 0 },
    },
    required: ['op', 'scale'],
    additionalProperties: false,
  },
  scrubText: {
    description:
      "Finds identifiers in free text (resident ID numbers, mobile numbers, plates, VINs, unified social credit codes, bank cards, passports, e-mail addresses; validated by their check digits) and replaces each span: 'mask' overwrites it with '*' (same length), 'label' with '[type]', 'token' with a keyed token: a format-preserving one (valid check character) for resident IDs, VINs and credit codes, '[type:hex]' for the others.",
    type: 'object',
    properties: {
      op: { const: 'scrubText' },
      replace: { description: 'What a found span becomes.', enum: ['mask', 'token', 'label'] },
      types: { description: 'The identifier types looked for (default: all).', type: 'array', minItems: 1, uniqueItems: true, items: { enum: IDENTIFIER_TYPES } },
    },
    required: ['op', 'replace'],
    additionalProperties: false,
  },
  formatToken: {
    description:
      "Replaces a resident ID number, VIN or unified social credit code by a keyed, deterministic token of the same shape with a valid check character, so downstream validators accept it. A value that is not a valid identifier of that kind becomes null (fail closed).",
    type: 'object',
    properties: {
      op: { const: 'formatToken' },
      kind: { description: 'The identifier the column holds.', enum: TOKEN_KINDS },
    },
    required: ['op', 'kind'],
    additionalProperties: false,
  },
} as const satisfies Record<StepOp, object>;

export const STEP_OPS = Object.freeze(Object.keys(STEPS)) as readonly StepOp[];

/** JSON Schema (draft 2020-12) of a PipelinePlan; written out as policies/pipeline/plan.schema.json. */
export const PIPELINE_PLAN_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: PIPELINE_PLAN_SCHEMA_ID,
  title: 'dataport pipeline plan',
  description:
    "What the data plane does to each column of one transfer, derived from the agreement's anonymize duty. Columns leave in the order listed; an input column that is not listed never leaves. Checks beyond this schema (policies/pipeline/plan.ts validatePlan): column names are unique; a plan with a dateShift step has a subjectColumn; the subject column leaves only pseudonymised, redacted, suppressed or not at all; a geohash step's lonColumn is another column and is dropped; steps follow each other sensibly (suppress and redact stand alone, nothing follows pseudonymize, dateShift and geohash come first, a step's input is what the previous one yields); hierarchy rows have equal lengths, distinct values and the level asked for; topBottomCode has min < max; the privacy model's quasi-identifiers are kept by their column entries and its hierarchies nest; the trajectory stage names four different columns and removes something. The trajectory stage, then the privacy model, run over the whole transfer before the column steps.",
  type: 'object',
  properties: {
    version: { description: 'Version of this format.', const: 1 },
    agreementId: { description: 'The contract agreement the plan executes.', type: 'string', minLength: 1 },
    datasetId: { description: 'The dataset whose columns the plan names.', type: 'string', minLength: 1 },
    subjectColumn: { description: 'The input column identifying the data subject of a row; dateShift draws its per-subject offset from it.', type: 'string', minLength: 1 },
    trajectory: { $ref: '#/$defs/trajectory' },
    privacy: { $ref: '#/$defs/privacy' },
    columns: { description: 'One entry per column, in output order.', type: 'array', items: { $ref: '#/$defs/column' } },
  },
  required: ['version', 'agreementId', 'datasetId', 'columns'],
  additionalProperties: false,
  $defs: {
    columnName: { description: 'An input column, by its name in the dataset schema.', type: 'string', minLength: 1 },
    column: {
      description: 'What happens to one column: `action` picks the variant.',
      $comment: "`discriminator` is OpenAPI's: it lets a validator check only the branch `action` names; one that does not know it ignores it, and oneOf decides alone.",
      type: 'object',
      discriminator: { propertyName: 'action' },
      oneOf: [{ $ref: '#/$defs/keep' }, { $ref: '#/$defs/drop' }, { $ref: '#/$defs/transform' }],
      required: ['action'],
    },
    keep: {
      description: 'The column leaves as it is.',
      type: 'object',
      properties: { name: { $ref: '#/$defs/columnName' }, action: { const: 'keep' } },
      required: ['name', 'action'],
      additionalProperties: false,
    },
    drop: {
      description: 'The column does not leave; `reason` says why (shown to both parties).',
      type: 'object',
      properties: { name: { $ref: '#/$defs/columnName' }, action: { const: 'drop' }, reason: { description: 'Why the column stays home, in words.', type: 'string', minLength: 1 } },
      required: ['name', 'action', 'reason'],
      additionalProperties: false,
    },
    transform: {
      description: 'The column leaves after its steps, applied in order.',
      type: 'object',
      properties: { name: { $ref: '#/$defs/columnName' }, action: { const: 'transform' }, steps: { $ref: '#/$defs/steps' } },
      required: ['name', 'action', 'steps'],
      additionalProperties: false,
    },
    steps: { description: '1 to 16 steps, applied in order.', type: 'array', minItems: 1, maxItems: 16, items: { $ref: '#/$defs/step' } },
    step: {
      description: 'One column operation: `op` picks it, the other properties are its parameters.',
      $comment: "`discriminator` is OpenAPI's: it lets a validator check only the branch `op` names; one that does not know it ignores it, and oneOf decides alone.",
      type: 'object',
      discriminator: { propertyName: 'op' },
      oneOf: STEP_OPS.map((op) => ({ $ref: `#/$defs/${op}` })),
      required: ['op'],
    },
    ...STEPS,
    trajectory: TRAJECTORY_SCHEMA,
    privacy: PRIVACY_SCHEMA,
  },
} as const;

/** `plan`, checked against PIPELINE_PLAN_SCHEMA and the rules it cannot express; throws DP_ERR_VALIDATION listing every problem. */
export function validatePlan(plan: unknown): PipelinePlan {
  const validate = compiledSchema(PIPELINE_PLAN_SCHEMA);
  const problems = validate(plan) ? semanticProblems(plan as PipelinePlan) : schemaProblems(validate.errors ?? [], { op: STEP_OPS, action: ['keep', 'drop', 'transform'] });
  if (problems.length > 0) {
    throw new DataportError('DP_ERR_VALIDATION', `not a valid pipeline plan: ${problems.join('; ')}`, { errors: problems });
  }
  return plan as PipelinePlan;
}

/** SHA-256 (hex) of the plan's RFC 8785 canonical JSON: the same plan has the same hash whatever its key order. */
export function planHash(plan: PipelinePlan): string {
  return toHex(sha256(canonicalBytes(plan)));
}

/** Whether a column's steps leave nothing of a subject identifier in clear. */
export function hidesIdentity(steps: readonly Step[]): boolean {
  return steps.some((s) => s.op === 'pseudonymize' || s.op === 'redact' || s.op === 'suppress' || s.op === 'formatToken');
}

function semanticProblems(plan: PipelinePlan): string[] {
  const problems: string[] = [];
  const index = new Map<string, number>();
  plan.columns.forEach((c, i) => {
    const first = index.get(c.name);
    if (first === undefined) index.set(c.name, i);
    else problems.push(`/columns/${i}/name: ${JSON.stringify(c.name)} is already used by /columns/${first}`);
  });
  let shifted: string | undefined;
  plan.columns.forEach((c, i) => {
    if (c.action !== 'transform') return;
    problems.push(...columnStepProblems(c.name, c.steps, `/columns/${i}/steps`));
    c.steps.forEach((s, j) => {
      const at = `/columns/${i}/steps/${j}`;
      if (s.op === 'dateShift') shifted ??= at;
      if (s.op !== 'geohash' || s.lonColumn === c.name) return;
      const k = index.get(s.lonColumn);
      const lon = k === undefined ? undefined : plan.columns[k]!;
      if (lon !== undefined && lon.action !== 'drop') {
        problems.push(`${at}/lonColumn: ${JSON.stringify(s.lonColumn)} must be dropped, but /columns/${k} ${lon.action === 'keep' ? 'keeps' : 'transforms'} it`);
      }
    });
  });
  if (plan.trajectory) problems.push(...trajectoryProblems(plan.trajectory, '/trajectory'));
  if (plan.privacy) {
    problems.push(...privacyProblems(plan.privacy, '/privacy'));
    plan.privacy.quasiIdentifiers.forEach((q, i) => {
      const k = index.get(q.column);
      const c = k === undefined ? undefined : plan.columns[k]!;
      if (c?.action !== 'keep') {
        problems.push(`/privacy/quasiIdentifiers/${i}/column: ${JSON.stringify(q.column)} leaves generalised by the privacy model, so its column entry must be keep, but ${c === undefined ? 'the plan does not list it' : `/columns/${k} ${c.action === 'drop' ? 'drops' : 'transforms'} it`}`);
      }
      if (q.column === plan.subjectColumn) problems.push(`/privacy/quasiIdentifiers/${i}/column: ${JSON.stringify(q.column)} is the subject column, which never leaves in clear`);
    });
  }
  if (shifted !== undefined && plan.subjectColumn === undefined) {
    problems.push(`/subjectColumn: is required: ${shifted} (dateShift) shifts dates per subject`);
  }
  if (plan.subjectColumn !== undefined) {
    const k = index.get(plan.subjectColumn);
    const subject = k === undefined ? undefined : plan.columns[k]!;
    if (subject?.action === 'keep' || (subject?.action === 'transform' && !hidesIdentity(subject.steps))) {
      problems.push(
        `/subjectColumn: ${JSON.stringify(plan.subjectColumn)} identifies the data subject and may leave only pseudonymised, redacted, suppressed or not at all, but /columns/${k} ${subject.action === 'keep' ? 'keeps it in clear' : 'transforms it without any of these'}`,
      );
    }
  }
  return problems;
}
