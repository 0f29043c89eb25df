// FTZ-LIST: each shipped list on and off the list; a list not filed, for another zone, not yet in
// force, or unknown; a CIIO in a zone; sectors and scenarios a list does not cover; the facts a
// list needs; the strictest entry; low confidence said where it decides.
import t from 'tap';
import { exportPathway, type ExportFacts, type Zone } from '../../../policies/compliance/index.js';
import { facts, noPI, ruleIds, type FactsChanges } from './fixtures.js';

const CONTRACT = 'standard-contract-or-certification';

/** Facts of an exporter in `zone` that filed to use `list`. */
function inZone(zone: Zone, list: string | undefined, c: FactsChanges = {}, base: (c: FactsChanges) => ExportFacts = facts): ExportFacts {
  return base({ ...c, exporter: { zone, ...(list !== undefined && { negativeList: list }), ...c.exporter } });
}

const outcome = (f: ExportFacts) => {
  const d = exportPathway(f);
  return { pathway: d.pathway, rule: d.rules[0]!.id };
};

t.test('each shipped list: data on the list takes its pathway, data off it is exempt', async (t) => {
  const rows: [string, ExportFacts, { pathway: string; rule: string }][] = [
    ['beijing-ftz-2024, OTA data', inZone('beijing-ftz', 'beijing-ftz-2024', { transfer: { sector: 'automotive', categories: ['ota-upgrade'] } }, noPI), { pathway: 'security-assessment', rule: 'FTZ-LIST' }],
    ['beijing-ftz-2024, automotive data no entry matches', inZone('beijing-ftz', 'beijing-ftz-2024', { transfer: { sector: 'automotive', categories: ['vehicle-specifications'] } }, noPI), { pathway: 'exempt', rule: 'FTZ-LIST' }],
    ['beijing-city-2026, banking personal information of 200,000', inZone('beijing-city', 'beijing-city-2026', { date: '2026-06-01', transfer: { sector: 'banking', subjects: 200_000 } }), { pathway: CONTRACT, rule: 'FTZ-LIST' }],
    ['beijing-city-2026, banking personal information of 50,000', inZone('beijing-city', 'beijing-city-2026', { date: '2026-06-01', transfer: { sector: 'banking', subjects: 50_000 } }), { pathway: 'exempt', rule: 'FTZ-LIST' }],
    ['tianjin-ftz-2024, industrial data', inZone('tianjin-ftz', 'tianjin-ftz-2024', { transfer: { sector: 'manufacturing', categories: ['industrial-data'] } }, noPI), { pathway: 'security-assessment', rule: 'FTZ-LIST' }],
    ['tianjin-ftz-2024, marketing data', inZone('tianjin-ftz', 'tianjin-ftz-2024', { transfer: { sector: 'manufacturing', categories: ['marketing'] } }, noPI), { pathway: 'exempt', rule: 'FTZ-LIST' }],
    ['shanghai-ftz-2025, retail membership of 150,000', inZone('shanghai-ftz', 'shanghai-ftz-2025', { transfer: { sector: 'retail', scenario: 'membership', categories: [], subjects: 150_000 } }), { pathway: CONTRACT, rule: 'FTZ-LIST' }],
    ['shanghai-ftz-2025, retail membership of 5,000', inZone('shanghai-ftz', 'shanghai-ftz-2025', { transfer: { sector: 'retail', scenario: 'membership', categories: [], subjects: 5_000 } }), { pathway: 'exempt', rule: 'FTZ-LIST' }],
    ['hainan-ftz-2025, germplasm data', inZone('hainan-ftz', 'hainan-ftz-2025', { transfer: { sector: 'seed', categories: ['germplasm-data'] } }, noPI), { pathway: 'security-assessment', rule: 'FTZ-LIST' }],
    ['hainan-ftz-2025, tourism personal information of 5,000', inZone('hainan-ftz', 'hainan-ftz-2025', { transfer: { sector: 'tourism', categories: [], subjects: 5_000 } }), { pathway: 'exempt', rule: 'FTZ-LIST' }],
  ];
  for (const [name, f, expected] of rows) t.same(outcome(f), expected, name);
});

t.test('an on-list decision names the list, the entry, the numbers and the source', async (t) => {
  const d = exportPathway(inZone('beijing-city', 'beijing-city-2026', { date: '2026-06-01', transfer: { sector: 'banking', subjects: 200_000 } }));
  t.same(d.rules[0], {
    id: 'FTZ-LIST', source: 'Provisions Art 6',
    reason: 'banking is on list beijing-city-2026, entry banking-pi-contract (personal information of 200,000 individuals this year >= 100,000): standard-contract-or-certification ' +
      '(Negative List for Cross-Border Data Transfers (2025 Edition) of the China (Beijing) Pilot Free Trade Zone and the Comprehensive Demonstration Zone for Expanding Opening-Up of the Service Industry, issued 2026-05-11, banking) ' +
      "[low confidence: The list's own personal-information thresholds for this sector are not encoded here: the national ones (Provisions Arts 7-8) are kept, which are at least as strict as any list's. Correct them from the published list.]",
  });
});

