// Public surface of dataport/gateway.
export { buildGateway } from './server.js';
export { resolveConfig, type GatewayConfig, type GatewayConfigInput } from './config.js';
export { Ledger, DEFAULT_ORIGIN, type LedgerOptions, type LedgerMeta, type AppendResult, type StoredEntry, type SignedCheckpoint, type RecoveryReport } from './ledger/ledger.js';
export { verifyLedger, type VerifyOptions, type VerifyReport } from './ledger/verify.js';
export type { JsonValue, LedgerEntry } from './ledger/format.js';
export { readKeyFile, writeKeyFile, loadOrCreateKeyFile } from './key-file.js';
export { toDataportError } from './errors-plugin.js';
export { detectIdentifiers, type IdentifierSpan, type IdentifierType, type DetectOptions } from './pipeline/detect/index.js';
export { createPipeline, type Pipeline, type PipelineReport } from './pipeline/apply.js';
export { FormatTokenizer, tokenizeResidentId, tokenizeVin, tokenizeUscc, type FormatTokenizerOptions } from './pipeline/detect/index.js';
export type { TokenKind } from '../policies/pipeline/models.js';
export { scanColumns, type ColumnScan, type ScanOptions } from './pipeline/scan.js';
