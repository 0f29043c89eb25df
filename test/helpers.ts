// Shared test fixtures: temporary directories and fixed identities.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '../crypto/identity.js';

export function tempDir(t: { teardown: (fn: () => void) => void }, prefix = 'dataport-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A deterministic identity, so ledgers made in one process can be reopened in another. */
export function testIdentity(n = 1): Identity {
  return generateIdentity(new Uint8Array(32).fill(n));
}

/** Root of the repository (tests run from it; compiled files live in dist/). */
export const repoRoot = new URL('../../', import.meta.url).pathname;
export const cli = join(repoRoot, 'dist', 'bin', 'dataport.js');
