// Constraints (ODRL 2.2 2.5): atomic {leftOperand, operator, rightOperand} or logical {and|or|xone|andSequence: [...]}.
// Structure errors throw; an unknown left operand or operator, or a right operand that does not
// parse as its left operand's type, becomes the constraint's `problem` (the decision fails closed).
import { copyJson, isObject, type JsonValue } from './json.js';
import type { AtomicConstraint, Constraint, RightValue } from './model.js';
import { idOf, invalid, leftovers, list, properties } from './syntax.js';
import {
  LEFT_OPERANDS,
  LIST_OPERATORS,
  LOGICAL_OPERATORS,
  OPERATORS_BY_TYPE,
  isLeftOperand,
  isOperator,
  termName,
  xsdName,
  type OperandSpec,
  type Operator,
} from './vocabulary.js';
import { parseDateTime, parseDuration, parseNumber, type Duration, type Parsed } from './xsd.js';

/** Where a constraint sits: a rule's condition, or a duty's parameters (not evaluated, reported). */
export type ConstraintRole = 'condition' | 'duty';

export function parseConstraints(value: unknown, path: string, role: ConstraintRole): Constraint[] {
  return list(value, path).map((c, i) => parseConstraint(c, `${path}[${i}]`, role));
}

const ATOMIC_KEYS = ['leftOperand', 'operator', 'rightOperand', 'rightOperandReference'];

function parseConstraint(c: unknown, path: string, role: ConstraintRole): Constraint {
  if (!isObject(c)) throw invalid(path, 'a constraint is an object');
  const props = properties(c, path);
  const logical = LOGICAL_OPERATORS.filter((k) => props.has(k));
  const atomic = ATOMIC_KEYS.some((k) => props.has(k));
  if (logical.length > 1) throw invalid(path, `a logical constraint has one operator, not ${logical.join(' and ')}`);
  if (logical.length === 1 && atomic) throw invalid(path, `a constraint is atomic or logical (${logical[0]}), not both`);
  if (logical.length === 1) {
    const operator = logical[0]!;
    const items = list(props.get(operator), `${path}.${operator}`);
    if (items.length === 0) throw invalid(`${path}.${operator}`, `an empty ${operator} list constrains nothing`);
    const problems: string[] = [];
    leftovers(props, [operator], problems);
    const constraints = items.map((x, i) => parseConstraint(x, `${path}.${operator}[${i}]`, role));
    return problems.length > 0 ? { kind: 'logical', operator, constraints, problem: problems.join('; ') } : { kind: 'logical', operator, constraints };
  }
  if (!atomic) {
    if (typeof c['@id'] === 'string' && props.size === 1) {
      return { kind: 'reference', id: c['@id'], problem: `constraint ${c['@id']} is only a reference; dataport does not fetch constraints` };
    }
    throw invalid(path, 'not an atomic constraint (leftOperand, operator, rightOperand) nor a logical one (and, or, xone, andSequence)');
  }
  return parseAtomic(props, path, role);
}

function parseAtomic(props: Map<string, unknown>, path: string, role: ConstraintRole): AtomicConstraint {
  for (const k of ['leftOperand', 'operator']) if (!props.has(k)) throw invalid(path, `an atomic constraint needs ${k}`);
  if (!props.has('rightOperand') && !props.has('rightOperandReference')) throw invalid(path, 'an atomic constraint needs rightOperand');
  const leftOperand = termName(idOf(props.get('leftOperand'), `${path}.leftOperand`));
  const operator = termName(idOf(props.get('operator'), `${path}.operator`));
  const copied = copyJson(props.get('rightOperand') ?? null);
  if (!copied.ok) throw invalid(`${path}.rightOperand`, copied.why);
  const rightOperand = copied.value;
  const reference = props.has('rightOperandReference') ? copyJson(props.get('rightOperandReference')) : undefined;
  if (reference !== undefined && !reference.ok) throw invalid(`${path}.rightOperandReference`, reference.why);
  const dataType = props.has('dataType') ? xsdName(idOf(props.get('dataType'), `${path}.dataType`)) : undefined;
  const base = {
    kind: 'atomic' as const,
    leftOperand,
    operator,
    rightOperand,
    ...(reference !== undefined && { rightOperandReference: reference.value }),
    ...(dataType !== undefined && { dataType }),
  };

  const problems: string[] = [];
  if (!isLeftOperand(leftOperand)) problems.push(`unknown left operand '${leftOperand}'`);
  if (!isOperator(operator)) problems.push(`unknown operator '${operator}'`);
  if (props.has('rightOperandReference')) problems.push('rightOperandReference is not supported: dataport does not fetch right operands');
  if (props.has('unit')) problems.push(`unit is not supported on ${leftOperand}`);
  leftovers(props, [...ATOMIC_KEYS, 'dataType', 'unit'], problems);
  if (problems.length > 0 || !isLeftOperand(leftOperand) || !isOperator(operator)) return { ...base, problem: problems.join('; ') };

  const spec: OperandSpec = LEFT_OPERANDS[leftOperand];
  const problem = misuse(leftOperand, spec, operator, role);
  if (problem !== undefined) return { ...base, problem };
  const value = parseRight(spec, operator, rightOperand, dataType);
  if (!value.ok) return { ...base, problem: `${leftOperand}: ${value.why}` };
  if (spec.role === 'parameter' && !(value.value.values as readonly number[]).every((n) => Number.isInteger(n) && n >= 1)) {
    return { ...base, problem: `${leftOperand}: ${JSON.stringify(rightOperand)} is not a positive integer` };
  }
  return { ...base, value: value.value };
}

