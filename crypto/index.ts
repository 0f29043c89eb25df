// Public surface of dataport/crypto: pure primitives, no I/O.
export { DataportError, ERRORS, isDataportError, type ErrorCode } from './errors.js';
export { abytes, isBytes, equalBytes, concatBytes, utf8, toHex, fromHex, toBase64, fromBase64, toBase64Url, fromBase64Url } from './bytes.js';
export { canonicalize, canonicalBytes } from './jcs.js';
export {
  generateIdentity, didFromPublicKey, publicKeyFromDid, signBytes, verifyBytes, encodeKeyFile, decodeKeyFile,
  KEY_FILE_TYPE, KEY_FILE_VERSION, type Identity,
} from './identity.js';
export {
  contentDigest, verifyContentDigest, signatureBase, signRequest, verifyRequest, NonceStore,
  type HttpRequestLike, type SignatureParams, type SignOptions, type VerifyOptions, type VerifiedSignature, type DigestAlgorithm,
} from './http-signatures.js';
export {
  leafHash, nodeHash, merkleRoot, verifyInclusion, verifyConsistency, inclusionProof, consistencyProof, subtreeHash,
  memoryNodeSource, treeHasher, CompactRange, splitPoint, HASH_SIZE, type NodeSource, type TreeHasher, type Sha256,
} from './merkle.js';
export {
  keyId, verifierKey, parseVerifierKey, signerKey, parseSignerKey, parseNote, openNote, signNote, cosignNote,
  formatCheckpoint, parseCheckpoint, signCheckpoint, verifyCheckpoint, MAX_NOTE_BYTES, MAX_SIGNATURES,
  type Checkpoint, type NoteSigner, type NoteVerifier, type NoteSignature, type ParsedNote, type OpenedNote,
} from './checkpoint.js';
export {
  HE_PARAM_SETS, heParams, generateAnalystKeys, validatePublicKey, encryptVector, decryptVector, validateCiphertext, HeAccumulator,
  type HeParamSet, type HeParams, type AnalystKeyPair,
} from './he/index.js';
export { discreteLaplace, discreteGaussian, laplaceScale, laplaceBound } from './dp.js';
