// The vendored DSP 2025-1 JSON Schemas (./vendor, unchanged upstream files) and which schema checks
// which message type. They are imported as JSON modules so that tsc copies them into dist/ next to
// this module and the published package (which ships dist/) carries them.
import type { AnySchemaObject } from 'ajv/dist/2019.js';
import type { DspMessageType } from './types.js';
import catalogErrorSchema from './vendor/catalog/catalog-error-schema.json' with { type: 'json' };
import catalogRequestMessageSchema from './vendor/catalog/catalog-request-message-schema.json' with { type: 'json' };
import catalogSchema from './vendor/catalog/catalog-schema.json' with { type: 'json' };
import datasetRequestMessageSchema from './vendor/catalog/dataset-request-message-schema.json' with { type: 'json' };
import datasetSchema from './vendor/catalog/dataset-schema.json' with { type: 'json' };
import contextSchema from './vendor/common/context-schema.json' with { type: 'json' };
import didServiceSchema from './vendor/common/did-service-schema.json' with { type: 'json' };
import protocolVersionSchema from './vendor/common/protocol-version-schema.json' with { type: 'json' };
import contractAgreementMessageSchema from './vendor/negotiation/contract-agreement-message-schema.json' with { type: 'json' };
import contractAgreementVerificationMessageSchema from './vendor/negotiation/contract-agreement-verification-message-schema.json' with { type: 'json' };
import contractNegotiationErrorSchema from './vendor/negotiation/contract-negotiation-error-schema.json' with { type: 'json' };
import contractNegotiationEventMessageSchema from './vendor/negotiation/contract-negotiation-event-message-schema.json' with { type: 'json' };
import contractNegotiationSchema from './vendor/negotiation/contract-negotiation-schema.json' with { type: 'json' };
import contractNegotiationTerminationMessageSchema from './vendor/negotiation/contract-negotiation-termination-message-schema.json' with { type: 'json' };
import contractOfferMessageSchema from './vendor/negotiation/contract-offer-message-schema.json' with { type: 'json' };
import contractRequestMessageSchema from './vendor/negotiation/contract-request-message-schema.json' with { type: 'json' };
import contractSchema from './vendor/negotiation/contract-schema.json' with { type: 'json' };
import dataAddressSchema from './vendor/transfer/data-address-schema.json' with { type: 'json' };
import transferCompletionMessageSchema from './vendor/transfer/transfer-completion-message-schema.json' with { type: 'json' };
import transferErrorSchema from './vendor/transfer/transfer-error-schema.json' with { type: 'json' };
import transferProcessSchema from './vendor/transfer/transfer-process-schema.json' with { type: 'json' };
import transferRequestMessageSchema from './vendor/transfer/transfer-request-message-schema.json' with { type: 'json' };
import transferSchema from './vendor/transfer/transfer-schema.json' with { type: 'json' };
import transferStartMessageSchema from './vendor/transfer/transfer-start-message-schema.json' with { type: 'json' };
import transferSuspensionMessageSchema from './vendor/transfer/transfer-suspension-message-schema.json' with { type: 'json' };
import transferTerminationMessageSchema from './vendor/transfer/transfer-termination-message-schema.json' with { type: 'json' };

/** Every `$id` in the vendored schemas starts with this. */
export const DSP_SCHEMA_BASE = 'https://w3id.org/dspace/2025/1/';

export interface VendoredSchema {
  /** Path under ./vendor. */
  readonly file: string;
  /** The file's content as imported: shared by every importer, so never modify it. */
  readonly schema: AnySchemaObject;
}

