// From an agreement's anonymize duties and the dataset's field roles to the pipeline plan of a
// transfer. Fail closed (DESIGN.md, "Anonymisation pipeline"): a column leaves only if a rule lets
// it, a direct identifier never leaves in clear, and a specification that is unclear (a column
// not in the dataset, two duties saying different things) is refused rather than guessed at.
import { DataportError } from '../../crypto/errors.js';
import { canonicalize } from '../../crypto/jcs.js';
import { hidesIdentity, validatePlan, type ColumnPlan, type PipelinePlan, type Step } from './plan.js';
import type { PrivacyPlan, TrajectoryPlan } from './models.js';
import { FIELD_ROLES, readSpec, type ColumnRule, type FieldRole, type PipelineSpec } from './spec.js';

/** A column of the dataset schema: the gateway's DatasetField (policies/ may not import gateway/). */
export interface DatasetField {
  name: string;
  /** Arrow type name: utf8, int32, float64, date32, timestamp[ms], ... */
  type: string;
  role: FieldRole;
  category?: string;
}

export interface PlanDerivationInput {
  agreementId: string;
  datasetId: string;
  fields: readonly DatasetField[];
  /** The decision's duties; only `anonymize` ones are read. `origin` ('permission 0 duty 1') names one in errors. */
  duties: readonly { action: string; parameters: Readonly<Record<string, unknown>>; origin?: string }[];
}

/** Why one input column leaves as it does: `rule` is 'columns.<name>', 'roles.<role>' or 'default: drop'. */
export interface PlanDecision {
  column: string;
  /** 'keep', 'drop: <reason>' or 'transform: <step> → <step>'. */
  decision: string;
  rule: string;
}

export interface PlanDerivation {
  plan: PipelinePlan;
  /** One entry per input column, in dataset order. */
  report: PlanDecision[];
}

/** The steps that leave nothing of a direct identifier in clear. */
const DE_IDENTIFYING: ReadonlySet<Step['op']> = new Set(['pseudonymize', 'mask', 'redact', 'suppress', 'formatToken']);

const DEFAULT = 'default: drop';

interface Decision {
  column: ColumnPlan;
  rule: string;
}

/** A rule and the duty it comes from. */
interface Sourced<T> {
  rule: T;
  duty: string;
}

interface MergedSpec {
  columns: Map<string, Sourced<ColumnRule>>;
  roles: Map<FieldRole, Sourced<ColumnRule>>;
  subjectColumn: Sourced<string> | undefined;
  trajectory: Sourced<TrajectoryPlan> | undefined;
  privacy: Sourced<PrivacyPlan> | undefined;
}

export function derivePlan(input: PlanDerivationInput): PlanDerivation {
  const fields = checkedFields(input.fields);
  const anonymize = input.duties.filter((d) => d.action === 'anonymize');
  const decisions = new Map<string, Decision>();
  let subjectColumn: string | undefined;
  let stages: Pick<PipelinePlan, 'trajectory' | 'privacy'> = {};
  if (anonymize.length === 0) {
    for (const f of fields) decisions.set(f.name, { rule: DEFAULT, column: drop(f.name, 'the agreement has no anonymize duty') });
  } else {
    const spec = merge(anonymize.map((d, i) => {
      const duty = d.origin ?? `anonymize duty ${i}`;
      return { duty, spec: readSpec(d.parameters['pipeline'], duty) };
    }));
    checkColumnNames(spec, fields, input.datasetId);
    for (const f of fields) decisions.set(f.name, decide(f, spec));
    foldLongitudes(decisions);
    subjectColumn = subjectOf(spec, fields, decisions);
    keepQuasiIdentifiers(spec, fields, decisions, subjectColumn);
    demandedModel(anonymize, spec.privacy?.rule);
    stages = {
      ...(spec.trajectory && { trajectory: structuredClone(spec.trajectory.rule) }),
      ...(spec.privacy && { privacy: structuredClone(spec.privacy.rule) }),
    };
  }
  const plan: PipelinePlan = {
    version: 1,
    agreementId: input.agreementId,
    datasetId: input.datasetId,
    ...(subjectColumn !== undefined && { subjectColumn }),
    ...stages,
    columns: fields.map((f) => decisions.get(f.name)!.column),
  };
  const report = fields.map((f) => {
    const d = decisions.get(f.name)!;
    return { column: f.name, decision: describe(d.column), rule: d.rule };
  });
  // The rules above make a valid plan; checking it again costs little and keeps a slip from leaking data.
  return { plan: validatePlan(plan), report };
}

