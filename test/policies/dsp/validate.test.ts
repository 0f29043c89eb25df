import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataportError } from '../../../crypto/errors.js';
import {
  assertDspMessage,
  CONTRACT_NEGOTIATION_STATES,
  createDspValidator,
  DSP_CONTEXT,
  DSP_MESSAGE_TYPES,
  dspVersions,
  TRANSFER_STATES,
  validateDspMessage,
  type DspMessageType,
  type DspValidator,
} from '../../../policies/dsp/index.js';
import { DSP_SCHEMA_FILES, withDefinitionRefsFixed } from '../../../policies/dsp/schemas.js';

// The vendored files in the source tree (tsc copies only the imported schemas into dist/, not the
// examples). Found from this compiled file (dist/test/policies/dsp/) or, for a build elsewhere,
// from the working directory tap runs in.
const VENDOR = [
  fileURLToPath(new URL('../../../../policies/dsp/vendor/', import.meta.url)),
  join(process.cwd(), 'policies/dsp/vendor/'),
].find((dir) => existsSync(join(dir, 'README.md')));
if (VENDOR === undefined) throw new Error('policies/dsp/vendor not found: run tap from the repository root');
// The project's shared copy of upstream (DESIGN.md: ../shared/dsp-2025-1 beside the repository).
const SHARED = resolve(VENDOR, '../../../../shared/dsp-2025-1');

const FOLDERS = ['catalog', 'common', 'negotiation', 'transfer'];

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(join(VENDOR!, path), 'utf8'));
}

/** A fresh, mutable copy of an official example. */
function example(path: string): Record<string, any> {
  return readJson(path) as Record<string, any>;
}

