// The DSP 2025-1 messages as plain JSON objects (compacted JSON-LD with the DSP context), written
// by hand from the vendored JSON Schemas in ./vendor. The schemas, not these types, are normative:
// a value has one of these types only after `assertDspMessage` has checked it. The schemas allow
// terms they do not describe (no `additionalProperties: false`), so a message may carry more.

/** `@context`: an array that contains DSP_CONTEXT (common/context-schema.json; a bare string is refused). */
export type JsonLdContext = string[];

// ---------------------------------------------------------------------------------------------
// ODRL policies as DSP carries them (negotiation/contract-schema.json)

/** An ODRL action, compacted (`use`, ...). The schema allows only a string, no refined action object. */
export type Action = string;

/** contract-schema.json#/definitions/Operator, in the schema's order. */
export type Operator =
  | 'eq'
  | 'gt'
  | 'gteq'
  | 'lteq'
  | 'hasPart'
  | 'isA'
  | 'isAllOf'
  | 'isAnyOf'
  | 'isNoneOf'
  | 'isPartOf'
  | 'lt'
  | 'term-lteq'
  | 'neq';

/**
 * contract-schema.json#/definitions/RightOperand: a string, an object or an array. A bare JSON number
 * or boolean is refused, so a count is written `"5"` or as a JSON-LD value object
 * `{ "@value": 5, "@type": "xsd:integer" }`.
 */
export type RightOperand = string | { [key: string]: unknown } | unknown[];

export interface AtomicConstraint {
  leftOperand: string;
  operator: Operator;
  rightOperand: RightOperand;
}

/** Exactly one of `and`, `andSequence`, `or`, `xone` (LogicalConstraint's `oneOf`). */
export type LogicalConstraint =
  | { and: Constraint[]; andSequence?: never; or?: never; xone?: never }
  | { andSequence: Constraint[]; and?: never; or?: never; xone?: never }
  | { or: Constraint[]; and?: never; andSequence?: never; xone?: never }
  | { xone: Constraint[]; and?: never; andSequence?: never; or?: never };

export type LogicalOperator = 'and' | 'andSequence' | 'or' | 'xone';

export type Constraint = AtomicConstraint | LogicalConstraint;

export interface Duty {
  action: Action;
  constraint?: Constraint[];
}

export interface Permission {
  action: Action;
  constraint?: Constraint[];
  /** ODRL's duties of a permission: the schema does not describe this term, so it is not checked. */
  duty?: Duty[];
}

export interface Prohibition {
  action: Action;
  constraint?: Constraint[];
}

/** contract-schema.json#/definitions/PolicyClass: an `@id` and at least one permission or prohibition. */
export interface PolicyClass {
  '@id': string;
  profile?: string | string[];
  permission?: Permission[];
  prohibition?: Prohibition[];
  obligation?: Duty[];
}

/** An Offer in a Catalog or Dataset (`hasPolicy`): it MUST NOT name a target (the dataset is the target). */
export interface Offer extends PolicyClass {
  '@type'?: 'Offer';
  target?: never;
}

/** An Offer inside a ContractRequestMessage or ContractOfferMessage (contract-schema.json MessageOffer). */
export interface MessageOffer extends PolicyClass {
  '@type': 'Offer';
  /** Required by the spec text for both messages, but the schema requires it only in ContractOfferMessage. */
  target?: string;
}

export interface Agreement extends PolicyClass {
  '@type': 'Agreement';
  /** The Dataset the agreement is about. */
  target: string;
  assigner: string;
  assignee: string;
  /** xsd:dateTime. */
  timestamp?: string;
}

// ---------------------------------------------------------------------------------------------
// Catalog protocol (catalog/*)

export interface CatalogRequestMessage {
  '@context': JsonLdContext;
  '@type': 'CatalogRequestMessage';
  filter?: unknown[];
}

export interface DatasetRequestMessage {
  '@context': JsonLdContext;
  '@type': 'DatasetRequestMessage';
  dataset: string;
}

export interface DataService {
  '@id': string;
  '@type': 'DataService';
  endpointURL: string;
  servesDataset?: Dataset[];
}

