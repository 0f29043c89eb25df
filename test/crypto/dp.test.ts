import t, { type Test } from 'tap';
import { DataportError } from '../../crypto/errors.js';
import { discreteGaussian, discreteLaplace, laplaceBound, laplaceScale } from '../../crypto/dp.js';

// Statistical checks compare 200,000 samples from the cryptographic source with the exact
// distribution, each within Z standard errors computed from that distribution: a correct sampler
// fails one of them with probability about 1e-11 (the two-sided normal tail at 7 sigma is 2.6e-12).
const N = 200_000;
const Z = 7;

/** Exact pmf over a range wide enough that the rest weighs < 1e-15. */
function laplacePmf(scale: number): Map<number, number> {
  const a = Math.exp(-1 / scale);
  const pmf = new Map<number, number>();
  const reach = Math.ceil(40 * scale) + 40;
  for (let k = -reach; k <= reach; k++) pmf.set(k, ((1 - a) / (1 + a)) * a ** Math.abs(k));
  return pmf;
}

function gaussianPmf(sigma: number): Map<number, number> {
  const reach = Math.ceil(12 * sigma) + 12;
  let total = 0;
  const w = new Map<number, number>();
  for (let k = -reach; k <= reach; k++) {
    const v = Math.exp(-(k * k) / (2 * sigma * sigma));
    w.set(k, v);
    total += v;
  }
  for (const [k, v] of w) w.set(k, v / total);
  return w;
}

function moments(pmf: Map<number, number>): { m2: number; m4: number } {
  let m2 = 0;
  let m4 = 0;
  for (const [k, p] of pmf) {
    m2 += p * k * k;
    m4 += p * k ** 4;
  }
  return { m2, m4 };
}

function sample(draw: () => number): number[] {
  return Array.from({ length: N }, draw);
}

/** Sample mean and variance within Z standard errors of the pmf's (0 and m2). */
function checkMoments(t: Test, xs: number[], pmf: Map<number, number>, label: string): void {
  const { m2, m4 } = moments(pmf);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + x * x, 0) / xs.length - mean * mean;
  const seMean = Math.sqrt(m2 / xs.length);
  const seVar = Math.sqrt((m4 - m2 * m2) / xs.length);
  t.ok(Math.abs(mean) < Z * seMean, `${label}: mean ${mean.toFixed(4)} within ${(Z * seMean).toFixed(4)} of 0`);
  t.ok(Math.abs(variance - m2) < Z * seVar, `${label}: variance ${variance.toFixed(3)} within ${(Z * seVar).toFixed(3)} of ${m2.toFixed(3)}`);
}

/** The share of each value in [-k, k] within Z standard errors of its probability. */
function checkPmf(t: Test, xs: number[], pmf: Map<number, number>, k: number, label: string): void {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (let v = -k; v <= k; v++) {
    const p = pmf.get(v)!;
    const share = (counts.get(v) ?? 0) / xs.length;
    const se = Math.sqrt((p * (1 - p)) / xs.length);
    t.ok(Math.abs(share - p) < Z * se, `${label}: P[X = ${v}] ${share.toFixed(5)} vs ${p.toFixed(5)}`);
  }
}

t.test('discreteLaplace and discreteGaussian return integers only', async (t) => {
  for (const scale of [0.3, 1, 2.5, 1 / 0.7, 1e6]) {
    const xs = Array.from({ length: 5000 }, () => discreteLaplace(scale));
    t.ok(xs.every(Number.isSafeInteger), `discreteLaplace(${scale})`);
  }
  for (const sigma of [0.4, 1, 3.7, 1e6]) {
    const xs = Array.from({ length: 5000 }, () => discreteGaussian(sigma));
    t.ok(xs.every(Number.isSafeInteger), `discreteGaussian(${sigma})`);
  }
});

t.test('discreteLaplace: mean 0 and variance 2a/(1-a)^2, a = exp(-1/scale), over 200,000 samples', async (t) => {
  for (const scale of [1, 10 / 3]) {
    const a = Math.exp(-1 / scale);
    const pmf = laplacePmf(scale);
    t.ok(Math.abs(moments(pmf).m2 - (2 * a) / (1 - a) ** 2) < 1e-9, `scale ${scale}: the pmf's variance is the closed form`);
    checkMoments(t, sample(() => discreteLaplace(scale)), pmf, `scale ${scale}`);
  }
});

t.test('discreteLaplace: the share of each value in -4..4 is its probability (1-a)/(1+a) a^|x|', async (t) => {
  const scale = 1.5;
  checkPmf(t, sample(() => discreteLaplace(scale)), laplacePmf(scale), 4, `scale ${scale}`);
});

