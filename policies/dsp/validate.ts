// Checks DSP 2025-1 messages against the official JSON Schemas (draft 2019-09), as the spec's
// "Schemas & Contexts" section makes them normative for every message.
import { Ajv2019, type ValidateFunction } from 'ajv/dist/2019.js';
import ajvFormats from 'ajv-formats';
import { DataportError } from '../../crypto/errors.js';
import { DSP_SCHEMA_BASE, DSP_SCHEMA_FILES, DSP_SCHEMA_REFS, withDefinitionRefsFixed } from './schemas.js';
import { formatSchemaErrors } from './schema-errors.js';
import type { DspMessages, DspMessageType } from './types.js';

export type DspValidationResult = { ok: true } | { ok: false; errors: string[] };

/** One ajv instance with every DSP schema registered; validators are compiled on first use per type. */
export interface DspValidator {
  validate(type: DspMessageType, message: unknown): DspValidationResult;
  /** Throws DataportError DP_ERR_VALIDATION, its `details` being `{ type, errors }`. */
  assert<T extends DspMessageType>(type: T, message: unknown): asserts message is DspMessages[T];
}

export function createDspValidator(): DspValidator {
  const ajv = new Ajv2019({
    allErrors: true, // report every field that is off, not only the first
    verbose: true, // errors carry their schema and data, which formatSchemaErrors reads
    // The upstream schemas leave `type` out of many `allOf` branches and put `items` beside
    // `type: "string"` (context-schema.json), which ajv's strict type checks would log on every
    // compile; the other strict checks (unknown keywords, ...) stay on.
    strictTypes: false,
  });
  // The `.default` works both ways: TypeScript sees the module namespace, Node the CommonJS
  // export, which ajv-formats makes its own `default` too.
  ajvFormats.default(ajv);
  // Every schema before compiling any: they `$ref` each other by `$id`.
  for (const { schema } of DSP_SCHEMA_FILES) ajv.addSchema(withDefinitionRefsFixed(schema));

  const compiled = new Map<DspMessageType, ValidateFunction>();
  function validatorFor(type: DspMessageType): ValidateFunction {
    let fn = compiled.get(type);
    if (fn !== undefined) return fn;
    const ref = (DSP_SCHEMA_REFS as Record<string, string | undefined>)[type];
    if (ref === undefined) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `unknown DSP message type ${JSON.stringify(type)}`);
    fn = ajv.getSchema(DSP_SCHEMA_BASE + ref);
    if (fn === undefined) throw new DataportError('DP_ERR_INTERNAL', `no DSP schema registered as ${DSP_SCHEMA_BASE + ref}`);
    compiled.set(type, fn);
    return fn;
  }

  function validate(type: DspMessageType, message: unknown): DspValidationResult {
    const fn = validatorFor(type);
    if (fn(message)) return { ok: true };
    return { ok: false, errors: formatSchemaErrors(fn.errors ?? []) };
  }

  return {
    validate,
    assert<T extends DspMessageType>(type: T, message: unknown): asserts message is DspMessages[T] {
      const result = validate(type, message);
      if (!result.ok) {
        throw new DataportError('DP_ERR_VALIDATION', `not a valid ${type}: ${result.errors.join('; ')}`, {
          type,
          errors: result.errors,
        });
      }
    },
  };
}

// The one validator of the process, built on first use: compiling is the costly part. Sharing it
// is safe: a compiled function keeps nothing between calls (its `errors` are read before returning).
let shared: DspValidator | undefined;
function sharedValidator(): DspValidator {
  shared ??= createDspValidator();
  return shared;
}

/** Checks `message` against the DSP 2025-1 schema of `type`; errors name the JSON Pointer of each field. */
export function validateDspMessage(type: DspMessageType, message: unknown): DspValidationResult {
  return sharedValidator().validate(type, message);
}

/** Like validateDspMessage, but throws DataportError DP_ERR_VALIDATION listing every error. */
export function assertDspMessage<T extends DspMessageType>(type: T, message: unknown): asserts message is DspMessages[T] {
  const validator: DspValidator = sharedValidator();
  validator.assert(type, message);
}