/** Every `*-schema.json` file under ./vendor: they `$ref` each other, so all are registered. */
export const DSP_SCHEMA_FILES: readonly VendoredSchema[] = [
  { file: 'catalog/catalog-error-schema.json', schema: catalogErrorSchema },
  { file: 'catalog/catalog-request-message-schema.json', schema: catalogRequestMessageSchema },
  { file: 'catalog/catalog-schema.json', schema: catalogSchema },
  { file: 'catalog/dataset-request-message-schema.json', schema: datasetRequestMessageSchema },
  { file: 'catalog/dataset-schema.json', schema: datasetSchema },
  { file: 'common/context-schema.json', schema: contextSchema },
  { file: 'common/did-service-schema.json', schema: didServiceSchema },
  { file: 'common/protocol-version-schema.json', schema: protocolVersionSchema },
  { file: 'negotiation/contract-agreement-message-schema.json', schema: contractAgreementMessageSchema },
  { file: 'negotiation/contract-agreement-verification-message-schema.json', schema: contractAgreementVerificationMessageSchema },
  { file: 'negotiation/contract-negotiation-error-schema.json', schema: contractNegotiationErrorSchema },
  { file: 'negotiation/contract-negotiation-event-message-schema.json', schema: contractNegotiationEventMessageSchema },
  { file: 'negotiation/contract-negotiation-schema.json', schema: contractNegotiationSchema },
  { file: 'negotiation/contract-negotiation-termination-message-schema.json', schema: contractNegotiationTerminationMessageSchema },
  { file: 'negotiation/contract-offer-message-schema.json', schema: contractOfferMessageSchema },
  { file: 'negotiation/contract-request-message-schema.json', schema: contractRequestMessageSchema },
  { file: 'negotiation/contract-schema.json', schema: contractSchema },
  { file: 'transfer/data-address-schema.json', schema: dataAddressSchema },
  { file: 'transfer/transfer-completion-message-schema.json', schema: transferCompletionMessageSchema },
  { file: 'transfer/transfer-error-schema.json', schema: transferErrorSchema },
  { file: 'transfer/transfer-process-schema.json', schema: transferProcessSchema },
  { file: 'transfer/transfer-request-message-schema.json', schema: transferRequestMessageSchema },
  { file: 'transfer/transfer-schema.json', schema: transferSchema },
  { file: 'transfer/transfer-start-message-schema.json', schema: transferStartMessageSchema },
  { file: 'transfer/transfer-suspension-message-schema.json', schema: transferSuspensionMessageSchema },
  { file: 'transfer/transfer-termination-message-schema.json', schema: transferTerminationMessageSchema },
];

/** The schema (by `$id`, relative to DSP_SCHEMA_BASE) that checks each message type. */
export const DSP_SCHEMA_REFS = {
  CatalogRequestMessage: 'catalog/catalog-request-message-schema.json',
  DatasetRequestMessage: 'catalog/dataset-request-message-schema.json',
  Catalog: 'catalog/catalog-schema.json',
  Dataset: 'catalog/dataset-schema.json',
  CatalogError: 'catalog/catalog-error-schema.json',
  ContractRequestMessage: 'negotiation/contract-request-message-schema.json',
  ContractOfferMessage: 'negotiation/contract-offer-message-schema.json',
  ContractAgreementMessage: 'negotiation/contract-agreement-message-schema.json',
  ContractAgreementVerificationMessage: 'negotiation/contract-agreement-verification-message-schema.json',
  ContractNegotiationEventMessage: 'negotiation/contract-negotiation-event-message-schema.json',
  ContractNegotiationTerminationMessage: 'negotiation/contract-negotiation-termination-message-schema.json',
  ContractNegotiation: 'negotiation/contract-negotiation-schema.json',
  ContractNegotiationError: 'negotiation/contract-negotiation-error-schema.json',
  TransferRequestMessage: 'transfer/transfer-request-message-schema.json',
  TransferStartMessage: 'transfer/transfer-start-message-schema.json',
  TransferSuspensionMessage: 'transfer/transfer-suspension-message-schema.json',
  TransferCompletionMessage: 'transfer/transfer-completion-message-schema.json',
  TransferTerminationMessage: 'transfer/transfer-termination-message-schema.json',
  TransferProcess: 'transfer/transfer-process-schema.json',
  TransferError: 'transfer/transfer-error-schema.json',
  VersionResponse: 'common/protocol-version-schema.json',
  DidService: 'common/did-service-schema.json',
  Offer: 'negotiation/contract-schema.json#/definitions/Offer',
  MessageOffer: 'negotiation/contract-schema.json#/definitions/MessageOffer',
  Agreement: 'negotiation/contract-schema.json#/definitions/Agreement',
  DataAddress: 'transfer/data-address-schema.json',
} as const satisfies Record<DspMessageType, string>;

/** Every type `validateDspMessage` knows, in DSP_SCHEMA_REFS order. */
export const DSP_MESSAGE_TYPES = Object.freeze(Object.keys(DSP_SCHEMA_REFS)) as readonly DspMessageType[];

/**
 * A copy of `schema` with the upstream `$ref`s spelled `...json#definitions/X` (transfer-error,
 * transfer-suspension-message, transfer-termination-message) rewritten to the JSON Pointer
 * fragment `...json#/definitions/X` that ajv resolves. The vendored files stay as published.
 */
export function withDefinitionRefsFixed(schema: AnySchemaObject): AnySchemaObject {
  return copyFixingRefs(schema) as AnySchemaObject;
}

function copyFixingRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(copyFixingRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? value.replace('#definitions/', '#/definitions/') : copyFixingRefs(value);
  }
  return out;
}
