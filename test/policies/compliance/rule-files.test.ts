// The rule set is data: the shipped files pass the schema, loadRules reads a directory of the same
// layout (a corrected list without a release) and names the file and problem of a broken one, and
// rulesHash names a rule set stably.
import t, { type Test } from 'tap';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RULES, ZONES, exportPathway, loadRules, rulesHash, type RuleSet } from '../../../policies/compliance/index.js';
import { err, tempDir } from '../../helpers.js';
import { facts, SHIPPED_RULES } from './fixtures.js';

const shipped = fileURLToPath(SHIPPED_RULES);

/** A copy of the shipped rule directory, with `edit` applied to one file's JSON. */
function corrected(t: Test, file: string, edit: (json: Record<string, unknown>) => unknown): string {
  const dir = join(tempDir(t), 'rules');
  cpSync(shipped, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, file), JSON.stringify(edit(json) ?? json, null, 2));
  return dir;
}

const entryOf = (list: Record<string, unknown>, id: string) => (list['entries'] as Record<string, unknown>[]).find((e) => e['id'] === id)!;

t.test('the shipped files pass the schema and checks, and load as DEFAULT_RULES', async (t) => {
  const loaded = loadRules(SHIPPED_RULES);
  t.same(loaded, DEFAULT_RULES);
  t.equal(rulesHash(loaded), rulesHash(DEFAULT_RULES));
  t.equal(DEFAULT_RULES.version, '2026.1');
  t.same(DEFAULT_RULES.negativeLists.map((l) => l.id), ['beijing-city-2026', 'beijing-ftz-2024', 'hainan-ftz-2025', 'shanghai-ftz-2025', 'tianjin-ftz-2024']);
});

t.test('every zone has a shipped list, and every entry says its source and confidence', async (t) => {
  for (const zone of ZONES.filter((z) => z !== 'none')) t.ok(DEFAULT_RULES.negativeLists.some((l) => l.zones.includes(zone)), zone);
  for (const list of DEFAULT_RULES.negativeLists) {
    t.ok(list.entries.length > 0, list.id);
    for (const e of list.entries) t.ok(e.source.length > 0 && ['high', 'medium', 'low'].includes(e.confidence), `${list.id}/${e.id}`);
  }
});

t.test('DEFAULT_RULES cannot be changed in place', async (t) => {
  t.throws(() => {
    (DEFAULT_RULES.national.thresholds.nonSensitive as { contract: number }).contract = 1;
  }, TypeError);
});

t.test('rulesHash is SHA-256 hex of the canonical form: stable, blind to key order, moved by any change', async (t) => {
  const hash = rulesHash(DEFAULT_RULES);
  t.match(hash, /^[0-9a-f]{64}$/);
  t.equal(rulesHash(DEFAULT_RULES), hash);
  const copy = { ...structuredClone(DEFAULT_RULES), national: Object.fromEntries(Object.entries(structuredClone(DEFAULT_RULES.national)).reverse()) } as unknown as RuleSet;
  t.equal(rulesHash(copy), hash);
  const changed = structuredClone(DEFAULT_RULES) as RuleSet;
  (changed.national.thresholds.sensitive as { assessment: number }).assessment = 10_001;
  t.not(rulesHash(changed), hash);
});

t.test('a corrected list loaded from a directory changes the decision without a release', async (t) => {
  const dir = corrected(t, 'negative-lists/beijing-ftz-2024.json', (list) => {
    (entryOf(list, 'clinical-trial-pi-assessment')['threshold'] as Record<string, number>)['sensitive'] = 30_000;
  });
  const rules = loadRules(dir);
  const trial = facts({
    exporter: { zone: 'beijing-ftz', negativeList: 'beijing-ftz-2024' },
    transfer: { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: [], sensitivePersonalInfo: true, subjects: 40_000, sensitiveSubjects: 40_000 },
  });
  t.equal(exportPathway(trial).pathway, 'standard-contract-or-certification');
  t.equal(exportPathway(trial, rules).pathway, 'security-assessment');
  t.not(rulesHash(rules), rulesHash(DEFAULT_RULES));
});

t.test('a corrected national threshold moves the boundary', async (t) => {
  const rules = loadRules(corrected(t, 'rules.json', (r) => {
    (r['thresholds'] as { nonSensitive: { contract: number } }).nonSensitive.contract = 50_000;
    r['version'] = '2026.1-corrected';
  }));
  t.equal(rules.version, '2026.1-corrected');
  t.equal(exportPathway(facts({ transfer: { subjects: 60_000 } }), rules).pathway, 'standard-contract-or-certification');
  t.equal(exportPathway(facts({ transfer: { subjects: 60_000 } })).pathway, 'exempt');
});

