// The column transforms of the anonymisation pipeline, one per plan `op`, and the one switch
// that turns a plan step into its kernel (checked against the column's type on the way).
import type { DataType } from 'apache-arrow';
import { BucketTime } from './bucket-time.js';
import { DateShift } from './date-shift.js';
import { invalidStep, quote, stepWhere } from './errors.js';
import { FormatToken } from './format-token.js';
import { Geohash } from './geohash.js';
import { Grid } from './grid.js';
import { Hierarchy } from './hierarchy.js';
import { Interval } from './interval.js';
import { Laplace } from './laplace.js';
import { Mask } from './mask.js';
import { Pseudonymize } from './pseudonymize.js';
import { Redact } from './redact.js';
import { ScrubText } from './scrub-text.js';
import { Suppress } from './suppress.js';
import { TopBottomCode } from './top-bottom-code.js';
import { TruncateDate } from './truncate-date.js';
import type { Step, StepContext, StepKernel } from './types.js';

/** The kernel of `step` for a column of `inputType`; throws DP_ERR_VALIDATION if they do not fit. */
export function compileStep(step: Step, ctx: StepContext, inputType: DataType): StepKernel {
  switch (step.op) {
    case 'pseudonymize': return new Pseudonymize(step, ctx, inputType);
    case 'dateShift': return new DateShift(step, ctx, inputType);
    case 'truncateDate': return new TruncateDate(step, ctx, inputType);
    case 'bucketTime': return new BucketTime(step, ctx, inputType);
    case 'hierarchy': return new Hierarchy(step, ctx, inputType);
    case 'interval': return new Interval(step, ctx, inputType);
    case 'topBottomCode': return new TopBottomCode(step, ctx, inputType);
    case 'grid': return new Grid(step, ctx, inputType);
    case 'geohash': return new Geohash(step, ctx, inputType);
    case 'mask': return new Mask(step, ctx, inputType);
    case 'redact': return new Redact(step, ctx, inputType);
    case 'suppress': return new Suppress(step, ctx, inputType);
    case 'laplace': return new Laplace(step, ctx, inputType);
    case 'scrubText': return new ScrubText(step, ctx, inputType);
    case 'formatToken': return new FormatToken(step, ctx, inputType);
    default: {
      // A plan from an untrusted or newer source: an op this gateway does not know fails closed.
      const op = (step as { op?: unknown }).op;
      throw invalidStep(stepWhere(String(op), ctx.column), `unknown op ${quote(String(op))}`);
    }
  }
}

export { BucketTime, DateShift, FormatToken, Geohash, Grid, Hierarchy, Interval, Laplace, Mask, Pseudonymize, Redact, ScrubText, Suppress, TopBottomCode, TruncateDate };
export { TokenCache } from './token-cache.js';
export { keyedHash, DEFAULT_HMAC_BACKEND, type HmacBackend, type KeyedHash } from './keyed-hash.js';
export { encode as geohashEncode } from './geohash.js';
export type * from './types.js';