function checkedFields(fields: readonly DatasetField[]): readonly DatasetField[] {
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw invalid(`the dataset schema has two columns named ${JSON.stringify(f.name)}`);
    seen.add(f.name);
    if (!FIELD_ROLES.includes(f.role)) {
      throw invalid(`column ${JSON.stringify(f.name)} has the role ${JSON.stringify(f.role)}, not one of ${FIELD_ROLES.join(', ')}`);
    }
  }
  return fields;
}

// Several anonymize duties all apply, so their rules add up; two different rules for the same
// thing cannot both be followed, and picking one would be a guess.
function merge(specs: readonly { duty: string; spec: PipelineSpec }[]): MergedSpec {
  const merged: MergedSpec = { columns: new Map(), roles: new Map(), subjectColumn: undefined, trajectory: undefined, privacy: undefined };
  const agreed = <T>(before: Sourced<T> | undefined, rule: T, duty: string, what: string): Sourced<T> => {
    if (before !== undefined && canonicalize(before.rule) !== canonicalize(rule)) {
      throw invalid(`the anonymize duties conflict on ${what}: ${before.duty} says ${shown(before.rule)}, ${duty} says ${shown(rule)}`);
    }
    return before ?? { rule, duty };
  };
  for (const { duty, spec } of specs) {
    for (const [name, rule] of Object.entries(spec.columns ?? {})) {
      merged.columns.set(name, agreed(merged.columns.get(name), rule, duty, `columns.${name}`));
    }
    for (const [key, rule] of Object.entries(spec.roles ?? {})) {
      const role = key as FieldRole;
      merged.roles.set(role, agreed(merged.roles.get(role), rule, duty, `roles.${role}`));
    }
    if (spec.subjectColumn !== undefined) merged.subjectColumn = agreed(merged.subjectColumn, spec.subjectColumn, duty, 'subjectColumn');
    if (spec.trajectory !== undefined) merged.trajectory = agreed(merged.trajectory, spec.trajectory, duty, 'trajectory');
    if (spec.privacy !== undefined) merged.privacy = agreed(merged.privacy, spec.privacy, duty, 'privacy');
  }
  return merged;
}

function checkColumnNames(spec: MergedSpec, fields: readonly DatasetField[], datasetId: string): void {
  const names = new Set(fields.map((f) => f.name));
  const unknown: string[] = [];
  for (const [name, { rule }] of spec.columns) {
    if (!names.has(name)) unknown.push(`${JSON.stringify(name)} (columns.${name})`);
    if (Array.isArray(rule)) unknown.push(...unknownLongitudes(rule, names, `columns.${name}`));
  }
  for (const [role, { rule }] of spec.roles) if (Array.isArray(rule)) unknown.push(...unknownLongitudes(rule, names, `roles.${role}`));
  const subject = spec.subjectColumn?.rule;
  if (subject !== undefined && !names.has(subject)) unknown.push(`${JSON.stringify(subject)} (subjectColumn)`);
  const t = spec.trajectory?.rule;
  if (t) for (const key of ['vehicleColumn', 'timeColumn', 'latColumn', 'lonColumn'] as const) if (!names.has(t[key])) unknown.push(`${JSON.stringify(t[key])} (trajectory.${key})`);
  const p = spec.privacy?.rule;
  for (const q of p?.quasiIdentifiers ?? []) if (!names.has(q.column)) unknown.push(`${JSON.stringify(q.column)} (privacy.quasiIdentifiers)`);
  for (const a of p?.sensitive ?? []) if (!names.has(a.column)) unknown.push(`${JSON.stringify(a.column)} (privacy.sensitive)`);
  if (unknown.length > 0) {
    throw invalid(`the anonymize duty names columns that dataset ${JSON.stringify(datasetId)} does not have: ${unknown.join(', ')}`, { columns: unknown });
  }
}

