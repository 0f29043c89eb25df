// Public surface of crypto/he: homomorphic aggregation over Microsoft SEAL (node-seal 6.0.3), BFV
// with batching. Providers encrypt vectors of counts or sums under the analyst's public key, the
// gateway adds them (and its noise) without any secret key, the analyst decrypts the sum.
export { HE_PARAM_SETS, heParams, type HeParamSet, type HeParams } from './params.js';
export { generateAnalystKeys, validatePublicKey, type AnalystKeyPair } from './keys.js';
export { encryptVector, decryptVector, validateCiphertext } from './vectors.js';
export { HeAccumulator } from './accumulator.js';
