import t from 'tap';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decryptVector, encryptVector, generateAnalystKeys, HeAccumulator } from '../../crypto/he/index.js';

// Its own file: 2,000 encryptions take a few seconds, run beside he.test.ts.
t.test('memory stays flat over 2,000 encrypt + add + decrypt cycles', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const id = 'bfv-4096';
  const keys = await generateAnalystKeys(id);
  const cycle = async (i: number) => {
    const acc = await HeAccumulator.create(id);
    try {
      acc.add(await encryptVector(id, keys.publicKey, [i, 1, 2]));
      acc.addPlain([1]);
      const [first] = await decryptVector(keys, acc.result(), 1);
      if (first !== BigInt(i + 1)) throw new Error(`cycle ${i} decrypted ${first}`);
    } finally {
      acc.free();
    }
  };
  for (let i = 0; i < 100; i++) await cycle(i); // warm-up: SEAL's memory pool and the JS heap settle
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < 2000; i++) await cycle(i);
  gc();
  const after = process.memoryUsage();
  // `external` counts the WebAssembly memory, which never shrinks: any SEAL object left behind
  // each cycle (a 4096 ciphertext is 128 KiB, 250 MiB over the run) would grow it.
  const wasm = after.external - before.external;
  const rss = after.rss - before.rss;
  // `external` also counts ArrayBuffers not yet collected, which move by a few MiB with what else
  // runs (CI runs two test files at once): 32 MiB is far below the 250 MiB a leak would show.
  t.ok(wasm < 32 * 2 ** 20, `external (WebAssembly) memory grew ${(wasm / 2 ** 20).toFixed(2)} MiB`);
  // rss moves with whatever else the machine runs (tests run two at a time; allocator arenas): the
  // bound is loose, but a ciphertext kept per cycle on the JS side (250 MiB) would still break it.
  t.ok(rss < 128 * 2 ** 20, `rss grew ${(rss / 2 ** 20).toFixed(1)} MiB`);
});