t.test('a new list file in the directory is loaded', async (t) => {
  const dir = corrected(t, 'negative-lists/hainan-ftz-2025.json', (list) => list);
  const hainan = JSON.parse(readFileSync(join(dir, 'negative-lists/hainan-ftz-2025.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'negative-lists/hainan-ftz-2026.json'), JSON.stringify({ ...hainan, id: 'hainan-ftz-2026', issuedOn: '2026-01-01' }));
  t.same(loadRules(dir).negativeLists.map((l) => l.id), ['beijing-city-2026', 'beijing-ftz-2024', 'hainan-ftz-2025', 'hainan-ftz-2026', 'shanghai-ftz-2025', 'tianjin-ftz-2024']);
});

t.test('a broken rule directory is refused naming the file and the problem', async (t) => {
  const rows: [string, (t: Test) => string, RegExp][] = [
    ['a file that is not JSON', (t) => {
      const dir = corrected(t, 'rules.json', (r) => r);
      writeFileSync(join(dir, 'negative-lists/tianjin-ftz-2024.json'), '{ "id": ');
      return dir;
    }, /rule file negative-lists\/tianjin-ftz-2024\.json: not JSON/],
    ['a missing rules.json', (t) => {
      const dir = corrected(t, 'rules.json', (r) => r);
      rmSync(join(dir, 'rules.json'));
      return dir;
    }, /rule file rules\.json: cannot be read in .* \(ENOENT\)/],
    ['no negative-lists directory', (t) => {
      const dir = corrected(t, 'rules.json', (r) => r);
      rmSync(join(dir, 'negative-lists'), { recursive: true });
      return dir;
    }, /rule file negative-lists\/: cannot be read/],
    ['an unknown pathway', (t) => corrected(t, 'negative-lists/beijing-ftz-2024.json', (l) => {
      entryOf(l, 'automotive-ota')['pathway'] = 'maybe';
    }), /rule file negative-lists\/beijing-ftz-2024\.json: \/entries\/2\/pathway: must be one of "standard-contract-or-certification", "security-assessment"/],
    ['a missing source', (t) => corrected(t, 'rules.json', (r) => {
      delete (r['sources'] as Record<string, string>)['VOLUME-SA'];
    }), /rule file rules\.json: \/sources\/VOLUME-SA: is required/],
    ['a contract threshold not below the assessment one', (t) => corrected(t, 'rules.json', (r) => {
      (r['thresholds'] as { sensitive: { contract: number } }).sensitive.contract = 10_000;
    }), /rule file rules\.json: \/thresholds\/sensitive: contract 10000 must be below assessment 10000/],
    ['a list whose id does not name its file', (t) => corrected(t, 'negative-lists/hainan-ftz-2025.json', (l) => {
      l['id'] = 'hainan-ftz-2024';
    }), /rule file negative-lists\/hainan-ftz-2025\.json: \/id: "hainan-ftz-2024" must name the file, hainan-ftz-2025\.json/],
    ['an entry for a sector the list does not cover', (t) => corrected(t, 'negative-lists/shanghai-ftz-2025.json', (l) => {
      entryOf(l, 'shipping-pi-contract')['sector'] = 'aviation';
    }), /\/entries\/2\/sector: aviation is not a sector the list covers/],
    ['an entry for a scenario the list does not cover', (t) => corrected(t, 'negative-lists/beijing-ftz-2024.json', (l) => {
      entryOf(l, 'clinical-trial-pi-contract')['scenario'] = 'marketing';
    }), /\/entries\/3\/scenario: marketing is not a scenario the list covers in pharmaceuticals/],
    ['a date that is not on the calendar', (t) => corrected(t, 'negative-lists/tianjin-ftz-2024.json', (l) => {
      l['issuedOn'] = '2024-02-30';
    }), /\/issuedOn: 2024-02-30 is not a calendar date/],
    ['a threshold of zero', (t) => corrected(t, 'negative-lists/tianjin-ftz-2024.json', (l) => {
      entryOf(l, 'personal-information-pi-contract')['threshold'] = { nonSensitive: 0 };
    }), /\/entries\/12\/threshold\/nonSensitive: must be >= 1/],
    ['an unknown automotive property', (t) => corrected(t, 'automotive-important.json', (a) => {
      a['trajectoryCategories'] = ['trajectory'];
    }), /rule file automotive-important\.json: \/trajectoryCategories: is not allowed here/],
  ];
  for (const [name, make, message] of rows) {
    await t.test(name, async (t) => {
      const dir = make(t);
      t.throws(() => loadRules(dir), err('VALIDATION', message));
    });
  }
});

t.test('loadRules takes a path or a file URL', async (t) => {
  t.equal(rulesHash(loadRules(shipped)), rulesHash(loadRules(SHIPPED_RULES)));
  const empty = tempDir(t);
  mkdirSync(join(empty, 'negative-lists'));
  t.throws(() => loadRules(empty), err('VALIDATION', /rule file rules\.json: cannot be read/));
});
