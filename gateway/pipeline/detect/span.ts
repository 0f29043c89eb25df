// What every identifier detector returns, and the token-boundary rule they share.
import type { IdentifierType } from '../../../policies/pipeline/models.js';

/** A detected identifier: `[start, end)` in UTF-16 code units of the scanned string. */
export interface IdentifierSpan {
  type: IdentifierType;
  start: number;
  end: number;
}

export type { IdentifierType } from '../../../policies/pipeline/models.js';

/**
 * Runs a global regular expression over `text` and keeps the matches `accept` validates.
 * The patterns carry their own boundary look-arounds, so a match never starts or ends inside
 * a longer token; validation then rejects look-alikes (wrong check character, bad date).
 */
export function scan(text: string, pattern: RegExp, type: IdentifierType, accept: (match: string) => boolean): IdentifierSpan[] {
  const spans: IdentifierSpan[] = [];
  for (const m of text.matchAll(pattern)) {
    if (accept(m[0])) spans.push({ type, start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

/** Drops the separators (space, '-', '·', '•') that people put inside identifiers. */
export function compact(s: string): string {
  return s.replace(/[\s\-·•]/g, '');
}
