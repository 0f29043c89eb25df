// The normal form of a parsed policy as ODRL JSON, and its hash. The normal form is what the engine
// enforces: terms in one spelling (compact ODRL names, dataport IRIs), lists as arrays, other
// vocabularies' metadata dropped. Two spellings of one policy therefore hash alike. (For the
// bytes of a signed agreement message, hash canonicalBytes() of the message itself.)
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../crypto/bytes.js';
import { canonicalBytes } from '../../crypto/jcs.js';
import type { JsonObject, JsonValue } from './json.js';
import type { Action, Constraint, DutyRule, Permission, Policy, Rule } from './model.js';
import { termIri } from './vocabulary.js';

export function constraintJson(c: Constraint): JsonObject {
  switch (c.kind) {
    case 'reference':
      return { '@id': c.id };
    case 'logical':
      return { [c.operator]: c.constraints.map(constraintJson) };
    case 'atomic':
      return {
        leftOperand: termIri(c.leftOperand),
        operator: c.operator,
        rightOperand: c.rightOperand,
        ...(c.rightOperandReference !== undefined && { rightOperandReference: c.rightOperandReference }),
        ...(c.dataType !== undefined && { dataType: c.dataType }),
      };
  }
}

function actionJson(a: Action): JsonValue {
  return a.refinement.length === 0 ? a.name : { 'rdf:value': { '@id': a.name }, refinement: a.refinement.map(constraintJson) };
}

function ruleJson(r: Rule): JsonObject {
  return {
    action: actionJson(r.action),
    ...(r.target !== undefined && { target: r.target }),
    ...(r.assignee !== undefined && { assignee: r.assignee }),
    ...(r.assigner !== undefined && { assigner: r.assigner }),
    ...(r.constraint.length > 0 && { constraint: r.constraint.map(constraintJson) }),
  };
}

function dutyJson(d: DutyRule): JsonObject {
  const ext: JsonObject = {};
  for (const [k, v] of Object.entries(d.extensions)) ext[termIri(k)] = v;
  return { ...ruleJson(d), ...(d.informedParty !== undefined && { informedParty: d.informedParty }), ...ext };
}

function permissionJson(p: Permission): JsonObject {
  return { ...ruleJson(p), ...(p.duty.length > 0 && { duty: p.duty.map(dutyJson) }) };
}

/** The policy's normal form as ODRL JSON (compact terms of the DSP context). */
export function policyToJson(policy: Policy): JsonObject {
  return {
    ...(policy.id !== undefined && { '@id': policy.id }),
    '@type': policy.type,
    ...(policy.profile.length > 0 && { profile: [...policy.profile] }),
    ...(policy.target !== undefined && { target: policy.target }),
    ...(policy.assigner !== undefined && { assigner: policy.assigner }),
    ...(policy.assignee !== undefined && { assignee: policy.assignee }),
    ...(policy.timestamp !== undefined && { timestamp: policy.timestamp }),
    ...(policy.permission.length > 0 && { permission: policy.permission.map(permissionJson) }),
    ...(policy.prohibition.length > 0 && { prohibition: policy.prohibition.map(ruleJson) }),
    ...(policy.obligation.length > 0 && { obligation: policy.obligation.map(dutyJson) }),
  };
}

/** SHA-256 of the RFC 8785 canonical JSON of the policy's normal form, as lowercase hex. */
export function policyHash(policy: Policy): string {
  return toHex(sha256(canonicalBytes(policyToJson(policy))));
}