t.test('an off-list decision says why the data is off the list', async (t) => {
  const d = exportPathway(inZone('shanghai-ftz', 'shanghai-ftz-2025', { transfer: { sector: 'retail', scenario: 'membership', categories: [], subjects: 5_000 } }));
  t.match(d.rules[0]!.reason, /^retail \/ membership is covered by list shanghai-ftz-2025 and entries retail-membership-pi-contract, retail-membership-pi-assessment match but personal information of 5,000 and sensitive personal information of 0 individuals this year reach none of their thresholds: off the list, exempt \[low confidence/);
  const none = exportPathway(inZone('tianjin-ftz', 'tianjin-ftz-2024', { transfer: { sector: 'manufacturing', categories: ['marketing'] } }, noPI));
  t.match(none.rules[0]!.reason, /^manufacturing is covered by list tianjin-ftz-2024 and entries personal-information-pi-contract, personal-information-pi-assessment match but/);
});

t.test('Beijing clinical trials: sensitive personal information of 49,999 takes a contract, of 50,000 an assessment, each saying low confidence', async (t) => {
  const trial = (sensitiveSubjects: number) => exportPathway(inZone('beijing-ftz', 'beijing-ftz-2024', {
    transfer: { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: ['health'], sensitivePersonalInfo: true, subjects: sensitiveSubjects, sensitiveSubjects },
  }));
  const below = trial(49_999);
  t.same({ pathway: below.pathway, rule: below.rules[0]!.id }, { pathway: CONTRACT, rule: 'FTZ-LIST' });
  t.match(below.rules[0]!.reason, /entry clinical-trial-pi-contract .*\[low confidence: /);
  const at = trial(50_000);
  t.same({ pathway: at.pathway, rule: at.rules[0]!.id }, { pathway: 'security-assessment', rule: 'FTZ-LIST' });
  t.match(at.rules[0]!.reason, /entry clinical-trial-pi-assessment \(sensitive personal information of 50,000 individuals this year >= 50,000\): security-assessment \(also matched: clinical-trial-pi-contract\)/);
  t.match(at.rules[0]!.reason, /\[low confidence: The list relaxed the clinical-trial threshold to about 50,000 individuals a year/);
});

t.test('under national rules the same clinical trial would need an assessment from 10,000', async (t) => {
  const f = facts({ transfer: { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: ['health'], sensitivePersonalInfo: true, subjects: 20_000, sensitiveSubjects: 20_000 } });
  t.same(outcome(f), { pathway: 'security-assessment', rule: 'VOLUME-SA' });
});

t.test('the strictest matching entry decides: genetic data of a clinical trial at 20,000 goes to assessment', async (t) => {
  const d = exportPathway(inZone('beijing-ftz', 'beijing-ftz-2024', {
    transfer: { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: ['genetic'], sensitivePersonalInfo: true, subjects: 20_000, sensitiveSubjects: 20_000 },
  }));
  t.equal(d.pathway, 'security-assessment');
  t.match(d.rules[0]!.reason, /entry pharmaceuticals-genetic-assessment .*\(also matched: clinical-trial-pi-contract, pharmaceuticals-genetic-contract\)/);
});

t.test('a sector or scenario the list does not cover is left to the national rules', async (t) => {
  const sector = exportPathway(inZone('beijing-ftz', 'beijing-ftz-2024', { transfer: { sector: 'banking', subjects: 200_000 } }));
  t.same(ruleIds(sector), ['VOLUME-CONTRACT', 'FTZ-LIST', 'VALIDITY', 'ALWAYS-PI']);
  t.equal(sector.rules[1]!.reason, 'sector banking is not covered by list beijing-ftz-2024: the national rules decide');
  const scenario = exportPathway(inZone('beijing-ftz', 'beijing-ftz-2024', {
    transfer: { sector: 'pharmaceuticals', scenario: 'pharmacovigilance', categories: ['health'], sensitivePersonalInfo: true, subjects: 20_000, sensitiveSubjects: 20_000 },
  }));
  t.same({ pathway: scenario.pathway, rule: scenario.rules[0]!.id }, { pathway: 'security-assessment', rule: 'VOLUME-SA' });
  t.equal(scenario.rules[1]!.reason, 'scenario pharmacovigilance of sector pharmaceuticals is not covered by list beijing-ftz-2024: the national rules decide');
});

t.test('an exporter in a zone that has not filed to use a list follows the national rules', async (t) => {
  const d = exportPathway(inZone('beijing-ftz', undefined, { transfer: { sector: 'automotive', categories: ['ota-upgrade'], subjects: 100_000 } }));
  t.same(ruleIds(d), ['VOLUME-CONTRACT', 'AUTO', 'FTZ-LIST', 'VALIDITY', 'ALWAYS-PI']);
  t.equal(d.rules[2]!.reason, 'the exporter in beijing-ftz has not filed to use a negative list: the national rules decide');
});

t.test('a CIIO in a zone does not use its list', async (t) => {
  const d = exportPathway(inZone('shanghai-ftz', 'shanghai-ftz-2025', { exporter: { ciio: true }, transfer: { sector: 'retail', scenario: 'membership', categories: [], subjects: 5_000 } }));
  t.same({ pathway: d.pathway, rules: ruleIds(d) }, { pathway: 'security-assessment', rules: ['CIIO', 'FTZ-LIST', 'VALIDITY', 'ALWAYS-PI'] });
  t.equal(d.rules[1]!.reason, "the exporter in shanghai-ftz is a CIIO: a zone's negative list is not for it");
});

t.test('a list for another zone, one not yet in force, or one not in the rule set is not applied', async (t) => {
  const rows: [ExportFacts, string][] = [
    [inZone('shanghai-ftz', 'beijing-ftz-2024', { transfer: { sector: 'retail', subjects: 200_000 } }), 'list beijing-ftz-2024 is for beijing-ftz, not shanghai-ftz: the national rules decide'],
    [inZone('beijing-city', 'beijing-city-2026', { date: '2026-05-10', transfer: { sector: 'banking', subjects: 200_000 } }), 'list beijing-city-2026 is in force from 2026-05-11, after 2026-05-10: the national rules decide'],
    [inZone('hainan-ftz', 'hainan-ftz-2030', { transfer: { sector: 'tourism', subjects: 200_000 } }), 'list hainan-ftz-2030 is not in rule set 2026.1: the national rules decide'],
  ];
  for (const [f, reason] of rows) {
    const d = exportPathway(f);
    t.same({ pathway: d.pathway, rules: ruleIds(d) }, { pathway: CONTRACT, rules: ['VOLUME-CONTRACT', 'FTZ-LIST', 'VALIDITY', 'ALWAYS-PI'] }, reason);
    t.equal(d.rules[1]!.reason, reason);
  }
});

t.test('an exporter of the Beijing FTZ may use the city-wide list', async (t) => {
  t.same(outcome(inZone('beijing-ftz', 'beijing-city-2026', { date: '2026-06-01', transfer: { sector: 'banking', subjects: 50_000 } })), { pathway: 'exempt', rule: 'FTZ-LIST' });
});

t.test('a list outside the zones is ignored', async (t) => {
  const d = exportPathway(facts({ exporter: { negativeList: 'beijing-ftz-2024' }, transfer: { sector: 'retail', subjects: 50_000 } }));
  t.same(ruleIds(d), ['VOLUME-LOW', 'ALWAYS-PI']);
});

t.test('a list needs the sector, the scenario where it names scenarios, and the categories where its entries name them', async (t) => {
  const rows: [ExportFacts, string][] = [
    [inZone('beijing-ftz', 'beijing-ftz-2024', {}), 'transfer.sector'],
    [inZone('beijing-ftz', 'beijing-ftz-2024', { transfer: { sector: 'pharmaceuticals', categories: [] } }), 'transfer.scenario'],
    [inZone('shanghai-ftz', 'shanghai-ftz-2025', { transfer: { sector: 'shipping', categories: [] } }), 'transfer.scenario'],
    [inZone('tianjin-ftz', 'tianjin-ftz-2024', { transfer: { sector: 'manufacturing' } }), 'transfer.categories'],
  ];
  for (const [f, missing] of rows) {
    const d = exportPathway(f);
    t.same({ pathway: d.pathway, missing: d.missing, rules: ruleIds(d) }, { pathway: 'needs-info', missing: [missing], rules: ['NEEDS-INFO'] }, missing);
    t.match(d.rules[0]!.reason, new RegExp(`^FTZ-LIST: list \\S+ needs ${missing.replace('.', '\\.')} to tell whether the data is on it$`));
  }
});

t.test('an exemption decides before the list, and notified important data before both', async (t) => {
  const f = { transfer: { sector: 'retail', scenario: 'membership', categories: [], subjects: 150_000, basis: 'contract' as const } };
  t.same(outcome(inZone('shanghai-ftz', 'shanghai-ftz-2025', f)), { pathway: 'exempt', rule: 'EX-NECESSARY' });
  t.same(outcome(inZone('shanghai-ftz', 'shanghai-ftz-2025', { transfer: { ...f.transfer, subjects: 5_000, importantData: 'notified' } })), { pathway: 'security-assessment', rule: 'IMPORTANT' });
});

t.test('the list decides on this year\'s totals, counters included', async (t) => {
  const f = inZone('hainan-ftz', 'hainan-ftz-2025', { transfer: { sector: 'tourism', categories: [], subjects: 1 }, counters: { nonSensitiveSubjects: 99_999 } });
  t.same(outcome(f), { pathway: CONTRACT, rule: 'FTZ-LIST' });
});
