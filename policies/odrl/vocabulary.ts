// The ODRL vocabulary dataport understands, and nothing more: every other action, left operand or
// operator makes a decision fail closed. Terms are named once, at parse time, by their compact
// ODRL name ('purpose'), whether written 'purpose', 'odrl:purpose' or the full IRI; dataport's own
// terms are named 'dataport:<local>' and written as IRIs in DATAPORT_NS.

export const ODRL_NS = 'http://www.w3.org/ns/odrl/2/';
/** dataport's extension namespace (the same one the DSP extension terms use). */
export const DATAPORT_NS = 'https://w3id.org/dataport/v1#';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema#';
const RDF_VALUE_IRI = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#value';

/** The model's name for a term: 'odrl:x' and ODRL IRIs become 'x', dataport IRIs 'dataport:x'; others stay as written. */
export function termName(raw: string): string {
  if (raw.startsWith(ODRL_NS)) return raw.slice(ODRL_NS.length);
  if (raw.startsWith('odrl:')) return raw.slice('odrl:'.length);
  if (raw.startsWith(DATAPORT_NS)) return `dataport:${raw.slice(DATAPORT_NS.length)}`;
  if (raw === RDF_VALUE_IRI) return 'rdf:value';
  return raw;
}

/** The name as a policy document writes it: ODRL terms compact (the DSP context defines them), dataport terms as IRIs. */
export function termIri(name: string): string {
  return name.startsWith('dataport:') ? DATAPORT_NS + name.slice('dataport:'.length) : name;
}

/** 'xsd:dateTime' for either spelling of an XML Schema datatype. */
export function xsdName(raw: string): string {
  return raw.startsWith(XSD_NS) ? `xsd:${raw.slice(XSD_NS.length)}` : raw;
}

// Actions. ODRL 2.2 Vocabulary 2.3: `use` is "the most generic action for all non-third-party
// usage" and read, aggregate, anonymize, delete and inform are `includedIn` it. `transfer` is
// ODRL's change of ownership (never implied by use). `distribute`, "to supply the Asset to
// third parties", is listed as includedIn use, but that contradicts use's own definition; a
// gateway that guards cross-border exports reads it as third-party usage and makes it its own
// root, so a permission to `use` never lets the data be passed on.
// `aggregate` is dataport's homomorphic path: the asset contributes to an encrypted aggregate.
export const ACTIONS = Object.freeze(['use', 'transfer', 'distribute', 'read', 'aggregate', 'anonymize', 'delete', 'inform'] as const);

/** The dataport extension properties a permission may carry, by its action (their readers check them). */
export const PERMISSION_EXTENSIONS: Readonly<Partial<Record<string, readonly string[]>>> = Object.freeze({
  aggregate: ['dataport:aggregation'], // policies/aggregation/terms.ts
});
export type ActionName = (typeof ACTIONS)[number];

const INCLUDED_IN: Readonly<Partial<Record<ActionName, ActionName>>> = Object.freeze({
  read: 'use',
  aggregate: 'use',
  anonymize: 'use',
  delete: 'use',
  inform: 'use',
});

/** Actions the gateway or the consumer can be obliged to perform (a Duty's action). */
export const DUTY_ACTIONS: readonly ActionName[] = Object.freeze(['anonymize', 'delete', 'inform']);

export function isAction(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name);
}

/** True when a rule on `broader` covers a request for `narrower` (ODRL includedIn, transitive). */
export function actionIncludes(broader: ActionName, narrower: ActionName): boolean {
  for (let a: ActionName | undefined = narrower; a !== undefined; a = INCLUDED_IN[a]) if (a === broader) return true;
  return false;
}

// Operators: the DSP 2025-1 contract schema's list, less its 'term-lteq' (no ODRL term).
export const OPERATORS = Object.freeze(['eq', 'neq', 'gt', 'gteq', 'lt', 'lteq', 'isA', 'isAnyOf', 'isAllOf', 'isNoneOf', 'isPartOf', 'hasPart'] as const);
export type Operator = (typeof OPERATORS)[number];
export const LOGICAL_OPERATORS = Object.freeze(['and', 'or', 'xone', 'andSequence'] as const);
export type LogicalOperator = (typeof LOGICAL_OPERATORS)[number];

export function isOperator(name: string): name is Operator {
  return (OPERATORS as readonly string[]).includes(name);
}

/** Operators whose right operand is a list (a single value counts as a list of one). */
export const LIST_OPERATORS: readonly Operator[] = Object.freeze(['isAnyOf', 'isAllOf', 'isNoneOf', 'hasPart']);

// Left operands. Each compares one kind of value:
//   term     one identifier from the context (purpose, jurisdiction, did), optionally in a hierarchy
//   set      several identifiers (the consumer's verified claims)
//   number   a count
//   dateTime an instant (xsd:dateTime, compared on the time line)
//   duration an xsd:duration, compared by adding it to the agreement's signing time
// A `parameter` operand only parametrises a duty (k of k-anonymity); as a condition it fails closed.
export type ValueType = 'term' | 'set' | 'number' | 'dateTime' | 'duration';
export interface OperandSpec {
  readonly type: ValueType;
  readonly role: 'condition' | 'parameter';
  /** Which hierarchy of the evaluation context isA / isPartOf / hasPart walk. */
  readonly hierarchy?: 'regions' | 'purposes';
}

export const LEFT_OPERANDS = Object.freeze({
  purpose: { type: 'term', role: 'condition', hierarchy: 'purposes' },
  spatial: { type: 'term', role: 'condition', hierarchy: 'regions' },
  recipient: { type: 'term', role: 'condition' },
  dateTime: { type: 'dateTime', role: 'condition' },
  elapsedTime: { type: 'duration', role: 'condition' },
  count: { type: 'number', role: 'condition' },
  /** The consumer holds a verified credential claim (context.consumer.claims). */
  'dataport:membership': { type: 'set', role: 'condition' },
  /** anonymize duty: the k of k-anonymity the released rows must reach. */
  'dataport:kAnonymity': { type: 'number', role: 'parameter' },
  /** anonymize duty: the l of l-diversity of each equivalence class's sensitive values. */
  'dataport:lDiversity': { type: 'number', role: 'parameter' },
} as const satisfies Record<string, OperandSpec>);
export type LeftOperandName = keyof typeof LEFT_OPERANDS;

export function isLeftOperand(name: string): name is LeftOperandName {
  return Object.hasOwn(LEFT_OPERANDS, name);
}

/** Which operators each value type defines (semantics in operators.ts). */
export const OPERATORS_BY_TYPE: Readonly<Record<ValueType, readonly Operator[]>> = Object.freeze({
  term: ['eq', 'neq', 'isA', 'isPartOf', 'hasPart', 'isAnyOf', 'isAllOf', 'isNoneOf'],
  set: ['eq', 'neq', 'isA', 'hasPart', 'isAnyOf', 'isAllOf', 'isNoneOf'],
  number: ['eq', 'neq', 'gt', 'gteq', 'lt', 'lteq', 'isAnyOf', 'isNoneOf'],
  dateTime: ['eq', 'neq', 'gt', 'gteq', 'lt', 'lteq'],
  duration: ['eq', 'neq', 'gt', 'gteq', 'lt', 'lteq'],
});