function misuse(name: string, spec: OperandSpec, op: Operator, role: ConstraintRole): string | undefined {
  if (spec.role === 'parameter') {
    if (role === 'condition') return `${name} parametrises an anonymize duty; it is not a condition a request can meet`;
    if (op !== 'eq' && op !== 'gteq') return `${name} takes eq or gteq, not ${op}`;
    return undefined;
  }
  const allowed = OPERATORS_BY_TYPE[spec.type];
  if (!allowed.includes(op)) return `operator ${op} is not defined for ${name} (a ${spec.type}); use ${allowed.join(', ')}`;
  return undefined;
}

type Literal = { lexical: string | number; datatype?: string } | { iri: string };

function literal(item: JsonValue, dataType: string | undefined): Parsed<Literal> {
  if (typeof item === 'string' || typeof item === 'number') return { ok: true, value: { lexical: item, ...(dataType !== undefined && { datatype: dataType }) } };
  if (isObject(item) && typeof item['@id'] === 'string') return { ok: true, value: { iri: item['@id'] } };
  if (isObject(item) && (typeof item['@value'] === 'string' || typeof item['@value'] === 'number')) {
    const t = item['@type'];
    const datatype = typeof t === 'string' ? xsdName(t) : dataType;
    return { ok: true, value: { lexical: item['@value'], ...(datatype !== undefined && { datatype }) } };
  }
  return { ok: false, why: `${JSON.stringify(item)} is neither a literal, {"@value"} nor {"@id"}` };
}

const DATATYPES: Readonly<Record<OperandSpec['type'], readonly string[]>> = {
  term: ['xsd:string', 'xsd:anyURI', 'xsd:token'],
  set: ['xsd:string', 'xsd:anyURI', 'xsd:token'],
  number: ['xsd:integer', 'xsd:decimal', 'xsd:double', 'xsd:float', 'xsd:int', 'xsd:long', 'xsd:nonNegativeInteger', 'xsd:positiveInteger'],
  dateTime: ['xsd:dateTime', 'xsd:dateTimeStamp'],
  duration: ['xsd:duration', 'xsd:dayTimeDuration', 'xsd:yearMonthDuration'],
};

/** The right operand in its left operand's type, or why it is not one. */
function parseRight(spec: OperandSpec, op: Operator, right: JsonValue, dataType: string | undefined): Parsed<RightValue> {
  const isList = Array.isArray(right);
  if (isList && !LIST_OPERATORS.includes(op)) return { ok: false, why: `${op} takes one value, not a list of ${right.length}` };
  const items = isList ? right : [right];
  if (items.length === 0) return { ok: false, why: 'the right operand is an empty list' };
  const values: (string | number | Duration)[] = [];
  for (const item of items) {
    const lit = literal(item, dataType);
    if (!lit.ok) return lit;
    const v = typed(spec.type, lit.value);
    if (!v.ok) return v;
    values.push(v.value);
  }
  return { ok: true, value: { type: spec.type, values } as RightValue };
}

function typed(type: OperandSpec['type'], lit: Literal): Parsed<string | number | Duration> {
  if ('iri' in lit) return type === 'term' || type === 'set' ? { ok: true, value: lit.iri } : { ok: false, why: `{"@id": "${lit.iri}"} is not a ${type}` };
  if (lit.datatype !== undefined && !DATATYPES[type].includes(lit.datatype)) {
    return { ok: false, why: `'${lit.lexical}' is typed ${lit.datatype}, not one of ${DATATYPES[type].join(', ')}` };
  }
  const { lexical } = lit;
  switch (type) {
    case 'term':
    case 'set':
      return typeof lexical === 'string' ? { ok: true, value: lexical } : { ok: false, why: `${lexical} is a number, not an identifier` };
    case 'number':
      return typeof lexical === 'number' ? { ok: true, value: lexical } : parseNumber(lexical);
    case 'dateTime':
      return typeof lexical === 'string' ? parseDateTime(lexical) : { ok: false, why: `${lexical} is a number, not an xsd:dateTime` };
    case 'duration': {
      const d = typeof lexical === 'string' ? parseDuration(lexical) : ({ ok: false, why: `${lexical} is a number, not an xsd:duration` } as const);
      if (d.ok && d.value.negative) return { ok: false, why: `'${lexical}' is negative; an elapsed time is not` };
      return d;
    }
  }
}
