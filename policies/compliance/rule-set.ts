// A rule set is data: rules.json, automotive-important.json and one file per negative list, each
// checked against rules.schema.json and the rules a schema cannot express. rulesHash names a rule
// set in every decision the gateway records, with its version.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../crypto/bytes.js';
import { DataportError } from '../../crypto/errors.js';
import { canonicalBytes } from '../../crypto/jcs.js';
import { compiledSchema, schemaProblems } from '../pipeline/json-schema.js';
import { dayNumber } from './dates.js';
import schema from './rules.schema.json' with { type: 'json' };
import type { AutomotiveRules, NationalRules, NegativeList, RuleSet } from './types.js';

export const RULES_FILE = 'rules.json';
export const AUTOMOTIVE_FILE = 'automotive-important.json';
export const NEGATIVE_LISTS_DIR = 'negative-lists';

type FileKind = 'rules' | 'automotive' | 'negativeList';

/** One schema per kind of file, each a reference into rules.schema.json's $defs. */
const part = (kind: FileKind) => ({ $id: `https://w3id.org/dataport/v1/compliance-rule-file-${kind}.schema.json`, $ref: `${schema.$id}#/$defs/${kind}` });
const SCHEMAS = { rules: part('rules'), automotive: part('automotive'), negativeList: part('negativeList') };

/** The rule set made of these files' contents; throws DP_ERR_VALIDATION naming the file and every problem. */
export function checkedRuleSet(national: unknown, automotive: unknown, lists: ReadonlyMap<string, unknown>): RuleSet {
  check(RULES_FILE, fileProblems('rules', national));
  check(AUTOMOTIVE_FILE, fileProblems('automotive', automotive));
  for (const [file, list] of lists) {
    const problems = fileProblems('negativeList', list);
    const id = (list as { id?: unknown } | null)?.id;
    if (problems.length === 0 && `${String(id)}.json` !== file) problems.push(`/id: ${JSON.stringify(id)} must name the file, ${file}`);
    check(`${NEGATIVE_LISTS_DIR}/${file}`, problems);
  }
  return ruleSet(national as NationalRules, automotive as AutomotiveRules, [...lists.values()] as NegativeList[]);
}

/** The rule set of files already checked (the shipped ones: see the test that checks them). */
export function ruleSet(national: NationalRules, automotive: AutomotiveRules, lists: NegativeList[]): RuleSet {
  const negativeLists = [...lists].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return deepFreeze({ version: national.version, national, automotive, negativeLists });
}

/** SHA-256 of the rule set's canonical JSON (RFC 8785), hex: with `version`, what a decision names it by. */
export function rulesHash(rules: RuleSet): string {
  const { version, national, automotive, negativeLists } = rules;
  return toHex(sha256(canonicalBytes({ version, national, automotive, negativeLists })));
}

/** Problems of one file's content, "<JSON Pointer>: <what is wrong>"; empty when it is valid. */
function fileProblems(kind: FileKind, value: unknown): string[] {
  const validate = compiledSchema(SCHEMAS[kind], schema);
  if (!validate(value)) return schemaProblems(validate.errors ?? []);
  if (kind === 'rules') return thresholdProblems(value as NationalRules);
  if (kind === 'negativeList') return listProblems(value as NegativeList);
  return [];
}

function check(file: string, problems: string[]): void {
  if (problems.length > 0) throw new DataportError('DP_ERR_VALIDATION', `rule file ${file}: ${problems.join('; ')}`, { file, problems });
}

function thresholdProblems(rules: NationalRules): string[] {
  return (['nonSensitive', 'sensitive'] as const).flatMap((kind) => {
    const { contract, assessment } = rules.thresholds[kind];
    return contract < assessment ? [] : [`/thresholds/${kind}: contract ${contract} must be below assessment ${assessment}`];
  });
}

function listProblems(list: NegativeList): string[] {
  const problems: string[] = [];
  if (dayNumber(list.issuedOn) === undefined) problems.push(`/issuedOn: ${list.issuedOn} is not a calendar date`);
  const sectors = list.covers.map((c) => c.sector);
  sectors.forEach((s, i) => {
    if (sectors.indexOf(s) !== i) problems.push(`/covers/${i}/sector: ${s} is covered twice`);
  });
  const ids = new Set<string>();
  list.entries.forEach((e, i) => {
    if (ids.has(e.id)) problems.push(`/entries/${i}/id: ${e.id} is not unique`);
    ids.add(e.id);
    // An entry outside what the list covers would never apply: a typo, said so.
    const covers = e.sector === '*' ? list.covers : list.covers.filter((c) => c.sector === e.sector || c.sector === '*');
    if (covers.length === 0) problems.push(`/entries/${i}/sector: ${e.sector} is not a sector the list covers`);
    else if (e.scenario !== undefined && !covers.some((c) => c.scenarios === undefined || c.scenarios.includes(e.scenario!))) {
      problems.push(`/entries/${i}/scenario: ${e.scenario} is not a scenario the list covers in ${e.sector}`);
    }
  });
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
