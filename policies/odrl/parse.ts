// parsePolicy(): an ODRL policy as DSP 2025-1 carries it (contract-schema.json: Offer, Agreement;
// ODRL 2.2 Set) into the engine's model, once, so evaluation works on clean data.
import { isObject, copyJson, type JsonObject } from './json.js';
import type { Action, DutyRule, Permission, Policy, PolicyType, Rule } from './model.js';
import { parseConstraints, type ConstraintRole } from './parse-constraint.js';
import { idOf, invalid, leftovers, list, optionalString, properties } from './syntax.js';
import { ACTIONS, DUTY_ACTIONS, isAction, PERMISSION_EXTENSIONS, termName } from './vocabulary.js';
import { parseDateTime } from './xsd.js';

/** Profiles whose semantics this engine implements. ODRL 2.2 2.2: a policy under a profile the processor does not understand must not be processed. */
export const UNDERSTOOD_PROFILES: readonly string[] = Object.freeze(['https://w3id.org/dataport/v1#odrl']);

const POLICY_TYPES: Readonly<Record<string, PolicyType>> = Object.freeze({ Offer: 'Offer', Agreement: 'Agreement', Set: 'Set', Policy: 'Set' });

/**
 * Parses and validates a policy. Throws DataportError DP_ERR_POLICY_INVALID, naming the JSON path, for
 * what is not an ODRL policy at all; records as `problems` what is well-formed but not enforceable
 * here (unknown action, operand, operator, unparseable value): those make every decision a denial.
 */
export function parsePolicy(json: unknown): Policy {
  if (!isObject(json)) throw invalid('$', 'a policy is a JSON object');
  const props = properties(json, '$');
  const problems: string[] = [];

  const rawType = props.get('@type');
  const typeName = termName(Array.isArray(rawType) && rawType.length === 1 ? idOf(rawType[0], '$["@type"]') : rawType === undefined ? 'Set' : idOf(rawType, '$["@type"]'));
  const type = Object.hasOwn(POLICY_TYPES, typeName) ? POLICY_TYPES[typeName] : undefined;
  if (type === undefined) throw invalid('$["@type"]', `a policy is an Offer, Agreement or Set, not ${typeName}`);

  const id = optionalString(props.get('@id') ?? props.get('uid'), '$["@id"]');
  const profile = props.has('profile') ? list(props.get('profile'), '$.profile').map((p, i) => idOf(p, `$.profile[${i}]`)) : [];
  for (const p of profile) if (!UNDERSTOOD_PROFILES.includes(p)) problems.push(`profile '${p}' is not understood, and ODRL 2.2 forbids processing a policy under a profile one does not understand`);
  const timestamp = optionalString(props.get('timestamp'), '$.timestamp');
  if (timestamp !== undefined) {
    const t = parseDateTime(timestamp);
    if (!t.ok) throw invalid('$.timestamp', t.why);
  }
  if (props.has('conflict') && termName(idOf(props.get('conflict'), '$.conflict')) !== 'prohibit') {
    problems.push(`conflict strategy '${termName(idOf(props.get('conflict'), '$.conflict'))}' is not supported; prohibitions always override permissions`);
  }

  const target = party(props.get('target'), '$.target', problems);
  const assigner = party(props.get('assigner'), '$.assigner', problems);
  const assignee = party(props.get('assignee'), '$.assignee', problems);
  if (type === 'Agreement') {
    // DSP 2025-1 contract-schema.json, Agreement: target, assignee and assigner are required.
    for (const [k, v] of [['target', target], ['assigner', assigner], ['assignee', assignee]] as const) {
      if (v === undefined) throw invalid('$', `an Agreement needs ${k}`);
    }
  }

  const rules = <T>(key: string, parse: (r: unknown, path: string) => T): T[] =>
    props.has(key) ? list(props.get(key), `$.${key}`).map((r, i) => parse(r, `$.${key}[${i}]`)) : [];
  const permission = rules('permission', parsePermission);
  const prohibition = rules('prohibition', (r, p) => parseRule(r, p, 'condition').rule);
  const obligation = rules('obligation', parseDuty);
  if (permission.length + prohibition.length + obligation.length === 0) {
    throw invalid('$', 'a policy needs at least one permission, prohibition or obligation (ODRL 2.2 2.1)');
  }
  leftovers(props, ['profile', 'target', 'assigner', 'assignee', 'timestamp', 'conflict', 'permission', 'prohibition', 'obligation'], problems);

  return {
    ...(id !== undefined && { id }),
    type,
    ...(target !== undefined && { target }),
    ...(assigner !== undefined && { assigner }),
    ...(assignee !== undefined && { assignee }),
    ...(timestamp !== undefined && { timestamp }),
    profile,
    permission,
    prohibition,
    obligation,
    problems,
  };
}