export interface Distribution {
  /** Not constrained by the schema; the examples use `Distribution`. */
  '@type'?: string;
  format: string;
  /** A DataService or its `@id`. */
  accessService: string | DataService;
  hasPolicy?: Offer[];
}

export interface Dataset {
  '@id': string;
  /** Not constrained by the schema; the examples use `Dataset`. */
  '@type'?: string;
  hasPolicy: Offer[];
  distribution: Distribution[];
}

/** A Dataset sent on its own (DatasetRequestMessage response). */
export interface RootDataset extends Dataset {
  '@context': JsonLdContext;
}

/** A Catalog nested in another one. It MUST NOT have `hasPolicy`. */
export interface Catalog {
  '@id': string;
  '@type': 'Catalog';
  dataset?: Dataset[];
  catalog?: Catalog[];
  service?: DataService[];
  distribution?: Distribution[];
  participantId?: string;
}

/** The Catalog sent in answer to a CatalogRequestMessage. */
export interface RootCatalog extends Catalog {
  '@context': JsonLdContext;
  participantId: string;
}

export interface CatalogError {
  '@context': JsonLdContext;
  '@type': 'CatalogError';
  code?: string;
  reason?: unknown[];
}

// ---------------------------------------------------------------------------------------------
// Contract negotiation protocol (negotiation/*)

export const CONTRACT_NEGOTIATION_STATES = [
  'REQUESTED',
  'OFFERED',
  'ACCEPTED',
  'AGREED',
  'VERIFIED',
  'FINALIZED',
  'TERMINATED',
] as const;
export type ContractNegotiationState = (typeof CONTRACT_NEGOTIATION_STATES)[number];

/** ContractNegotiationEventMessage `eventType`. */
export type ContractNegotiationEventType = 'ACCEPTED' | 'FINALIZED';

interface NegotiationMessageBase {
  '@context': JsonLdContext;
  providerPid: string;
  consumerPid: string;
}

/**
 * Consumer to provider. The schema's `oneOf` makes `callbackAddress` (initial request) and
 * `providerPid` (answer to an offer) mutually exclusive, and one of them required.
 */
export type ContractRequestMessage = {
  '@context': JsonLdContext;
  '@type': 'ContractRequestMessage';
  consumerPid: string;
  offer: MessageOffer;
} & ({ callbackAddress: string; providerPid?: never } | { providerPid: string; callbackAddress?: never });

/**
 * Provider to consumer. The schema's `oneOf` makes `callbackAddress` (initial offer) and
 * `consumerPid` (answer to a request) mutually exclusive, and one of them required.
 */
export type ContractOfferMessage = {
  '@context': JsonLdContext;
  '@type': 'ContractOfferMessage';
  providerPid: string;
  offer: MessageOffer & { target: string };
} & ({ callbackAddress: string; consumerPid?: never } | { consumerPid: string; callbackAddress?: never });

export interface ContractAgreementMessage extends NegotiationMessageBase {
  '@type': 'ContractAgreementMessage';
  agreement: Agreement;
}

export interface ContractAgreementVerificationMessage extends NegotiationMessageBase {
  '@type': 'ContractAgreementVerificationMessage';
}

export interface ContractNegotiationEventMessage extends NegotiationMessageBase {
  '@type': 'ContractNegotiationEventMessage';
  eventType: ContractNegotiationEventType;
}

export interface ContractNegotiationTerminationMessage extends NegotiationMessageBase {
  '@type': 'ContractNegotiationTerminationMessage';
  code?: string;
  reason?: unknown[];
}

export interface ContractNegotiation extends NegotiationMessageBase {
  '@type': 'ContractNegotiation';
  state: ContractNegotiationState;
}

export interface ContractNegotiationError extends NegotiationMessageBase {
  '@type': 'ContractNegotiationError';
  code?: string;
  reason?: unknown[];
}

// ---------------------------------------------------------------------------------------------
// Transfer process protocol (transfer/*)

export const TRANSFER_STATES = ['REQUESTED', 'STARTED', 'TERMINATED', 'COMPLETED', 'SUSPENDED'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];

