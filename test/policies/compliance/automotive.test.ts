// AUTO (Auto Data Provisions Art 3): in automotive sectors vehicle trajectories are sensitive
// personal information, and some categories (and personal information of more than 100,000
// people) make the data an important-data candidate.
import t from 'tap';
import { exportPathway } from '../../../policies/compliance/index.js';
import { facts, noPI, ruleIds, type FactsChanges } from './fixtures.js';

const auto = (transfer: FactsChanges['transfer'], counters?: FactsChanges['counters']) =>
  facts({ transfer: { sector: 'automotive', categories: [], subjects: 500, ...transfer }, ...(counters && { counters }) });

t.test('trajectories are sensitive personal information though not declared so', async (t) => {
  const d = exportPathway(auto({ categories: ['trajectory', 'vin'] }));
  t.same({ pathway: d.pathway, rule: d.rules[0]!.id, totals: d.totals }, { pathway: 'standard-contract-or-certification', rule: 'VOLUME-CONTRACT', totals: { nonSensitive: 500, sensitive: 500 } });
  t.same(d.rules[1], {
    id: 'AUTO', source: 'Auto Data Provisions Art 3',
    reason: 'automotive data (sector automotive): categories trajectory are vehicle trajectories, sensitive personal information (though not declared sensitive): 500 individuals of this transfer counted as sensitive',
  });
});

t.test('location counts as a trajectory, and every individual of the transfer has one', async (t) => {
  const d = exportPathway(auto({ categories: ['location'], sensitivePersonalInfo: true, sensitiveSubjects: 20 }, { sensitiveSubjects: 9_600 }));
  t.same({ pathway: d.pathway, totals: d.totals }, { pathway: 'security-assessment', totals: { nonSensitive: 500, sensitive: 10_100 } });
  t.match(d.rules[1]!.reason, /categories location are vehicle trajectories, sensitive personal information: 500 individuals/);
});

t.test('trajectories of a transfer declared without personal information are personal information', async (t) => {
  const d = exportPathway(noPI({ transfer: { sector: 'automotive', categories: ['trajectory'], subjects: 40 } }));
  t.same({ pathway: d.pathway, totals: d.totals, required: d.required }, {
    pathway: 'standard-contract-or-certification', totals: { nonSensitive: 40, sensitive: 40 },
    required: ['standard-contract-or-certification', 'notice', 'separate-consent', 'pia'],
  });
});

t.test('connected vehicles are an automotive sector too', async (t) => {
  const d = exportPathway(facts({ transfer: { sector: 'connected-vehicles', categories: ['trajectory'] } }));
  t.equal(d.rules[0]!.id, 'VOLUME-CONTRACT');
  t.same(ruleIds(d), ['VOLUME-CONTRACT', 'AUTO', 'VALIDITY', 'ALWAYS-PI']);
});

t.test('trajectories outside an automotive sector are what the transfer declares', async (t) => {
  const d = exportPathway(facts({ transfer: { sector: 'retail', categories: ['trajectory'] } }));
  t.same({ pathway: d.pathway, rules: ruleIds(d) }, { pathway: 'exempt', rules: ['VOLUME-LOW', 'ALWAYS-PI'] });
});

t.test('an important-data candidate category flags identification without deciding', async (t) => {
  const d = exportPathway(auto({ categories: ['exterior-video'] }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, rules: ruleIds(d), required: d.required }, {
    pathway: 'exempt', satisfied: true, rules: ['VOLUME-LOW', 'AUTO', 'IMPORTANT-PENDING', 'ALWAYS-PI'],
    required: ['identify-important-data', 'notice', 'separate-consent', 'pia'],
  });
  t.equal(d.rules[1]!.reason, 'automotive data (sector automotive): category exterior-video (video and images taken outside the vehicle that contain faces or licence plates) is an important-data candidate');
});

t.test('each candidate category of the provisions flags, without personal information too', async (t) => {
  for (const category of ['sensitive-site-geography', 'sensitive-site-flows', 'economic-flows', 'charging-network', 'exterior-video']) {
    const d = exportPathway(noPI({ transfer: { sector: 'automotive', categories: [category] } }));
    t.same({ pathway: d.pathway, rules: ruleIds(d), required: d.required }, { pathway: 'exempt', rules: ['NO-PI', 'AUTO', 'IMPORTANT-PENDING'], required: ['identify-important-data'] }, category);
  }
});

t.test('personal information of more than 100,000 people this year is a candidate; of 100,000 it is not', async (t) => {
  const at = exportPathway(auto({ subjects: 100_000 }));
  t.same({ pathway: at.pathway, rules: ruleIds(at) }, { pathway: 'standard-contract-or-certification', rules: ['VOLUME-CONTRACT', 'AUTO', 'VALIDITY', 'ALWAYS-PI'] });
  t.equal(at.rules[1]!.reason, 'automotive data (sector automotive): no trajectories and no important-data candidates among its categories');
  const over = exportPathway(auto({ subjects: 1 }, { nonSensitiveSubjects: 100_000 }));
  t.same(ruleIds(over), ['VOLUME-CONTRACT', 'AUTO', 'IMPORTANT-PENDING', 'VALIDITY', 'ALWAYS-PI']);
  t.equal(over.rules[1]!.reason, 'automotive data (sector automotive): personal information of 100,001 individuals this year, more than 100,000, is an important-data candidate');
});

t.test('AUTO does not lower notified important data to a candidate', async (t) => {
  const d = exportPathway(auto({ categories: ['exterior-video'], importantData: 'notified' }));
  t.same({ pathway: d.pathway, rules: ruleIds(d) }, { pathway: 'security-assessment', rules: ['IMPORTANT', 'AUTO', 'VALIDITY', 'ALWAYS-PI'] });
});

t.test('automotive data without its categories is needs-info', async (t) => {
  const d = exportPathway(facts({ transfer: { sector: 'automotive' } }));
  t.same({ pathway: d.pathway, missing: d.missing }, { pathway: 'needs-info', missing: ['transfer.categories'] });
});
