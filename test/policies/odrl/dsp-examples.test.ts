// The official DSP 2025-1 example offers and agreements (../shared/dsp-2025-1, Apache-2.0) parse,
// and evaluate as their constraints say.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { evaluate, parsePolicy, policyProblems } from '../../../policies/odrl/index.js';
import type { RuleStep } from '../../../policies/odrl/trace.js';

const DSP = resolve(process.cwd(), '../shared/dsp-2025-1');
const read = (dir: string, file: string): Record<string, unknown> => JSON.parse(readFileSync(join(DSP, dir, file), 'utf8')) as Record<string, unknown>;

/** Every policy an example message carries: offer, agreement, or a dataset's hasPolicy. */
function policiesIn(message: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  if (message.offer !== undefined) out.push(message.offer);
  if (message.agreement !== undefined) out.push(message.agreement);
  const datasets = [message, ...((message.dataset as Record<string, unknown>[] | undefined) ?? [])];
  for (const d of datasets) out.push(...((d.hasPolicy as unknown[] | undefined) ?? []));
  return out;
}

// Visible in tap's output as "# SKIP" when the shared folder is not checked out next to the repository.
const skip = existsSync(DSP) ? false : `the DSP 2025-1 examples are not at ${DSP}`;

t.test('every example offer, agreement and dataset policy parses', { skip }, async (t) => {
  let n = 0;
  for (const dir of ['negotiation/example', 'catalog/example']) {
    for (const file of readdirSync(join(DSP, dir)).filter((f) => f.endsWith('.json'))) {
      for (const policy of policiesIn(read(dir, file))) {
        const p = parsePolicy(policy);
        t.ok(p.permission.length > 0, `${dir}/${file}: ${p.type} ${p.id}`);
        n++;
      }
    }
  }
  t.equal(n, 8, 'offers in 4 messages, agreements in 2, dataset policies in catalog.json and dataset.json');
});

t.test('the example agreement allows use until 2023-12-31T06:00Z and not after', { skip }, async (t) => {
  const agreement = parsePolicy(read('negotiation/example', 'contract-agreement-message.json').agreement);
  const ctx = (now: string) => ({ now, consumer: { did: 'http://example.com/Consumer' } });
  t.equal(evaluate(agreement, { action: 'use', scope: 'transfer' }, ctx('2023-06-01T00:00:00Z')).allowed, true);
  const late = evaluate(agreement, { action: 'use', scope: 'transfer' }, ctx('2024-01-01T00:00:00Z'));
  t.equal(late.reason, 'denied: permission 0 constraint 0: dateTime 2024-01-01T00:00:00.000Z lteq 2023-12-31T06:00Z is false');
  const other = evaluate(agreement, { action: 'use', scope: 'transfer' }, { now: '2023-06-01T00:00:00Z', consumer: { did: 'did:key:z6MkStranger' } });
  t.equal(other.reason, 'denied: no permission covers use (permission 0: its assignee http://example.com/Consumer is not the consumer did:key:z6MkStranger)', 'the agreement is for its assignee only');
});

t.test("the full example agreement fails closed on its 'partner' operand and unknown profile", { skip }, async (t) => {
  const p = parsePolicy(read('negotiation/example', 'contract-agreement-message-full.json').agreement);
  const problems = policyProblems(p);
  t.same(problems[0], { at: 'policy', message: "profile 'https://test.com/profile' is not understood, and ODRL 2.2 forbids processing a policy under a profile one does not understand" });
  t.ok(problems.some((x) => x.at === 'permission 6 constraint 0.0.0' && x.message === "unknown left operand 'constraint1'"), 'nested and inside or');
  const d = evaluate(p, { action: 'use', scope: 'transfer' }, { now: '2023-06-01T00:00:00Z', consumer: { did: 'http://example.com/Consumer' } });
  t.equal(d.allowed, false);
  t.match(d.reason, /^denied: policy: profile 'https:\/\/test.com\/profile' is not understood.*; permission 1 constraint 0.0: unknown left operand 'partner'/);
  t.same(d.trace.map((s) => s.label), ['permission 0', 'permission 1', 'permission 2', 'permission 3', 'permission 4', 'permission 5', 'permission 6']);
  t.equal((d.trace[0] as RuleStep).result, true, 'the dateTime permission is still evaluated in the trace');
});

t.test('the catalog example offer (spatial eq an IRI) shows to a consumer in that region only', { skip }, async (t) => {
  const dataset = (read('catalog/example', 'catalog.json').dataset as Record<string, unknown>[])[0]!;
  const p = parsePolicy((dataset.hasPolicy as unknown[])[0]);
  const ctx = (jurisdiction: string) => ({ now: '2025-01-01T00:00:00Z', consumer: { did: 'did:key:z6MkC', jurisdiction } });
  t.equal(evaluate(p, { action: 'use', scope: 'catalog' }, ctx('http://example.org/EU')).allowed, true);
  t.equal(evaluate(p, { action: 'read', scope: 'catalog' }, ctx('http://example.org/CN')).reason, 'denied: permission 0 constraint 0: spatial http://example.org/CN eq http://example.org/EU is false');
});
