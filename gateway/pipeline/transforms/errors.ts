// The errors a plan can raise when it is checked against a batch schema, made in one place so the
// codes change here alone. The gateway's errors.ts has no schema-mismatch code yet; until it does,
// a missing column is DP_ERR_VALIDATION with `details.reason` 'DP_ERR_SCHEMA_MISMATCH'.
import { DataportError, quoteUntrusted } from '../../../crypto/errors.js';

/** A step whose parameters, or whose column's type, cannot work: `where` is e.g. 'interval on "AGE"'. */
export function invalidStep(where: string, problem: string): DataportError {
  return new DataportError('DP_ERR_VALIDATION', `${where}: ${problem}`);
}

/** A column the plan needs is not in the input. */
export function schemaMismatch(column: string, neededBy: string): DataportError {
  return new DataportError('DP_ERR_VALIDATION', `column ${quoteUntrusted(column)} (${neededBy}) is not in the input schema`, {
    reason: 'DP_ERR_SCHEMA_MISMATCH',
    column,
  });
}

/** The prefix of a step's error messages. */
export const stepWhere = (op: string, column: string): string => `${op} on ${quoteUntrusted(column)}`;

export const quote = quoteUntrusted;
