// Shared test fixtures: temporary directories and fixed identities.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '../crypto/identity.js';
import { DataportError } from '../crypto/errors.js';
import { chinaDate } from '../gateway/compliance/facts.js';

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

/** Today in China (UTC+8), as the compliance engine dates its decisions. */
export const today = inDays(0);

/** The China date `days` from today. */
export function inDays(days: number): string {
  return chinaDate(new Date(Date.now() + days * 86_400_000)).date;
}

/** Provider and consumer profiles used across the control-plane tests. */

/**
 * A hospital exporting health data of a few hundred patients: sensitive personal information of
 * fewer than 10,000 people, so a filed standard contract (and a recent impact assessment) is its pathway.
 */
export const hospitalProfile = {
  legalName: 'Beijing Union Hospital Network', jurisdiction: 'CN-BJ', roles: ['provider'],
  exporter: {
    ciio: false, zone: 'beijing-ftz', sector: 'health',
    artefacts: {
      standardContract: { filingId: 'BJ-SCC-2026-0042', filedOn: '2026-01-15' },
      // Some tests send a million patients' records: the security assessment's range.
      securityAssessment: { id: 'CAC-SA-2026-0107', expires: inDays(700) },
      pia: { date: today },
    },
  },
} as const;
export const sponsorProfile = { legalName: 'Rhein Pharma Analytics GmbH', jurisdiction: 'DE', roles: ['consumer'] } as const;

/** A small clinical dataset description (CDISC SDTM DM) with one offer. */
export function dmDataset(id = 'cdiscpilot01-dm') {
  return {
    id,
    title: 'CDISC pilot study DM (demographics)',
    description: 'SDTM DM domain of CDISCPILOT01',
    schema: {
      fields: [
        { name: 'USUBJID', type: 'utf8', role: 'direct-identifier', category: 'identity' },
        { name: 'SITEID', type: 'utf8', role: 'quasi-identifier' },
        { name: 'AGE', type: 'int32', role: 'quasi-identifier' },
        { name: 'SEX', type: 'utf8', role: 'quasi-identifier' },
        { name: 'RACE', type: 'utf8', role: 'quasi-identifier' },
        { name: 'ARM', type: 'utf8', role: 'sensitive', category: 'health' },
      ],
    },
    subjects: 306,
    compliance: { importantData: 'none' },
    source: { format: 'csv', location: 'dm.csv', rows: 306 },
    offers: [{ '@id': `${id}:offer:research`, '@type': 'Offer', permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }] }],
  };
}

/** What `fn` threw: its code and message (fails loudly if it threw something else or nothing). */
export function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DataportError)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a DataportError, nothing was thrown');
}

/** The pattern of a DataportError with code DP_ERR_<code> and, optionally, a message. */
export const err = (code: string, message?: RegExp) => (message ? { code: `DP_ERR_${code}`, message } : { code: `DP_ERR_${code}` });

/** Polls `check` until it gives a value (not undefined), or fails naming `what` after `ms`. */
export async function until<X>(what: string, check: () => X | undefined | Promise<X | undefined>, ms = 5000, everyMs = 10): Promise<X> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The value of one sample in a Prometheus text exposition (labels in any order), or undefined. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}
