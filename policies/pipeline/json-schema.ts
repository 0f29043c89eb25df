// ajv for the pipeline's schemas (draft 2020-12), and its errors made to read as
// "<JSON Pointer of the value>: <what is wrong>".
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

type Schema = { readonly $id: string };

// Compiling is the costly part, so one instance holds every schema once compiled. Sharing it is
// safe: a compiled function keeps nothing between calls (its `errors` are read before returning).
let ajv: Ajv2020 | undefined;

/** The validator of `schema`, compiled on first use; `dependencies` are the schemas it `$ref`s by `$id`. */
export function compiledSchema(schema: Schema, ...dependencies: Schema[]): ValidateFunction {
  // OpenAPI's `discriminator` makes ajv check only the `oneOf` branch that `op`/`action` names, so an
  // error is reported against that branch instead of against all thirteen.
  ajv ??= new Ajv2020({ allErrors: true, verbose: true, discriminator: true });
  for (const s of [...dependencies, schema]) if (ajv.getSchema(s.$id) === undefined) ajv.addSchema(s);
  return ajv.getSchema(schema.$id)!;
}

/** One line per error; `choices` lists the values of each discriminator tag, for a tag nobody knows. */
export function schemaProblems(errors: readonly ErrorObject[], choices: Readonly<Record<string, readonly string[]>> = {}): string[] {
  // An `anyOf` summarised in one line ("must have at least one of min, max") stands for its branches.
  const summarised = errors.filter((e) => e.keyword === 'anyOf' && requiredChoices(e.schema) !== undefined);
  const branch = (e: ErrorObject): boolean =>
    summarised.some((a) => e.schemaPath.startsWith(`${a.schemaPath}/`) && e.instancePath === a.instancePath);
  const out = new Set<string>();
  for (const e of errors) {
    if (branch(e)) continue;
    const line = formatError(e, choices);
    if (line !== undefined) out.add(line);
  }
  return [...out];
}

function formatError(e: ErrorObject, choices: Readonly<Record<string, readonly string[]>>): string | undefined {
  const at = e.instancePath === '' ? '(root)' : e.instancePath;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${pointer(e.instancePath, String(params['missingProperty']))}: is required`;
    case 'additionalProperties':
      return `${pointer(e.instancePath, String(params['additionalProperty']))}: is not allowed here`;
    case 'const':
      return `${at}: must be ${JSON.stringify(params['allowedValue'])}`;
    case 'enum':
      return `${at}: must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'discriminator': {
      const tag = String(params['tag']);
      // A missing tag is already reported by `required`.
      if (params['tagValue'] === undefined) return undefined;
      const known = choices[tag];
      const allowed = known === undefined ? 'a known value' : `one of ${known.map((v) => JSON.stringify(v)).join(', ')}`;
      return `${pointer(e.instancePath, tag)}: must be ${allowed}, not ${JSON.stringify(params['tagValue'])}`;
    }
    case 'anyOf': {
      const names = requiredChoices(e.schema);
      if (names !== undefined) return `${at}: must have at least one of ${names.join(', ')}`;
      return `${at}: ${e.message ?? 'must match a schema in anyOf'}`;
    }
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/** The property names if every branch is exactly `{ required: [name] }` (topBottomCode's min/max). */
function requiredChoices(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const names: string[] = [];
  for (const b of branches as unknown[]) {
    const required = (b as { required?: unknown } | null)?.required;
    if (!Array.isArray(required) || required.length !== 1 || typeof required[0] !== 'string') return undefined;
    names.push(required[0]);
  }
  return names;
}

/** JSON Pointer of `name` under `parent` (RFC 6901 section 3 escaping). */
export function pointer(parent: string, ...names: (string | number)[]): string {
  return names.reduce<string>((p, n) => `${p}/${String(n).replaceAll('~', '~0').replaceAll('/', '~1')}`, parent);
}
