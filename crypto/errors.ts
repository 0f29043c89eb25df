// Every error dataport can raise, declared once: a stable code, the HTTP status a route answers
// with, and a message template. Routes, the CLI and the SDK all throw `DataportError`.
// (It lives in crypto/ because that is the one folder every other folder may import.)

export const ERRORS = {
  DP_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed: %s' },
  DP_ERR_VALIDATION: { status: 400, message: 'The request does not match its schema: %s' },
  DP_ERR_NOT_FOUND: { status: 404, message: 'Not found: %s' },
  DP_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type: %s' },
  DP_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large: %s' },
  DP_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests: %s' },
  DP_ERR_NOT_READY: { status: 503, message: 'The gateway is not ready: %s' },
  DP_ERR_SHUTTING_DOWN: { status: 503, message: 'The gateway is shutting down: %s' },
  DP_ERR_INTERNAL: { status: 500, message: 'Internal error: %s' },

  DP_ERR_FORBIDDEN: { status: 403, message: 'Not allowed: %s' },
  DP_ERR_NOT_REGISTERED: { status: 403, message: 'The signing key is not a registered participant: %s' },
  DP_ERR_CONFLICT: { status: 409, message: 'Conflict: %s' },
  DP_ERR_POLICY_INVALID: { status: 400, message: 'The policy cannot be enforced: %s' },
  DP_ERR_POLICY_DENIED: { status: 403, message: 'The usage policy does not allow this: %s' },
  DP_ERR_INVALID_TRANSITION: { status: 400, message: 'Invalid state transition: %s' },
  DP_ERR_UNKNOWN_OFFER: { status: 400, message: 'Unknown offer: %s' },
  DP_ERR_PROVIDER_REJECTED: { status: 409, message: 'The provider rejected the request: %s' },
  DP_ERR_TRANSFER_FAILED: { status: 409, message: 'The transfer failed and was terminated: %s' },
  DP_ERR_SCHEMA_MISMATCH: { status: 400, message: 'The data does not match the published schema: %s' },
  DP_ERR_COMPLIANCE_BLOCKED: { status: 403, message: 'No legal export pathway allows this: %s' },
  DP_ERR_COMPLIANCE_NEEDS_INFO: { status: 422, message: 'The compliance engine needs facts that were not given: %s' },
  DP_ERR_COMPLIANCE_ESCALATE: { status: 403, message: 'Core data has no export pathway; a person must decide: %s' },
  DP_ERR_COMPLIANCE_UNSATISFIED: { status: 403, message: 'The export pathway needs artefacts that are not on file or not valid: %s' },
  DP_ERR_COMPLIANCE_THRESHOLD: { status: 403, message: 'The transfer was stopped before a volume threshold whose pathway is not satisfied: %s' },
  DP_ERR_COMPLIANCE_SUBJECTS_EXCEEDED: { status: 409, message: 'The transfer holds more individuals than its dataset declares: %s' },
  DP_ERR_BUDGET_EXHAUSTED: { status: 403, message: 'The privacy budget does not allow this: %s' },
  DP_ERR_PRIVACY_UNSATISFIABLE: { status: 422, message: 'No generalisation of the data satisfies the privacy model: %s' },
  DP_ERR_STREAM_INTERRUPTED: { status: 499, message: 'The stream was interrupted: %s' },
  DP_ERR_TRANSFER_SUSPENDED: { status: 409, message: 'The transfer is suspended: %s' },
  DP_ERR_DELIVERY_FAILED: { status: 409, message: 'A connector did not acknowledge a message: %s' },

  DP_ERR_INVALID_ARGUMENT: { status: 400, message: 'Invalid argument: %s' },
  DP_ERR_KEY_FILE_INVALID: { status: 400, message: 'The key file is not valid: %s' },
  DP_ERR_KEY_FILE_PERMISSIONS: { status: 400, message: 'The key file is readable by others: %s' },
  DP_ERR_DID_INVALID: { status: 400, message: 'Not a valid did:key: %s' },
  DP_ERR_CANONICAL_JSON: { status: 400, message: 'The value cannot be canonicalised (RFC 8785): %s' },

  DP_ERR_SIGNATURE_MISSING: { status: 401, message: 'The request is not signed: %s' },
  DP_ERR_SIGNATURE_INVALID: { status: 401, message: 'The request signature does not verify: %s' },
  DP_ERR_SIGNATURE_EXPIRED: { status: 401, message: 'The request signature is stale: %s' },
  DP_ERR_SIGNATURE_REPLAYED: { status: 401, message: 'The request signature was already used: %s' },
  DP_ERR_DIGEST_MISMATCH: { status: 401, message: 'The content digest does not match the body: %s' },
  DP_ERR_UNKNOWN_KEY: { status: 401, message: 'The signing key is not known: %s' },

  DP_ERR_CHECKPOINT_INVALID: { status: 400, message: 'The checkpoint is not valid: %s' },
  DP_ERR_PROOF_RANGE: { status: 400, message: 'The proof request is out of range: %s' },
  DP_ERR_LEDGER_CORRUPT: { status: 500, message: 'The ledger is corrupt: %s' },
  DP_ERR_LEDGER_TAMPERED: { status: 500, message: 'The ledger has been altered: %s' },
  DP_ERR_LEDGER_CLOSED: { status: 503, message: 'The ledger is closed: %s' },
  DP_ERR_LEDGER_ENTRY_INVALID: { status: 400, message: 'The ledger entry is not valid: %s' },
  DP_ERR_STORE_UNAVAILABLE: { status: 503, message: 'The shared store cannot be reached: %s' },
  DP_ERR_STORE_INVALID: { status: 500, message: 'The store is not one this gateway can use: %s' },
  DP_ERR_BUSY: { status: 409, message: 'Another gateway replica is working on this; retry shortly: %s' },

  DP_ERR_HE_CIPHERTEXT_INVALID: { status: 400, message: 'The ciphertext is not valid for its parameter set: %s' },
  DP_ERR_HE_KEY_INVALID: { status: 400, message: 'The homomorphic encryption key is not valid: %s' },
  DP_ERR_HE_VALUE_RANGE: { status: 400, message: 'The values do not fit the slots of the homomorphic encryption: %s' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class DataportError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  /** The part of the message particular to this occurrence (what fills the template). */
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, details?: unknown) {
    super(ERRORS[code].message.replace('%s', detail));
    this.detail = detail;
    this.name = 'DataportError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isDataportError(e: unknown): e is DataportError {
  return e instanceof DataportError;
}

/** Untrusted text shown in an error message: quoted, and cut short. */
export function quoteUntrusted(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}
