// The rules on a column's steps that a JSON Schema cannot express: parameters that must agree with
// each other, and steps that make no sense after one another.
import type { Step, StepOp } from './plan.js';

type Value = 'number' | 'time' | 'text';

/** What a step needs as input ('any': whatever the previous step yields). */
const READS: Readonly<Record<StepOp, Value | 'any'>> = {
  pseudonymize: 'any', dateShift: 'time', truncateDate: 'time', bucketTime: 'time', hierarchy: 'any', interval: 'number',
  topBottomCode: 'number', grid: 'number', geohash: 'number', mask: 'any', redact: 'any', suppress: 'any', laplace: 'number',
  scrubText: 'text', formatToken: 'text',
};

/** What a step yields: an interval, a hierarchy level, a geohash or a masked value is text, not a number. */
const YIELDS: Readonly<Record<StepOp, Value>> = {
  pseudonymize: 'text', dateShift: 'time', truncateDate: 'time', bucketTime: 'time', hierarchy: 'text', interval: 'text',
  topBottomCode: 'number', grid: 'number', geohash: 'text', mask: 'text', redact: 'text', suppress: 'text', laplace: 'number',
  scrubText: 'text', formatToken: 'text',
};

const NAME: Readonly<Record<Value, string>> = { number: 'a number', time: 'a date or time', text: 'text' };

/**
 * Problems with one column's steps, each prefixed by its JSON Pointer (`at` points to the steps).
 * `column` is the column they apply to, where known (a per-role rule applies to several).
 */
export function columnStepProblems(column: string | undefined, steps: readonly Step[], at: string): string[] {
  const problems = steps.flatMap((s, j) => parameterProblems(column, s, `${at}/${j}`));
  const order = orderProblem(steps, at);
  if (order !== undefined) problems.push(order);
  return problems;
}

function parameterProblems(column: string | undefined, step: Step, at: string): string[] {
  switch (step.op) {
    case 'topBottomCode':
      if (step.min !== undefined && step.max !== undefined && !(step.min < step.max)) {
        return [`${at}: min ${step.min} must be below max ${step.max}`];
      }
      return [];
    case 'geohash':
      if (column !== undefined && step.lonColumn === column) {
        return [`${at}/lonColumn: must name the longitude column, not the latitude column ${JSON.stringify(column)} itself`];
      }
      return [];
    case 'hierarchy':
      return hierarchyProblems(step.levels, step.level, at);
    default:
      return [];
  }
}

// ARX hierarchies are tables: row r is [value, level 1, ..., level n] and every row has n + 1 entries.
function hierarchyProblems(levels: readonly (readonly string[])[], level: number, at: string): string[] {
  const problems: string[] = [];
  const width = levels[0]!.length;
  const rowOf = new Map<string, number>();
  levels.forEach((row, r) => {
    if (row.length !== width) problems.push(`${at}/levels/${r}: has ${row.length} entries, but /levels/0 has ${width}`);
    const first = rowOf.get(row[0]!);
    if (first === undefined) rowOf.set(row[0]!, r);
    else problems.push(`${at}/levels/${r}/0: ${JSON.stringify(row[0])} already has a row (/levels/${first})`);
  });
  if (level > width - 1) problems.push(`${at}/level: ${level} is beyond the hierarchy's ${width - 1} level${width === 2 ? '' : 's'}`);
  return problems;
}

// The first step out of order, if any: one message says what is wrong with the sequence.
function orderProblem(steps: readonly Step[], at: string): string | undefined {
  for (let j = 0; j < steps.length; j++) {
    const step = steps[j]!;
    const here = `${at}/${j}`;
    if ((step.op === 'suppress' || step.op === 'redact') && steps.length > 1) {
      return `${here}: ${step.op} must be the only step of its column: it replaces every value, so any other step is for nothing`;
    }
    const prev = steps[j - 1];
    if (prev === undefined) continue;
    const before = `${prev.op} (${at}/${j - 1})`;
    if (prev.op === 'pseudonymize') return `${here}: nothing may follow ${before}: a pseudonym is final (shorten it with its length)`;
    if (step.op === prev.op) return `${here}: ${step.op} twice in a row`;
    if (step.op === 'dateShift') return `${here}: dateShift must be the first step: it shifts the original date (truncate or bucket after it, not before)`;
    if (step.op === 'geohash') return `${here}: geohash must be the first step: it encodes the original latitude with the original longitude`;
    const reads = READS[step.op];
    if (reads !== 'any' && YIELDS[prev.op] !== reads) return `${here}: ${step.op} needs ${NAME[reads]}, but ${before} yields ${NAME[YIELDS[prev.op]]}`;
  }
  return undefined;
}
