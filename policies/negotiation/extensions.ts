// dataport's extension terms on DSP messages, as full IRIs (valid JSON-LD without a context of
// their own; DSP's schemas allow terms they do not describe).
export const DATAPORT_NS = 'https://w3id.org/dataport/v1#';

/** On ContractAgreementMessage (the provider's) and ContractAgreementVerificationMessage (the consumer's): a JsonSignature over the agreement. */
export const SIGNATURE = `${DATAPORT_NS}signature`;
/** On ContractRequestMessage: the purpose the consumer declares (an ODRL `purpose` value). */
export const PURPOSE = `${DATAPORT_NS}purpose`;
/** On an offer: 'auto' (the provider connector signs agreements on these terms without asking) or 'manual'. */
export const APPROVAL = `${DATAPORT_NS}approval`;

/** The purpose string signatures over agreements are made for (crypto/signed-json.ts). */
export const AGREEMENT_SIGNATURE_PURPOSE = 'agreement';