export interface EndpointProperty {
  '@type': 'EndpointProperty';
  name: string;
  value: string;
}

export interface DataAddress {
  '@type': 'DataAddress';
  endpointType: string;
  endpoint?: string;
  endpointProperties?: EndpointProperty[];
}

export interface TransferRequestMessage {
  '@context': JsonLdContext;
  '@type': 'TransferRequestMessage';
  consumerPid: string;
  agreementId: string;
  format: string;
  callbackAddress: string;
  /** Present for push transfers: where the provider sends the data. */
  dataAddress?: DataAddress;
}

export interface TransferStartMessage extends NegotiationMessageBase {
  '@type': 'TransferStartMessage';
  /** Present for pull transfers: where the consumer fetches the data. */
  dataAddress?: DataAddress;
}

export interface TransferSuspensionMessage extends NegotiationMessageBase {
  '@type': 'TransferSuspensionMessage';
  code?: string;
  reason?: unknown[];
}

export interface TransferCompletionMessage extends NegotiationMessageBase {
  '@type': 'TransferCompletionMessage';
}

export interface TransferTerminationMessage extends NegotiationMessageBase {
  '@type': 'TransferTerminationMessage';
  code?: string;
  reason?: unknown[];
}

export interface TransferProcess extends NegotiationMessageBase {
  '@type': 'TransferProcess';
  state: TransferState;
}

export interface TransferError extends NegotiationMessageBase {
  '@type': 'TransferError';
  code?: string;
  reason?: unknown[];
}

// ---------------------------------------------------------------------------------------------
// Common (common/*)

/** protocol-version-schema.json#/definitions/Auth */
export interface VersionAuth {
  protocol: string;
  version: string;
  profile?: string[];
}

/** protocol-version-schema.json#/definitions/Version */
export interface ProtocolVersion {
  version: string;
  /** HTTPS binding: absolute path appended to the connector's root to form the version's base URL. */
  path: string;
  binding: 'HTTPS';
  identifierType?: string;
  serviceId?: string;
  auth?: VersionAuth;
}

/** The body of `GET <root>/.well-known/dspace-version`. */
export interface VersionResponse {
  protocolVersions: ProtocolVersion[];
}

/** An entry of a DID document's `service` array announcing a connector or catalog service. */
export interface DidService {
  '@context'?: JsonLdContext;
  id: string;
  type: 'DataService' | 'CatalogService';
  serviceEndpoint: string;
}

// ---------------------------------------------------------------------------------------------

/**
 * Every type `validateDspMessage` checks, by name: the top-level schema of each vendored schema
 * file, then the policy and data-address objects that messages embed.
 */
export interface DspMessages {
  CatalogRequestMessage: CatalogRequestMessage;
  DatasetRequestMessage: DatasetRequestMessage;
  Catalog: RootCatalog;
  Dataset: RootDataset;
  CatalogError: CatalogError;
  ContractRequestMessage: ContractRequestMessage;
  ContractOfferMessage: ContractOfferMessage;
  ContractAgreementMessage: ContractAgreementMessage;
  ContractAgreementVerificationMessage: ContractAgreementVerificationMessage;
  ContractNegotiationEventMessage: ContractNegotiationEventMessage;
  ContractNegotiationTerminationMessage: ContractNegotiationTerminationMessage;
  ContractNegotiation: ContractNegotiation;
  ContractNegotiationError: ContractNegotiationError;
  TransferRequestMessage: TransferRequestMessage;
  TransferStartMessage: TransferStartMessage;
  TransferSuspensionMessage: TransferSuspensionMessage;
  TransferCompletionMessage: TransferCompletionMessage;
  TransferTerminationMessage: TransferTerminationMessage;
  TransferProcess: TransferProcess;
  TransferError: TransferError;
  VersionResponse: VersionResponse;
  DidService: DidService;
  // Embedded objects, checkable on their own (e.g. a stored agreement).
  Offer: Offer;
  MessageOffer: MessageOffer;
  Agreement: Agreement;
  DataAddress: DataAddress;
}

export type DspMessageType = keyof DspMessages;
