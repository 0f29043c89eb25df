// Plain JSON values as the policy engine keeps and returns them (traces, normalised policies):
// copied out of the caller's input once, so nothing later can observe the caller's objects change.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of `value` if it is plain JSON (I-JSON numbers), else a message naming what is not. */
export function copyJson(value: unknown, depth = 0): { ok: true; value: JsonValue } | { ok: false; why: string } {
  if (depth > 64) return { ok: false, why: 'nesting is deeper than 64' };
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return { ok: true, value };
    case 'number':
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, why: `the number ${value} is not finite` };
    case 'object': {
      if (value === null) return { ok: true, value: null };
      if (Array.isArray(value)) {
        const out: JsonValue[] = [];
        for (const item of value) {
          const c = copyJson(item, depth + 1);
          if (!c.ok) return c;
          out.push(c.value);
        }
        return { ok: true, value: out };
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return { ok: false, why: 'a non-plain object is not JSON' };
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const c = copyJson(v, depth + 1);
        if (!c.ok) return c;
        // defineProperty, not assignment: a '__proto__' key from JSON.parse stays a plain key.
        Object.defineProperty(out, k, { value: c.value, enumerable: true, writable: true, configurable: true });
      }
      return { ok: true, value: out };
    }
    default:
      return { ok: false, why: `a ${typeof value} has no JSON representation` };
  }
}

/** How a value reads inside a sentence: `DE`, `[DE, FR]`, `5`. */
export function show(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '(not stated)';
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object') {
    if ('@value' in value) return show(value['@value']);
    if ('@id' in value) return show(value['@id']);
    return JSON.stringify(value);
  }
  return String(value);
}
