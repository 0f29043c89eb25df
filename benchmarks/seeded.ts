// mulberry32: a small seeded generator, so benchmarks measure the same data on every run and
// tests name reproducible inputs.

/** Uniform integers in [0, n). */
export function seededInts(seed: number): (n: number) => number {
  const next = seededFloats(seed);
  return (n) => Math.floor(next() * n);
}

/** Uniform numbers in [0, 1). */
export function seededFloats(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}