const RULE_KEYS = ['action', 'target', 'assignee', 'assigner', 'constraint'];

function parseRule(r: unknown, path: string, role: ConstraintRole, extra: readonly string[] = []): { rule: Rule; props: Map<string, unknown>; dataport: Map<string, unknown> } {
  if (!isObject(r)) throw invalid(path, 'a rule is an object');
  const props = properties(r, path);
  if (!props.has('action')) throw invalid(path, 'a rule needs an action (ODRL 2.2 2.6)');
  const problems: string[] = [];
  const action = parseAction(props.get('action'), `${path}.action`, role, problems);
  const constraint = props.has('constraint') ? parseConstraints(props.get('constraint'), `${path}.constraint`, role) : [];
  const target = party(props.get('target'), `${path}.target`, problems);
  const assignee = party(props.get('assignee'), `${path}.assignee`, problems);
  const assigner = party(props.get('assigner'), `${path}.assigner`, problems);
  const dataport = leftovers(props, [...RULE_KEYS, ...extra], problems);
  const rule: Rule = {
    action,
    ...(target !== undefined && { target }),
    ...(assignee !== undefined && { assignee }),
    ...(assigner !== undefined && { assigner }),
    constraint,
    problems,
  };
  const understood = (k: string) => PERMISSION_EXTENSIONS[action.name]?.includes(k) === true;
  if (role === 'condition') for (const k of dataport.keys()) if (!understood(k)) problems.push(`property '${k}' is not understood on a rule`);
  return { rule, props, dataport };
}

function parsePermission(r: unknown, path: string): Permission {
  const { rule, props } = parseRule(r, path, 'condition', ['duty']);
  const duty = props.has('duty') ? list(props.get('duty'), `${path}.duty`).map((d, i) => parseDuty(d, `${path}.duty[${i}]`)) : [];
  return { ...rule, duty };
}

function parseDuty(r: unknown, path: string): DutyRule {
  const { rule, props, dataport } = parseRule(r, path, 'duty', ['informedParty']);
  const problems = [...rule.problems];
  if (isAction(rule.action.name) && !DUTY_ACTIONS.includes(rule.action.name)) {
    problems.push(`${rule.action.name} is not a duty dataport can carry out (${DUTY_ACTIONS.join(', ')})`);
  }
  const informedParty = party(props.get('informedParty'), `${path}.informedParty`, problems);
  const extensions: JsonObject = {};
  for (const [k, v] of dataport) {
    const c = copyJson(v);
    if (!c.ok) throw invalid(`${path}["${k}"]`, c.why);
    extensions[k] = c.value;
  }
  return { ...rule, problems, ...(informedParty !== undefined && { informedParty }), extensions };
}

/** "use", {"@id": "use"}, {"rdf:value": {"@id": "use"}, "refinement": [...]}, or a list of exactly one of these. */
function parseAction(value: unknown, path: string, role: ConstraintRole, problems: string[]): Action {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw invalid(path, `a rule has exactly one action (ODRL 2.2 2.6), not ${value.length}`);
    return parseAction(value[0], `${path}[0]`, role, problems);
  }
  let name: string;
  let refinement: Action['refinement'] = [];
  if (isObject(value)) {
    const props = properties(value, path);
    const v = props.get('rdf:value') ?? props.get('value') ?? props.get('@id');
    if (v === undefined) throw invalid(path, 'an action object names its action in "@id" or "rdf:value"');
    name = termName(idOf(v, `${path}["rdf:value"]`));
    if (props.has('refinement')) refinement = parseConstraints(props.get('refinement'), `${path}.refinement`, role);
    leftovers(props, ['rdf:value', 'value', 'refinement'], problems);
  } else {
    name = termName(idOf(value, path));
  }
  if (!isAction(name)) problems.push(`unknown action '${name}' (dataport knows ${ACTIONS.join(', ')})`);
  return { name, refinement };
}

/** A party or asset: "iri" or {"@id": "iri"}. A collection narrowed by a refinement is not supported. */
function party(value: unknown, path: string, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  const id = idOf(value, path);
  if (isObject(value)) {
    const extra = Object.keys(value).filter((k) => k !== '@id' && k !== '@type' && !termName(k).includes(':'));
    if (extra.length > 0) problems.push(`${path.slice(path.lastIndexOf('.') + 1)} ${id}: ${extra.join(', ')} not supported (no party or asset collections)`);
  }
  return id;
}
