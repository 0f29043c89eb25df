// ajv's errors (allErrors + verbose), made to read as "<JSON Pointer of the field>: <what is wrong>",
// with the noise of failed `oneOf`/`anyOf` branches taken out.
import type { ErrorObject } from 'ajv/dist/2019.js';

const LOGICAL_KEYS = ['and', 'andSequence', 'or', 'xone'];
const ATOMIC_KEYS = ['leftOperand', 'operator', 'rightOperand'];

export function formatSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const dropped = new Set<ErrorObject>();
  for (const e of errors) {
    // A compound keyword summarised in the schema's own terms (see `summary`) stands for its
    // branches. Schema paths restart in every separately compiled `$ref`, so a branch error is
    // recognised by its schema path *and* its instance path.
    if (summary(e) !== undefined) {
      for (const b of errors) {
        if (b.schemaPath.startsWith(e.schemaPath + '/') && b.instancePath.startsWith(e.instancePath)) dropped.add(b);
      }
    }
    // A one-branch `anyOf` (Catalog's "no hasPolicy") fails exactly when its branch does.
    if ((e.keyword === 'anyOf' || e.keyword === 'oneOf') && Array.isArray(e.schema) && e.schema.length === 1) dropped.add(e);
    // `required` holds for any non-object, so `not: { required }` and a choice of `required`s
    // misfire on one; the `type` error beside them already says what is wrong.
    if ((e.keyword === 'not' || requiredChoices(e.schema) !== undefined) && !isObject(e.data)) dropped.add(e);
    if (isConstraintChoice(e)) for (const b of constraintBranchNoise(e, errors)) dropped.add(b);
  }
  const out = new Set<string>();
  for (const e of errors) if (!dropped.has(e)) out.add(summary(e) ?? formatError(e));
  return [...out];
}

/** One line for a compound keyword whose branches are simple enough to name. */
function summary(e: ErrorObject): string | undefined {
  const at = where(e.instancePath);
  if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
    const several = e.keyword === 'oneOf' && Array.isArray((e.params as { passingSchemas?: unknown }).passingSchemas);
    const choices = requiredChoices(e.schema);
    if (choices !== undefined) {
      if (several) return `${at}: must have only one of ${choices.join(', ')}, not several`;
      return `${at}: must have ${e.keyword === 'oneOf' ? 'exactly' : 'at least'} one of ${choices.join(', ')}`;
    }
    const types = typeChoices(e.schema);
    if (types !== undefined) return `${at}: must be ${types.slice(0, -1).join(', ')} or ${types.at(-1)!}`;
    if (isConstraintChoice(e) && several) {
      return `${at}: must be a logical constraint (${LOGICAL_KEYS.join(', ')}) or an atomic one (${ATOMIC_KEYS.join(', ')}), not both`;
    }
  }
  if (e.keyword === 'contains') {
    const schema = e.schema as { const?: unknown } | undefined;
    if (isObject(schema) && 'const' in schema) return `${at}: must contain ${JSON.stringify(schema.const)}`;
  }
  return undefined;
}

function formatError(e: ErrorObject): string {
  const at = where(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${child(e.instancePath, String(params['missingProperty']))}: is required`;
    case 'const':
      return `${at}: must be ${JSON.stringify(params['allowedValue'])}`;
    case 'enum':
      return `${at}: must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'not': {
      const names = requiredNames(e.schema);
      if (names?.length === 1) return `${child(e.instancePath, names[0]!)}: must not be present`;
      break;
    }
  }
  return `${at}: ${e.message ?? e.keyword}`;
}

/**
 * contract-schema.json's Constraint is `oneOf: [LogicalConstraint, AtomicConstraint]`, so a broken
 * constraint fails both and ajv reports both. Keep the errors of the kind the value means to be
 * (logical when it has and/andSequence/or/xone, atomic otherwise) and drop the other kind's and the
 * bare "must match exactly one schema in oneOf".
 */
function constraintBranchNoise(choice: ErrorObject, errors: readonly ErrorObject[]): ErrorObject[] {
  const at = choice.instancePath;
  const logical = isObject(choice.data) && LOGICAL_KEYS.some((k) => k in (choice.data as object));
  const noise: ErrorObject[] = [];
  if (!Array.isArray((choice.params as { passingSchemas?: unknown }).passingSchemas)) noise.push(choice);
  for (const e of errors) {
    if (logical) {
      const missing = (e.params as { missingProperty?: unknown }).missingProperty;
      const atomicField = ATOMIC_KEYS.some((k) => e.instancePath === child(at, k) || e.instancePath.startsWith(child(at, k) + '/'));
      if ((e.instancePath === at && e.keyword === 'required' && ATOMIC_KEYS.includes(String(missing))) || atomicField) noise.push(e);
    } else if (e.instancePath === at && e.keyword === 'oneOf' && requiredChoices(e.schema)?.join() === LOGICAL_KEYS.join()) {
      noise.push(e);
    }
  }
  return noise;
}

function isConstraintChoice(e: ErrorObject): boolean {
  if (e.keyword !== 'oneOf' || !Array.isArray(e.schema) || e.schema.length !== 2) return false;
  const [first, second] = e.schema as unknown[];
  return refEndsWith(first, '/LogicalConstraint') && refEndsWith(second, '/AtomicConstraint');
}

function refEndsWith(schema: unknown, suffix: string): boolean {
  return isObject(schema) && typeof schema['$ref'] === 'string' && schema['$ref'].endsWith(suffix);
}

/** The property names if every branch of a `oneOf`/`anyOf` is exactly `{ required: [name] }`. */
function requiredChoices(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches) || branches.length < 2) return undefined;
  const names: string[] = [];
  for (const branch of branches) {
    const required = requiredNames(branch);
    if (required?.length !== 1 || Object.keys(branch as object).length !== 1) return undefined;
    names.push(required[0]!);
  }
  return names;
}

/** The types if every branch of a `oneOf`/`anyOf` is exactly `{ type: name }`. */
function typeChoices(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches) || branches.length < 2) return undefined;
  const types: string[] = [];
  for (const branch of branches) {
    if (!isObject(branch) || Object.keys(branch).length !== 1 || typeof branch['type'] !== 'string') return undefined;
    types.push(branch['type']);
  }
  return types;
}

function requiredNames(schema: unknown): string[] | undefined {
  if (!isObject(schema)) return undefined;
  const required = schema['required'];
  return Array.isArray(required) && required.every((n) => typeof n === 'string') ? required : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function where(instancePath: string): string {
  return instancePath === '' ? '(root)' : instancePath;
}

/** JSON Pointer of a property under `parent` (RFC 6901 section 3 escaping). */
function child(parent: string, name: string): string {
  return `${parent}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
