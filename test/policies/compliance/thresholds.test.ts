// volumeThresholds: the yearly totals at which the decision for a transfer may change.
import t from 'tap';
import { exportPathway, volumeThresholds } from '../../../policies/compliance/index.js';
import { facts } from './fixtures.js';

t.test('outside a zone: the national thresholds', async (t) => {
  t.same(volumeThresholds(facts()), { nonSensitive: [100_000, 1_000_000], sensitive: [1, 10_000] });
});

t.test('automotive adds the count above which personal information is an important-data candidate', async (t) => {
  t.same(volumeThresholds(facts({ transfer: { sector: 'automotive', categories: [] } })), { nonSensitive: [100_000, 100_001, 1_000_000], sensitive: [1, 10_000] });
});

t.test('a list adds the thresholds of the entries the transfer may match, ascending and once each', async (t) => {
  const trial = facts({ exporter: { zone: 'beijing-ftz', negativeList: 'beijing-ftz-2024' }, transfer: { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: ['health'] } });
  t.same(volumeThresholds(trial), { nonSensitive: [100_000, 1_000_000], sensitive: [1, 10_000, 50_000, 100_000] });
});

t.test('an unknown scenario widens the answer to every entry of the sector', async (t) => {
  const f = facts({ exporter: { zone: 'beijing-ftz', negativeList: 'beijing-ftz-2024' }, transfer: { sector: 'pharmaceuticals', categories: ['genetic'] } });
  t.same(volumeThresholds(f).sensitive, [1, 10_000, 50_000]);
});

t.test("a list that does not apply adds nothing: a CIIO, a sector it does not cover", async (t) => {
  const list = { zone: 'beijing-ftz' as const, negativeList: 'beijing-ftz-2024' };
  const trial = { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: ['health'] };
  t.same(volumeThresholds(facts({ exporter: { ...list, ciio: true }, transfer: trial })).sensitive, [1, 10_000]);
  t.same(volumeThresholds(facts({ exporter: list, transfer: { sector: 'banking' } })).sensitive, [1, 10_000]);
});

t.test('facts with little known still give the national thresholds', async (t) => {
  const few = { date: '2026-03-02', exporter: { ciio: false, zone: 'beijing-ftz' }, transfer: { personalInfo: true, sensitivePersonalInfo: true, importantData: 'none', subjects: 0, sensitiveSubjects: 0 }, counters: { nonSensitiveSubjects: 0, sensitiveSubjects: 0 } } as const;
  t.same(volumeThresholds(few), { nonSensitive: [100_000, 1_000_000], sensitive: [1, 10_000] });
  t.same(volumeThresholds({} as never), { nonSensitive: [100_000, 1_000_000], sensitive: [1, 10_000] });
});

t.test('at each threshold the decision changes from the total just below it', async (t) => {
  const trial = (sensitive: number) => facts({
    exporter: { zone: 'beijing-ftz', negativeList: 'beijing-ftz-2024' },
    transfer: { sector: 'pharmaceuticals', scenario: 'clinical-trial', categories: [], sensitivePersonalInfo: true, subjects: 0, sensitiveSubjects: 0 },
    counters: { nonSensitiveSubjects: sensitive, sensitiveSubjects: sensitive },
  });
  const [first, , relaxed] = volumeThresholds(trial(0)).sensitive;
  for (const at of [first!, relaxed!]) t.not(exportPathway(trial(at - 1)).pathway, exportPathway(trial(at)).pathway, `at ${at}`);
});
