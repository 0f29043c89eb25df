// JSON Schemas of the management API: one source for validation, serialisation and OpenAPI.
export const errorBody = {
  type: 'object',
  properties: { code: { type: 'string', pattern: '^DP_ERR_[A-Z_]+$' }, message: { type: 'string' }, details: {} },
  required: ['code', 'message'],
} as const;

const did = { type: 'string', pattern: '^did:key:z[1-9A-HJ-NP-Za-km-z]+$' } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const isoDate = { type: 'string', format: 'date' } as const;

export const participantProfile = {
  type: 'object',
  additionalProperties: false,
  required: ['legalName', 'jurisdiction', 'roles'],
  properties: {
    legalName: { type: 'string', minLength: 1, maxLength: 300 },
    jurisdiction: { type: 'string', pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$', description: 'ISO 3166-1 alpha-2, optionally with an ISO 3166-2 subdivision (CN-BJ)' },
    roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['provider', 'consumer'] } },
    exporter: {
      type: 'object',
      additionalProperties: false,
      required: ['ciio', 'zone'],
      description: 'What the compliance engine needs to know of a data exporter (providers only)',
      properties: {
        ciio: { type: 'boolean', description: 'critical information infrastructure operator' },
        zone: { enum: ['none', 'beijing-ftz', 'beijing-city', 'tianjin-ftz', 'shanghai-ftz', 'hainan-ftz'] },
        sector: { type: 'string', maxLength: 100 },
        negativeList: { type: 'string', maxLength: 100, description: 'id of the free-trade-zone negative list the exporter has filed to use' },
        artefacts: {
          type: 'object',
          additionalProperties: false,
          description: 'Export pathway artefacts on file',
          properties: {
            standardContract: { type: 'object', additionalProperties: false, required: ['filingId', 'filedOn'], properties: { filingId: { type: 'string', minLength: 1, maxLength: 200 }, filedOn: isoDate } },
            certification: { type: 'object', additionalProperties: false, required: ['id', 'expires'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, expires: isoDate } },
            securityAssessment: { type: 'object', additionalProperties: false, required: ['id', 'expires'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, expires: isoDate } },
            pia: { type: 'object', additionalProperties: false, required: ['date'], properties: { date: isoDate }, description: 'the latest personal-information impact assessment' },
            hgrExportApproval: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, expires: isoDate }, description: 'export approval for human genetic resource materials' },
            hgrFiling: { type: 'object', additionalProperties: false, required: ['id', 'filedOn'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, filedOn: isoDate }, description: 'filing of human genetic resource information provided abroad' },
          },
        },
      },
    },
    callbackAddress: { type: 'string', format: 'uri', pattern: '^https?://' },
  },
} as const;

export const participant = {
  type: 'object',
  required: ['did', 'legalName', 'jurisdiction', 'roles', 'registeredAt', 'updatedAt'],
  properties: { ...participantProfile.properties, did, registeredAt: isoTime, updatedAt: isoTime },
} as const;

const field = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'role'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    type: { type: 'string', pattern: '^(utf8|large_utf8|bool|int8|int16|int32|int64|uint8|uint16|uint32|uint64|float32|float64|date32|date64|timestamp\\[(s|ms|us|ns)\\]|decimal\\(\\d+,\\d+\\)|binary)$', description: 'Arrow type' },
    role: { enum: ['direct-identifier', 'quasi-identifier', 'sensitive', 'other'] },
    category: { type: 'string', maxLength: 100, description: 'personal-information category (health, location, identity, biometric, financial, ...)' },
  },
} as const;

const offer = {
  type: 'object',
  required: ['@id'],
  additionalProperties: true,
  description: 'An ODRL offer as DSP carries it (permission, prohibition, obligation)',
  properties: {
    '@id': { type: 'string', minLength: 1 },
    '@type': { type: 'string' },
    permission: { type: 'array' },
    prohibition: { type: 'array' },
    obligation: { type: 'array' },
  },
} as const;

export const datasetInput = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'schema', 'subjects', 'source', 'offers'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,199}$' },
    title: { type: 'string', minLength: 1, maxLength: 300 },
    description: { type: 'string', maxLength: 5000 },
    keywords: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 50 },
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['fields'],
      properties: { fields: { type: 'array', minItems: 1, maxItems: 2000, items: field } },
    },
    subjects: { type: 'integer', minimum: 0, description: 'distinct data subjects (people) in the dataset' },
    sensitiveSubjects: { type: 'integer', minimum: 0 },
    compliance: {
      type: 'object',
      additionalProperties: false,
      description: "What the compliance engine needs to know of the dataset beyond its fields: a fact not given is asked for (the pathway is needs-info), never guessed",
      properties: {
        sector: { type: 'string', maxLength: 100, description: "default: the exporter's sector" },
        scenario: { type: 'string', maxLength: 200 },
        categories: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 100 }, description: "data categories; the fields' categories are added" },
        personalInfo: { type: 'boolean', description: 'default: true when a field is an identifier or has a personal-information category' },
        sensitivePersonalInfo: { type: 'boolean', description: 'default: true when sensitiveSubjects > 0 or a field has a sensitive category (health, location, trajectory, biometric, financial, minors, ...)' },
        importantData: { enum: ['none', 'notified', 'pending'] },
        coreData: { type: 'boolean' },
        hgr: { type: 'object', additionalProperties: false, properties: { information: { type: 'boolean' }, materials: { type: 'boolean' }, foreignRecipient: { type: 'boolean' } } },
        basis: { enum: ['none', 'trade', 'foreign-origin', 'contract', 'hr', 'emergency'] },
        subjectColumn: { type: 'string', minLength: 1, maxLength: 200, description: "the field naming the individual, by which the gateway counts distinct individuals (default: the plan's subject column, else the only direct identifier; with neither, every row counts as one)" },
      },
    },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['format'],
      properties: {
        format: { enum: ['csv', 'ndjson', 'dataset-json', 'arrow', 'gps-trace'] },
        location: { type: 'string', maxLength: 2000 },
        rows: { type: 'integer', minimum: 0 },
      },
    },
    offers: { type: 'array', minItems: 1, maxItems: 50, items: offer },
  },
} as const;

export const dataset = {
  type: 'object',
  required: ['id', 'provider', 'title', 'schema', 'subjects', 'source', 'offers', 'status', 'version', 'publishedAt', 'updatedAt'],
  properties: {
    ...datasetInput.properties,
    id: { type: 'string' },
    provider: did,
    status: { enum: ['published', 'withdrawn'] },
    version: { type: 'integer', minimum: 1 },
    publishedAt: isoTime,
    updatedAt: isoTime,
  },
} as const;

/** Signed requests: the security scheme every management route names in OpenAPI. */
export const signed = [{ httpMessageSignature: [] }];