t.test('discreteLaplace is symmetric: as many samples above 0 as below', async (t) => {
  const xs = sample(() => discreteLaplace(2));
  const above = xs.filter((x) => x > 0).length;
  const below = xs.filter((x) => x < 0).length;
  // above - below over the nonzero samples: a sum of +-1, standard error sqrt(nonzero).
  t.ok(Math.abs(above - below) < Z * Math.sqrt(above + below), `${above} above, ${below} below`);
});

t.test('discreteGaussian: mean 0 and variance sigma^2 over 200,000 samples', async (t) => {
  for (const sigma of [1, 3.7]) {
    const pmf = gaussianPmf(sigma);
    t.ok(Math.abs(moments(pmf).m2 - sigma * sigma) < 1e-6 * sigma * sigma, `sigma ${sigma}: the pmf's variance is sigma^2`);
    checkMoments(t, sample(() => discreteGaussian(sigma)), pmf, `sigma ${sigma}`);
  }
});

t.test('discreteGaussian: the share of each value in -3..3 is its probability, also for sigma < 1', async (t) => {
  for (const sigma of [0.6, 2]) checkPmf(t, sample(() => discreteGaussian(sigma)), gaussianPmf(sigma), 3, `sigma ${sigma}`);
});

t.test('laplaceScale is sensitivity / epsilon', async (t) => {
  t.equal(laplaceScale(1, 0.5), 2);
  t.equal(laplaceScale(2, 0.25), 8);
  t.throws(() => laplaceScale(0, 1), { constructor: DataportError, code: 'DP_ERR_INVALID_ARGUMENT' });
  t.throws(() => laplaceScale(1, -1), { constructor: DataportError, code: 'DP_ERR_INVALID_ARGUMENT' });
});

t.test('laplaceBound is the smallest b with P[|X| > b] = 2a^(b+1)/(1+a) <= 1 - confidence', async (t) => {
  const miss = (scale: number, b: number) => (2 * Math.exp(-(b + 1) / scale)) / (1 + Math.exp(-1 / scale));
  for (const scale of [0.5, 1, 2, 10, 33.3, 1000]) {
    for (const confidence of [0.5, 0.9, 0.95, 0.99, 1 - 1e-9]) {
      const b = laplaceBound(scale, confidence);
      t.ok(miss(scale, b) <= 1 - confidence, `scale ${scale}, confidence ${confidence}: P[|X| > ${b}] <= ${1 - confidence}`);
      if (b > 0) t.ok(miss(scale, b - 1) > 1 - confidence, `and P[|X| > ${b - 1}] is not`);
    }
  }
  t.equal(laplaceBound(10, 0.95), 30);
  t.equal(laplaceBound(1, 0.5), 1); // P[X != 0] = 2/(e + 1) = 0.54
  t.equal(laplaceBound(0.5, 0.5), 0); // 2/(e^2 + 1) = 0.24
});

t.test('laplaceBound holds on samples: |X| > b in at most 1 - confidence of them', async (t) => {
  for (const [scale, confidence] of [[2, 0.9], [10, 0.95]] as const) {
    const b = laplaceBound(scale, confidence);
    const xs = sample(() => discreteLaplace(scale));
    const share = xs.filter((x) => Math.abs(x) > b).length / N;
    const p = (2 * Math.exp(-(b + 1) / scale)) / (1 + Math.exp(-1 / scale));
    t.ok(share < p + Z * Math.sqrt((p * (1 - p)) / N), `scale ${scale}: ${share.toFixed(4)} beyond ${b} (exact ${p.toFixed(4)} <= ${(1 - confidence).toFixed(2)})`);
    // and b is tight: |X| > b - 1 happens more often than 1 - confidence
    const looser = xs.filter((x) => Math.abs(x) > b - 1).length / N;
    t.ok(looser > 1 - confidence - Z * Math.sqrt((confidence * (1 - confidence)) / N), `${looser.toFixed(4)} beyond ${b - 1}`);
  }
});

t.test('a scale, sigma or confidence that is not a positive finite number is rejected', async (t) => {
  const invalid = { constructor: DataportError, code: 'DP_ERR_INVALID_ARGUMENT' };
  for (const bad of [0, -1, Number.NaN, Infinity, '2' as unknown as number]) {
    t.throws(() => discreteLaplace(bad), invalid, `discreteLaplace(${String(bad)})`);
    t.throws(() => discreteGaussian(bad), invalid, `discreteGaussian(${String(bad)})`);
    t.throws(() => laplaceBound(bad, 0.9), invalid, `laplaceBound(${String(bad)}, 0.9)`);
  }
  for (const c of [0, 1, 1.5, -0.1]) t.throws(() => laplaceBound(1, c), invalid, `confidence ${c}`);
});