function unknownLongitudes(steps: readonly Step[], names: ReadonlySet<string>, rule: string): string[] {
  return steps.flatMap((s) => (s.op === 'geohash' && !names.has(s.lonColumn) ? [`${JSON.stringify(s.lonColumn)} (${rule} geohash lonColumn)`] : []));
}

function decide(f: DatasetField, spec: MergedSpec): Decision {
  const byColumn = spec.columns.get(f.name);
  const byRole = spec.roles.get(f.role);
  const rule = byColumn !== undefined ? `columns.${f.name}` : byRole !== undefined ? `roles.${f.role}` : DEFAULT;
  const given = (byColumn ?? byRole)?.rule;
  if (given === undefined) {
    return { rule, column: drop(f.name, `no rule in the agreement's anonymize duty covers column ${f.name} (role ${f.role})`) };
  }
  if (given === 'drop') return { rule, column: drop(f.name, `the agreement's anonymize duty drops it (${rule})`) };
  const identifier = f.role === 'direct-identifier';
  if (given === 'keep') {
    if (!identifier) return { rule, column: { name: f.name, action: 'keep' } };
    return { rule, column: drop(f.name, `${f.name} is a direct identifier and never leaves in clear (${rule} says keep); it may leave only pseudonymised, masked, redacted or suppressed`) };
  }
  if (identifier && !given.some((s) => DE_IDENTIFYING.has(s.op))) {
    return { rule, column: drop(f.name, `${f.name} is a direct identifier and may leave only pseudonymised, masked, redacted or suppressed, which ${rule} (${given.map((s) => s.op).join(', ')}) does not do`) };
  }
  return { rule, column: { name: f.name, action: 'transform', steps: structuredClone(given) } };
}

// A geohash carries the longitude inside it; the longitude column itself must not leave as well,
// whatever its own rule said.
function foldLongitudes(decisions: Map<string, Decision>): void {
  for (const [name, d] of [...decisions]) {
    if (d.column.action !== 'transform') continue;
    for (const s of d.column.steps) {
      if (s.op !== 'geohash' || decisions.get(s.lonColumn)!.column.action === 'drop') continue;
      decisions.set(s.lonColumn, { rule: d.rule, column: drop(s.lonColumn, `${s.lonColumn} leaves only inside the geohash of ${name} (${d.rule})`) });
    }
  }
}

// The subject column keys dateShift's per-subject offset; like any subject identifier it leaves
// only as a pseudonym (or redacted, suppressed, or not at all).
function subjectOf(spec: MergedSpec, fields: readonly DatasetField[], decisions: Map<string, Decision>): string | undefined {
  let subject = spec.subjectColumn?.rule;
  if (subject === undefined) {
    const shifted = fields.filter((f) => {
      const c = decisions.get(f.name)!.column;
      return c.action === 'transform' && c.steps.some((s) => s.op === 'dateShift');
    });
    if (shifted.length === 0) return undefined;
    const ids = fields.filter((f) => f.role === 'direct-identifier');
    if (ids.length !== 1) {
      const found = ids.length === 0 ? 'no direct identifier' : `${ids.length} direct identifiers (${ids.map((f) => f.name).join(', ')})`;
      throw invalid(`dateShift on ${shifted.map((f) => f.name).join(', ')} needs the column naming the data subject: the anonymize duty gives no subjectColumn, and the dataset has ${found} to take it from`);
    }
    subject = ids[0]!.name;
  }
  const d = decisions.get(subject)!;
  const c = d.column;
  if (c.action === 'keep' || (c.action === 'transform' && !hidesIdentity(c.steps))) {
    const did = c.action === 'keep' ? 'keeps it' : `transforms it with ${c.steps.map((s) => s.op).join(', ')}`;
    decisions.set(subject, { rule: d.rule, column: drop(subject, `${subject} names the data subject (the plan's subjectColumn) and may leave only pseudonymised, redacted or suppressed, but ${d.rule} ${did}`) });
  }
  return subject;
}