function filesUnder(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(root, join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

// Every official example and the type whose schema it illustrates (spec/*/*.protocol.md tables).
const EXAMPLES: Record<string, DspMessageType> = {
  'catalog/example/catalog-error.json': 'CatalogError',
  'catalog/example/catalog-request-message.json': 'CatalogRequestMessage',
  'catalog/example/catalog.json': 'Catalog',
  'catalog/example/dataset-request-message.json': 'DatasetRequestMessage',
  'catalog/example/dataset.json': 'Dataset',
  'catalog/example/nested-catalog.json': 'Catalog',
  'common/example/catalogservice-did-service.json': 'DidService',
  'common/example/dataservice-did-service.json': 'DidService',
  'common/example/protocol-version.json': 'VersionResponse',
  'negotiation/example/contract-agreement-message-full.json': 'ContractAgreementMessage',
  'negotiation/example/contract-agreement-message.json': 'ContractAgreementMessage',
  'negotiation/example/contract-agreement-verification-message.json': 'ContractAgreementVerificationMessage',
  'negotiation/example/contract-negotiation-error.json': 'ContractNegotiationError',
  'negotiation/example/contract-negotiation-event-message.json': 'ContractNegotiationEventMessage',
  'negotiation/example/contract-negotiation-termination-message.json': 'ContractNegotiationTerminationMessage',
  'negotiation/example/contract-negotiation.json': 'ContractNegotiation',
  'negotiation/example/contract-offer-message.json': 'ContractOfferMessage',
  'negotiation/example/contract-offer-message_initial.json': 'ContractOfferMessage',
  'negotiation/example/contract-request-message.json': 'ContractRequestMessage',
  'negotiation/example/contract-request-message_initial.json': 'ContractRequestMessage',
  'transfer/example/transfer-completion-message.json': 'TransferCompletionMessage',
  'transfer/example/transfer-error.json': 'TransferError',
  'transfer/example/transfer-process.json': 'TransferProcess',
  'transfer/example/transfer-request-message.json': 'TransferRequestMessage',
  'transfer/example/transfer-start-message.json': 'TransferStartMessage',
  'transfer/example/transfer-suspension-message.json': 'TransferSuspensionMessage',
  'transfer/example/transfer-termination-message.json': 'TransferTerminationMessage',
};

// Upstream's own example that its schema refuses: did-service-schema.json requires
// `serviceEndpoint` to match `https?://.*?/catalog$`, and the Data Service example (the spec's
// "Data Service DID Service Example") ends in /.well-known/dspace-version.
const UPSTREAM_MISMATCH: Record<string, string[]> = {
  'common/example/dataservice-did-service.json': ['/serviceEndpoint: must match pattern "https?://.*?/catalog$"'],
};

t.test('the example-to-type table names every official example file in the vendor folder', async (t) => {
  const files = FOLDERS.flatMap((folder) =>
    readdirSync(join(VENDOR, folder, 'example')).map((name) => `${folder}/example/${name}`),
  );
  t.same(files.sort(), Object.keys(EXAMPLES).sort());
  t.equal(files.length, 27);
});

t.test('every official example validates against the schema of its type', async (t) => {
  for (const [file, type] of Object.entries(EXAMPLES)) {
    if (file in UPSTREAM_MISMATCH) continue;
    t.same(validateDspMessage(type, readJson(file)), { ok: true }, `${file} is a valid ${type}`);
  }
});

t.test("upstream's Data Service DID example fails its schema's serviceEndpoint pattern, and only that", async (t) => {
  for (const [file, errors] of Object.entries(UPSTREAM_MISMATCH)) {
    t.same(validateDspMessage(EXAMPLES[file]!, readJson(file)), { ok: false, errors }, file);
  }
});

t.test('each example that has an @type names the type the table gives it', async (t) => {
  for (const [file, type] of Object.entries(EXAMPLES)) {
    const message = readJson(file) as { '@type'?: unknown };
    if ('@type' in message) t.equal(message['@type'], type, file);
  }
});

t.test('DSP_CONTEXT is the context every official DSP message example lists', async (t) => {
  t.equal(DSP_CONTEXT, 'https://w3id.org/dspace/2025/1/context.jsonld');
  for (const file of Object.keys(EXAMPLES)) {
    const message = readJson(file) as { '@context'?: unknown };
    if ('@context' in message) t.ok((message['@context'] as unknown[]).includes(DSP_CONTEXT), file);
  }
});

t.test('every *-schema.json in the vendor folder is registered, with the content of the file', async (t) => {
  const files = FOLDERS.flatMap((folder) =>
    readdirSync(join(VENDOR, folder))
      .filter((name) => name.endsWith('-schema.json'))
      .map((name) => `${folder}/${name}`),
  );
  t.same(DSP_SCHEMA_FILES.map((s) => s.file).sort(), files.sort());
  for (const { file, schema } of DSP_SCHEMA_FILES) t.same(schema, readJson(file), file);
});

t.test('exactly three vendored schemas carry the non-pointer #definitions/ refs, and loading fixes them', async (t) => {
  const broken = DSP_SCHEMA_FILES.filter(({ file }) =>
    readFileSync(join(VENDOR, file), 'utf8').includes('#definitions/'),
  ).map((s) => s.file);
  t.same(broken.sort(), [
    'transfer/transfer-error-schema.json',
    'transfer/transfer-suspension-message-schema.json',
    'transfer/transfer-termination-message-schema.json',
  ]);
  for (const { file, schema } of DSP_SCHEMA_FILES) {
    const fixed = JSON.stringify(withDefinitionRefsFixed(schema));
    t.notOk(fixed.includes('#definitions/'), `${file} has no #definitions/ left`);
    t.equal(JSON.stringify(schema).includes('#definitions/'), broken.includes(file), `${file} itself is untouched`);
  }
  // The fixed refs resolve: the abstract message's required fields are checked.
  t.same(
    validateDspMessage('TransferSuspensionMessage', { ...example('transfer/example/transfer-suspension-message.json'), providerPid: undefined }),
    { ok: false, errors: ['/providerPid: is required'] },
  );
});

const noShared = existsSync(SHARED) ? false : `no shared upstream copy at ${SHARED}, nothing to compare with`;
t.test('vendored files are byte-identical to the shared upstream copy', { skip: noShared }, async (t) => {
  const vendored = filesUnder(VENDOR).filter((f) => f !== 'README.md').sort();
  const upstream = filesUnder(SHARED)
    .filter((f) => f === 'LICENSE' || f.endsWith('-schema.json') || f.includes('/example/') || f.startsWith('context/'))
    .sort();
  t.same(vendored, upstream, 'the same set of files');
  for (const file of vendored) {
    t.ok(readFileSync(join(VENDOR, file)).equals(readFileSync(join(SHARED, file))), `${file} is byte-identical`);
  }
});

t.test('every message type has a schema that compiles', async (t) => {
  t.equal(DSP_MESSAGE_TYPES.length, 26);
  for (const type of DSP_MESSAGE_TYPES) {
    const result = validateDspMessage(type, 42);
    t.same(result, { ok: false, errors: ['(root): must be object'] }, type);
  }
});

// Deliberate negatives, each derived from an official example: the type, the broken message and
// every error the validator must report.
const crm = (): Record<string, any> => example('negotiation/example/contract-request-message.json');
const com = (): Record<string, any> => example('negotiation/example/contract-offer-message.json');
const cam = (): Record<string, any> => example('negotiation/example/contract-agreement-message.json');
const atomic = { leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' };
function withConstraint(constraint: unknown): Record<string, any> {
  const m = crm();
  m.offer.permission = [{ action: 'use', constraint: [constraint] }];
  return m;
}
const OPERATORS = '"eq", "gt", "gteq", "lteq", "hasPart", "isA", "isAllOf", "isAnyOf", "isNoneOf", "isPartOf", "lt", "term-lteq", "neq"';

const NEGATIVES: Array<[string, DspMessageType, () => unknown, string[]]> = [
  // Catalog
  ['CatalogRequestMessage with a wrong @type', 'CatalogRequestMessage',
    () => ({ ...example('catalog/example/catalog-request-message.json'), '@type': 'CatalogRequest' }),
    ['/@type: must be "CatalogRequestMessage"']],
  ['@context given as a bare string', 'CatalogRequestMessage',
    () => ({ ...example('catalog/example/catalog-request-message.json'), '@context': DSP_CONTEXT }),
    ['/@context: must be array']],
  ['@context without the DSP context', 'CatalogRequestMessage',
    () => ({ ...example('catalog/example/catalog-request-message.json'), '@context': ['https://www.w3.org/ns/odrl.jsonld'] }),
    [`/@context: must contain "${DSP_CONTEXT}"`]],
  ['DatasetRequestMessage without dataset', 'DatasetRequestMessage',
    () => ({ ...example('catalog/example/dataset-request-message.json'), dataset: undefined }),
    ['/dataset: is required']],
  ['root Catalog without participantId', 'Catalog',
    () => ({ ...example('catalog/example/catalog.json'), participantId: undefined }),
    ['/participantId: is required']],
  ['Catalog with hasPolicy', 'Catalog',
    () => ({ ...example('catalog/example/catalog.json'), hasPolicy: example('catalog/example/dataset.json')['hasPolicy'] }),
    ['/hasPolicy: must not be present']],
  ['Dataset whose offer names a target', 'Dataset',
    () => { const m = example('catalog/example/dataset.json'); m['hasPolicy'][0].target = 'urn:x'; return m; },
    ['/hasPolicy/0/target: must not be present']],
  ['Dataset without distribution', 'Dataset',
    () => ({ ...example('catalog/example/dataset.json'), distribution: undefined }),
    ['/distribution: is required']],
  ['Dataset distribution without format', 'Dataset',
    () => { const m = example('catalog/example/dataset.json'); delete m['distribution'][0].format; return m; },
    ['/distribution/0/format: is required']],
  ['CatalogError with a wrong @type', 'CatalogError',
    () => ({ ...example('catalog/example/catalog-error.json'), '@type': 'Error' }),
    ['/@type: must be "CatalogError"']],
  // Contract negotiation
  ['ContractRequestMessage without consumerPid', 'ContractRequestMessage',
    () => ({ ...crm(), consumerPid: undefined }),
    ['/consumerPid: is required']],
  ['ContractRequestMessage whose offer lacks @id', 'ContractRequestMessage',
    () => { const m = crm(); delete m.offer['@id']; return m; },
    ['/offer/@id: is required']],
  ['ContractRequestMessage whose offer is typed Agreement', 'ContractRequestMessage',
    () => { const m = crm(); m.offer['@type'] = 'Agreement'; return m; },
    ['/offer/@type: must be "Offer"']],
  ['ContractRequestMessage whose offer has neither permission nor prohibition', 'ContractRequestMessage',
    () => { const m = crm(); delete m.offer.permission; return m; },
    ['/offer: must have at least one of permission, prohibition']],
  ['ContractRequestMessage with both providerPid and callbackAddress', 'ContractRequestMessage',
    () => ({ ...crm(), callbackAddress: 'https://consumer.example/callback' }),
    ['(root): must have only one of callbackAddress, providerPid, not several']],
  ['ContractRequestMessage with neither providerPid nor callbackAddress', 'ContractRequestMessage',
    () => ({ ...crm(), providerPid: undefined }),
    ['(root): must have exactly one of callbackAddress, providerPid']],
  ['constraint with an unknown operator', 'ContractRequestMessage',
    () => withConstraint({ ...atomic, operator: 'like' }),
    [`/offer/permission/0/constraint/0/operator: must be one of ${OPERATORS}`]],
  ['constraint with a numeric rightOperand', 'ContractRequestMessage',
    () => withConstraint({ leftOperand: 'count', operator: 'lteq', rightOperand: 5 }),
    ['/offer/permission/0/constraint/0/rightOperand: must be string, object or array']],
  ['constraint without leftOperand', 'ContractRequestMessage',
    () => withConstraint({ operator: 'eq', rightOperand: 'research' }),
    ['/offer/permission/0/constraint/0/leftOperand: is required']],
  ['logical constraint with both and and or', 'ContractRequestMessage',
    () => withConstraint({ and: [atomic], or: [atomic] }),
    ['/offer/permission/0/constraint/0: must have only one of and, andSequence, or, xone, not several']],
  ['logical constraint that is atomic too', 'ContractRequestMessage',
    () => withConstraint({ xone: [atomic], ...atomic }),
    ['/offer/permission/0/constraint/0: must be a logical constraint (and, andSequence, or, xone) or an atomic one (leftOperand, operator, rightOperand), not both']],
  ['broken constraint nested in a logical one', 'ContractRequestMessage',
    () => withConstraint({ or: [atomic, { leftOperand: 'spatial', operator: 'eq' }] }),
    ['/offer/permission/0/constraint/0/or/1/rightOperand: is required']],
  ['permission without action', 'ContractRequestMessage',
    () => { const m = crm(); delete m.offer.permission[0].action; return m; },
    ['/offer/permission/0/action: is required']],
  ['ContractOfferMessage whose offer lacks target', 'ContractOfferMessage',
    () => { const m = com(); delete m.offer.target; return m; },
    ['/offer/target: is required']],
  ['ContractOfferMessage whose offer lacks @id', 'ContractOfferMessage',
    () => { const m = com(); delete m.offer['@id']; return m; },
    ['/offer/@id: is required']],
  ['ContractAgreementMessage whose agreement lacks assignee', 'ContractAgreementMessage',
    () => { const m = cam(); delete m['agreement'].assignee; return m; },
    ['/agreement/assignee: is required']],
  ['ContractAgreementMessage whose agreement lacks target', 'ContractAgreementMessage',
    () => { const m = cam(); delete m['agreement'].target; return m; },
    ['/agreement/target: is required']],
  ['ContractAgreementMessage without agreement', 'ContractAgreementMessage',
    () => ({ ...cam(), agreement: undefined }),
    ['/agreement: is required']],
  ['ContractAgreementVerificationMessage without providerPid', 'ContractAgreementVerificationMessage',
    () => ({ ...example('negotiation/example/contract-agreement-verification-message.json'), providerPid: undefined }),
    ['/providerPid: is required']],
  ['ContractNegotiationEventMessage with an unknown eventType', 'ContractNegotiationEventMessage',
    () => ({ ...example('negotiation/example/contract-negotiation-event-message.json'), eventType: 'AGREED' }),
    ['/eventType: must be one of "ACCEPTED", "FINALIZED"']],
  ['ContractNegotiationTerminationMessage with an empty reason', 'ContractNegotiationTerminationMessage',
    () => ({ ...example('negotiation/example/contract-negotiation-termination-message.json'), reason: [] }),
    ['/reason: must NOT have fewer than 1 items']],
  ['ContractNegotiation in a transfer state', 'ContractNegotiation',
    () => ({ ...example('negotiation/example/contract-negotiation.json'), state: 'STARTED' }),
    ['/state: must be one of "REQUESTED", "OFFERED", "ACCEPTED", "AGREED", "VERIFIED", "FINALIZED", "TERMINATED"']],
  ['ContractNegotiation with a state in lower case', 'ContractNegotiation',
    () => ({ ...example('negotiation/example/contract-negotiation.json'), state: 'requested' }),
    ['/state: must be one of "REQUESTED", "OFFERED", "ACCEPTED", "AGREED", "VERIFIED", "FINALIZED", "TERMINATED"']],
  ['ContractNegotiationError without consumerPid', 'ContractNegotiationError',
    () => ({ ...example('negotiation/example/contract-negotiation-error.json'), consumerPid: undefined }),
    ['/consumerPid: is required']],
  // Transfer process
  ['TransferRequestMessage without callbackAddress and agreementId', 'TransferRequestMessage',
    () => ({ ...example('transfer/example/transfer-request-message.json'), callbackAddress: undefined, agreementId: undefined }),
    ['/agreementId: is required', '/callbackAddress: is required']],
  ['TransferRequestMessage whose dataAddress lacks endpointType', 'TransferRequestMessage',
    () => { const m = example('transfer/example/transfer-request-message.json'); delete m['dataAddress'].endpointType; return m; },
    ['/dataAddress/endpointType: is required']],
  ['TransferStartMessage with an endpoint property without value', 'TransferStartMessage',
    () => { const m = example('transfer/example/transfer-start-message.json'); delete m['dataAddress'].endpointProperties[0].value; return m; },
    ['/dataAddress/endpointProperties/0/value: is required']],
  ['TransferSuspensionMessage without @type', 'TransferSuspensionMessage',
    () => ({ ...example('transfer/example/transfer-suspension-message.json'), '@type': undefined }),
    ['/@type: is required']],
  ['TransferTerminationMessage without consumerPid', 'TransferTerminationMessage',
    () => ({ ...example('transfer/example/transfer-termination-message.json'), consumerPid: undefined }),
    ['/consumerPid: is required']],
  ['TransferError with a wrong @type', 'TransferError',
    () => ({ ...example('transfer/example/transfer-error.json'), '@type': 'TransferTerminationMessage' }),
    ['/@type: must be "TransferError"']],
  ['TransferCompletionMessage with a numeric providerPid', 'TransferCompletionMessage',
    () => ({ ...example('transfer/example/transfer-completion-message.json'), providerPid: 7 }),
    ['/providerPid: must be string']],
  ['TransferProcess in a negotiation state', 'TransferProcess',
    () => ({ ...example('transfer/example/transfer-process.json'), state: 'FINALIZED' }),
    ['/state: must be one of "REQUESTED", "STARTED", "TERMINATED", "COMPLETED", "SUSPENDED"']],
  // Common and embedded objects
  ['VersionResponse without versions', 'VersionResponse',
    () => ({ protocolVersions: [] }),
    ['/protocolVersions: must NOT have fewer than 1 items']],
  ['VersionResponse with an unknown binding', 'VersionResponse',
    () => ({ protocolVersions: [{ version: '2025-1', path: '/', binding: 'HTTP' }] }),
    ['/protocolVersions/0/binding: must be one of "HTTPS"']],
  ['DidService with an unknown type', 'DidService',
    () => ({ ...example('common/example/catalogservice-did-service.json'), type: 'Catalog' }),
    ['/type: must be one of "DataService", "CatalogService"']],
  ['Agreement with a malformed timestamp', 'Agreement',
    () => ({ ...cam()['agreement'], timestamp: '2023-01-01' }),
    [`/timestamp: must match pattern "-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?|(24:00:00(\\.0+)?))(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"`]],
  ['DataAddress with a wrong @type', 'DataAddress',
    () => ({ ...example('transfer/example/transfer-start-message.json')['dataAddress'], '@type': 'Address' }),
    ['/@type: must be "DataAddress"']],
];

t.test('each deliberate negative is refused with errors naming the field', async (t) => {
  for (const [name, type, make, errors] of NEGATIVES) {
    // JSON round trip: `undefined` members are dropped, as they would be on the wire.
    const message: unknown = JSON.parse(JSON.stringify(make()));
    t.same(validateDspMessage(type, message), { ok: false, errors }, name);
  }
});

t.test('a ContractRequestMessage offer without target passes: the spec text requires one, the schema does not', async (t) => {
  const m = crm();
  delete m.offer.target;
  t.same(validateDspMessage('ContractRequestMessage', m), { ok: true });
});

t.test('assertDspMessage throws DP_ERR_VALIDATION listing every error', async (t) => {
  const message = { ...example('transfer/example/transfer-process.json'), state: 'DONE', consumerPid: undefined };
  const errors = ['/consumerPid: is required', '/state: must be one of "REQUESTED", "STARTED", "TERMINATED", "COMPLETED", "SUSPENDED"'];
  const thrown = t.throws(() => assertDspMessage('TransferProcess', JSON.parse(JSON.stringify(message)))) as unknown;
  t.ok(thrown instanceof DataportError);
  const e = thrown as DataportError;
  t.equal(e.code, 'DP_ERR_VALIDATION');
  t.equal(e.status, 400);
  t.equal(e.detail, `not a valid TransferProcess: ${errors.join('; ')}`);
  t.same(e.details, { type: 'TransferProcess', errors });
});

t.test('assertDspMessage lets a valid message through and narrows its type', async (t) => {
  const message: unknown = example('negotiation/example/contract-request-message_initial.json');
  assertDspMessage('ContractRequestMessage', message);
  // Compiles only because the assertion narrowed `message`.
  t.equal(message.offer.target, 'urn:uuid:3dd1add8-4d2d-569e-d634-8394a8836a88');
  t.equal(message.callbackAddress, 'https://example.com/callback');
});

t.test('an unknown message type is an invalid argument, not a validation failure', async (t) => {
  t.throws(() => validateDspMessage('ContractRequest' as DspMessageType, {}), { code: 'DP_ERR_INVALID_ARGUMENT' });
});

t.test('a validator from createDspValidator judges like the shared one', async (t) => {
  const validator: DspValidator = createDspValidator();
  for (const [name, type, make, errors] of NEGATIVES) {
    t.same(validator.validate(type, JSON.parse(JSON.stringify(make()))), { ok: false, errors }, name);
  }
  t.same(validator.validate('Catalog', readJson('catalog/example/nested-catalog.json')), { ok: true });
  t.throws(() => validator.assert('Catalog', {}), { code: 'DP_ERR_VALIDATION' });
});

t.test('dspVersions announces DSP 2025-1 over HTTPS at the gateway root, valid per the schema', async (t) => {
  const body = dspVersions();
  t.same(body, { protocolVersions: [{ version: '2025-1', path: '/', binding: 'HTTPS', identifierType: 'did:key' }] });
  t.same(validateDspMessage('VersionResponse', body), { ok: true });
});

t.test('dspVersions carries the path, service id, identifier type and auth it is given', async (t) => {
  const auth = { protocol: 'HTTP-Message-Signatures', version: 'RFC9421', profile: ['ed25519'] };
  const body = dspVersions({ path: '/dsp/2025-1', serviceId: 'gw-1', identifierType: 'did:web', auth });
  t.same(body, {
    protocolVersions: [
      { version: '2025-1', path: '/dsp/2025-1', binding: 'HTTPS', identifierType: 'did:web', serviceId: 'gw-1', auth },
    ],
  });
  t.not(body.protocolVersions[0]!.auth!.profile, auth.profile, 'the profile array is copied');
  t.same(validateDspMessage('VersionResponse', body), { ok: true });
});

t.test('dspVersions refuses a path that is not an absolute URL path', async (t) => {
  for (const path of ['dsp', 'https://gw.example/dsp', '/dsp?x=1', '']) {
    t.throws(() => dspVersions({ path }), { code: 'DP_ERR_INVALID_ARGUMENT' }, JSON.stringify(path));
  }
});

t.test('the state lists equal the enums of the negotiation and transfer process schemas', async (t) => {
  const negotiation = readJson('negotiation/contract-negotiation-schema.json') as any;
  const transfer = readJson('transfer/transfer-process-schema.json') as any;
  t.same(CONTRACT_NEGOTIATION_STATES, negotiation.definitions.ContractNegotiation.properties.state.enum);
  t.same(TRANSFER_STATES, transfer.definitions.TransferProcess.properties.state.enum);
});
