// JSON-LD as DSP writes ODRL, read without a JSON-LD processor: keys may be compact ('permission'),
// prefixed ('odrl:permission') or full IRIs; a list may be one bare value or an {"@list"}; a
// reference may be a string or {"@id"}. Structural mistakes throw here, with the JSON path.
import { DataportError } from '../../crypto/errors.js';
import { isObject } from './json.js';
import { termName } from './vocabulary.js';

/** The one error parsePolicy throws (400): the JSON path and what is wrong there. */
export function invalid(path: string, why: string): DataportError {
  return new DataportError('DP_ERR_POLICY_INVALID', `${path}: ${why}`, { path });
}

/** An object's properties by model name. Two spellings of one term are an error, not a silent choice. */
export function properties(obj: Record<string, unknown>, path: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [raw, value] of Object.entries(obj)) {
    const name = termName(raw);
    if (out.has(name)) throw invalid(path, `'${raw}' repeats the property '${name}'`);
    out.set(name, value);
  }
  return out;
}

/** JSON-LD @set / @list containers: a single value is a list of one. */
export function list(value: unknown, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value['@list'])) return value['@list'];
  if (value === undefined || value === null) throw invalid(path, 'expected a list');
  return [value];
}

/** An IRI or term, written "x" or {"@id": "x"}. */
export function idOf(value: unknown, path: string): string {
  const id = isObject(value) ? value['@id'] : value;
  if (typeof id !== 'string' || id === '') throw invalid(path, 'expected an IRI or term: a non-empty string or {"@id": ...}');
  return id;
}

export function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(path, 'expected a non-empty string');
  return value;
}

/**
 * Properties the caller did not consume. Other vocabularies' terms (prefixed or IRIs, e.g. dct:title)
 * are metadata and pass; a bare or ODRL term the engine does not know is a problem, never ignored.
 * dataport terms are returned for the caller to decide.
 */
export function leftovers(props: Map<string, unknown>, known: readonly string[], problems: string[]): Map<string, unknown> {
  const dataport = new Map<string, unknown>();
  for (const [name, value] of props) {
    if (known.includes(name) || name === '@context' || name === '@id' || name === '@type' || name === 'uid') continue;
    if (name.startsWith('dataport:')) dataport.set(name, value);
    else if (name.startsWith('@') || !name.includes(':')) problems.push(`property '${name}' is not understood`);
  }
  return dataport;
}
