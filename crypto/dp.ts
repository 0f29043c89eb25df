// Integer noise for differential privacy, sampled exactly from a cryptographic source.
//
// C. Canonne, G. Kamath, T. Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020
// (arXiv:2004.00010), algorithms 1 to 3. Every step is rational arithmetic on bigints over uniform
// integers from node:crypto: no floating point touches a sample, so the output has exactly the
// stated distribution (none of the artefacts of rounding a floating-point Laplace, Mironov 2012).
// A scale or sigma passed as a JavaScript number is used as the exact rational that double is.
import { randomInt } from 'node:crypto';
import { DataportError } from './errors.js';

/**
 * One sample of the discrete Laplace distribution (two-sided geometric) with this scale:
 * P[X = x] = (1 - a) / (1 + a) * a^|x| with a = exp(-1/scale). Var[X] = 2a / (1 - a)^2.
 * With scale = sensitivity / epsilon, adding it to an integer query is epsilon-DP.
 */
export function discreteLaplace(scale: number): number {
  positive(scale, 'scale');
  const [t, s] = rational(scale);
  return Number(laplace(s, t));
}

/**
 * One sample of the discrete Gaussian N_Z(0, sigma^2): P[X = x] proportional to exp(-x^2 / (2 sigma^2)).
 * Its variance is at most sigma^2, and within a relative 1e-6 of it once sigma >= 1.
 */
export function discreteGaussian(sigma: number): number {
  positive(sigma, 'sigma');
  const [p, q] = rational(sigma);
  return Number(gaussian(p, q));
}

/** The discrete Laplace scale that makes a query of this (L1) sensitivity epsilon-DP. */
export function laplaceScale(sensitivity: number, epsilon: number): number {
  positive(sensitivity, 'sensitivity');
  positive(epsilon, 'epsilon');
  return sensitivity / epsilon;
}

/**
 * The smallest integer b >= 0 with P[|X| <= b] >= confidence for X = discreteLaplace(scale).
 * From the pmf, P[X > b] = sum_{x > b} (1 - a)/(1 + a) a^x = a^(b+1) / (1 + a), so
 * P[|X| > b] = 2 a^(b+1) / (1 + a), which is <= 1 - confidence once
 * b + 1 >= -scale * ln((1 - confidence)(1 + a) / 2).
 */
export function laplaceBound(scale: number, confidence: number): number {
  positive(scale, 'scale');
  if (!(confidence > 0 && confidence < 1)) throw new DataportError('DP_ERR_INVALID_ARGUMENT', `confidence ${confidence} is not in (0, 1)`);
  const a = Math.exp(-1 / scale);
  const miss = 1 - confidence;
  const tail = (b: number) => (2 * Math.exp(-(b + 1) / scale)) / (1 + a);
  let b = Math.max(0, Math.ceil(-scale * Math.log((miss * (1 + a)) / 2)) - 1);
  // The closed form in floating point can be one off either way: settle on the exact smallest b.
  while (b > 0 && tail(b - 1) <= miss) b--;
  while (tail(b) > miss) b++;
  return b;
}

function positive(x: number, name: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new DataportError('DP_ERR_INVALID_ARGUMENT', `${name} must be a finite number > 0, got ${String(x)}`);
  }
}

/** A finite double x > 0 as the exact fraction [numerator, denominator] it is (denominator a power of two). */
function rational(x: number): [bigint, bigint] {
  let v = x;
  let den = 1n;
  while (!Number.isInteger(v)) {
    v *= 2; // exact: a double that is not an integer is below 2^52
    den *= 2n;
  }
  let num = BigInt(v);
  while (den > 1n && (num & 1n) === 0n) {
    num >>= 1n;
    den >>= 1n;
  }
  return [num, den];
}

// ---- CKS 2020, over uniform integers from node:crypto ----------------------------------------

const RANDOM_INT_LIMIT = 2n ** 48n; // randomInt needs max - min < 2^48
const WORD = 2 ** 32;

/** Uniform in [0, n) for n >= 1. */
function uniformBelow(n: bigint): bigint {
  if (n < RANDOM_INT_LIMIT) return BigInt(randomInt(Number(n)));
  // Rejection sampling over the bit length of n - 1, in 32-bit words: accepts with probability > 1/2.
  const bits = (n - 1n).toString(2).length;
  const words = Math.ceil(bits / 32);
  const drop = BigInt(words * 32 - bits);
  for (;;) {
    let v = 0n;
    for (let i = 0; i < words; i++) v = (v << 32n) | BigInt(randomInt(WORD));
    v >>= drop;
    if (v < n) return v;
  }
}

/** Bernoulli(num / den), 0 <= num <= den. */
function bernoulli(num: bigint, den: bigint): boolean {
  return uniformBelow(den) < num;
}

/** Algorithm 1, gamma = num / den in [0, 1]: Bernoulli(exp(-gamma)). */
function bernoulliExpUnit(num: bigint, den: bigint): boolean {
  // K <- 1; while Bernoulli(gamma / K) = 1: K <- K + 1; output 1 iff K is odd.
  let k = 1n;
  while (bernoulli(num, den * k)) k++;
  return (k & 1n) === 1n;
}

/** Algorithm 1 for any gamma = num / den >= 0: exp(-gamma) = exp(-1)^floor(gamma) * exp(-frac(gamma)). */
function bernoulliExp(num: bigint, den: bigint): boolean {
  for (let k = num / den; k > 0n; k--) if (!bernoulliExpUnit(1n, 1n)) return false;
  return bernoulliExpUnit(num % den, den);
}

/** Algorithm 2: the discrete Laplace with scale t / s (s, t >= 1). */
function laplace(s: bigint, t: bigint): bigint {
  for (;;) {
    const u = uniformBelow(t);
    if (!bernoulliExpUnit(u, t)) continue; // D <- Bernoulli(exp(-U/t)); restart if 0
    let v = 0n;
    while (bernoulliExpUnit(1n, 1n)) v++; // V: geometric, P[V = v] = (1 - 1/e) e^-v
    const y = (u + t * v) / s; // X <- U + t V; Y <- floor(X / s)
    const negative = uniformBelow(2n) === 1n; // B <- Bernoulli(1/2)
    if (negative && y === 0n) continue; // B = 1 and Y = 0: restart (else 0 would count twice)
    return negative ? -y : y;
  }
}

/** Algorithm 3: the discrete Gaussian with sigma = p / q. */
function gaussian(p: bigint, q: bigint): bigint {
  const t = p / q + 1n; // floor(sigma) + 1
  const sn = p * p; // sigma^2 = sn / sd
  const sd = q * q;
  for (;;) {
    const y = laplace(1n, t);
    // C <- Bernoulli(exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2))), where
    // (|Y| - sn/(sd t))^2 / (2 sn/sd) = (|Y| t sd - sn)^2 / (2 t^2 sn sd).
    const d = (y < 0n ? -y : y) * t * sd - sn;
    if (bernoulliExp(d * d, 2n * t * t * sn * sd)) return y;
  }
}