// An anonymize duty's kAnonymity / lDiversity constraints (ODRL parameters k and l) are promises
// to the data subjects: the privacy model must deliver at least as much, or there is no plan.
function demandedModel(duties: PlanDerivationInput['duties'], model: PrivacyPlan | undefined): void {
  for (const [i, d] of duties.entries()) {
    const duty = d.origin ?? `anonymize duty ${i}`;
    const k = d.parameters['k'];
    const l = d.parameters['l'];
    if (typeof k === 'number' && k > 1 && !(model && model.k >= k)) {
      throw invalid(`${duty} demands k-anonymity with k >= ${k}, but ${model ? `its privacy model has k ${model.k}` : 'its pipeline has no privacy model'}`);
    }
    if (typeof l === 'number' && l > 1 && !(model?.sensitive ?? []).some((s) => (s.l ?? 0) >= l)) {
      throw invalid(`${duty} demands l-diversity with l >= ${l}, but ${model ? 'no sensitive attribute of its privacy model has such an l' : 'its pipeline has no privacy model'}`);
    }
  }
}

// A quasi-identifier of the privacy model leaves generalised by it, so its column entry is keep:
// by default (no rule) or where a rule says keep. A rule that says otherwise, a direct identifier
// or the subject column is a contradiction in the agreement, refused rather than resolved.
function keepQuasiIdentifiers(spec: MergedSpec, fields: readonly DatasetField[], decisions: Map<string, Decision>, subject: string | undefined): void {
  const p = spec.privacy;
  if (!p) return;
  const role = new Map(fields.map((f) => [f.name, f.role]));
  for (const q of p.rule.quasiIdentifiers) {
    const d = decisions.get(q.column)!;
    if (role.get(q.column) === 'direct-identifier' || q.column === subject) {
      throw invalid(`${q.column} is a ${q.column === subject ? 'subject column' : 'direct identifier'} and cannot be a quasi-identifier of the privacy model (${p.duty}): it never leaves in clear`);
    }
    if (d.rule === DEFAULT) decisions.set(q.column, { rule: `privacy.quasiIdentifiers (${p.duty})`, column: { name: q.column, action: 'keep' } });
    else if (d.column.action !== 'keep') {
      throw invalid(`${q.column} is a quasi-identifier of the privacy model (${p.duty}), which generalises it, but ${d.rule} says ${describe(d.column)}`);
    }
  }
}

function drop(name: string, reason: string): ColumnPlan {
  return { name, action: 'drop', reason };
}

function describe(c: ColumnPlan): string {
  if (c.action === 'keep') return 'keep';
  if (c.action === 'drop') return `drop: ${c.reason}`;
  return `transform: ${c.steps.map(describeStep).join(' → ')}`;
}

/** 'interval(width=5)', 'geohash(precision=6, lonColumn="longitude")', 'hierarchy(level=1, 3 rows)'. */
function describeStep(s: Step): string {
  const params = Object.entries(s)
    .filter(([k]) => k !== 'op')
    .map(([k, v]) => (k === 'levels' ? `${(v as unknown[]).length} rows` : `${k}=${JSON.stringify(v)}`));
  return params.length === 0 ? s.op : `${s.op}(${params.join(', ')})`;
}

function shown(rule: unknown): string {
  const json = canonicalize(rule);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function invalid(detail: string, details?: unknown): DataportError {
  return new DataportError('DP_ERR_VALIDATION', detail, details);
}
