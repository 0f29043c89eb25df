// VALIDITY: the artefacts a pathway relies on, on the facts' date (an expiry day is still valid,
// the day after is not; a filing counts from its day), and the warnings 60 working days before expiry.
import t from 'tap';
import { artefactStatus, artefactWarnings, exportPathway } from '../../../policies/compliance/index.js';
import { dayNumber, isoDate, periodEnd, workingDaysBetween } from '../../../policies/compliance/dates.js';
import { DATE, facts, ruleIds, type FactsChanges } from './fixtures.js';

const CONTRACT = 'standard-contract-or-certification';
/** 200,000 individuals: the contract pathway. */
const contractFacts = (artefacts: FactsChanges['artefacts']) => facts({ transfer: { subjects: 200_000 }, artefacts });
/** 2,000,000 individuals: the assessment pathway. */
const assessmentFacts = (artefacts: FactsChanges['artefacts']) => facts({ transfer: { subjects: 2_000_000 }, artefacts });

t.test('a security assessment is valid on its expiry day', async (t) => {
  const d = exportPathway(assessmentFacts({ securityAssessment: { id: 'SA-1', expires: DATE } }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, missing: d.missing }, { pathway: 'security-assessment', satisfied: true, missing: [] });
  t.same(d.rules[1], { id: 'VALIDITY', source: 'Provisions Art 9; Cert. Measures', reason: `security assessment SA-1 is valid through ${DATE}` });
});

t.test('a security assessment expired the day before: the pathway stays, unsatisfied, with the assessment missing', async (t) => {
  const d = exportPathway(assessmentFacts({ securityAssessment: { id: 'SA-1', expires: '2026-03-01' } }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, missing: d.missing, rules: ruleIds(d) },
    { pathway: 'security-assessment', satisfied: false, missing: ['security-assessment'], rules: ['VOLUME-SA', 'VALIDITY', 'ALWAYS-PI'] });
  t.equal(d.rules[1]!.reason, 'security assessment SA-1 expired on 2026-03-01 (valid through that day): expired means blocked');
});

t.test('no security assessment on file', async (t) => {
  const d = exportPathway(assessmentFacts({}));
  t.same(d.missing, ['security-assessment']);
  t.equal(d.rules[1]!.reason, 'no security assessment on file');
});

t.test('a standard-contract filing counts from the day it was filed, not before', async (t) => {
  const onTheDay = exportPathway(contractFacts({ standardContract: { filingId: 'SC-1', filedOn: DATE } }));
  t.same({ pathway: onTheDay.pathway, satisfied: onTheDay.satisfied }, { pathway: CONTRACT, satisfied: true });
  t.equal(onTheDay.rules[1]!.reason, `standard-contract filing SC-1 is on file since ${DATE}`);
  const later = exportPathway(contractFacts({ standardContract: { filingId: 'SC-1', filedOn: '2026-03-03' } }));
  t.same({ pathway: later.pathway, satisfied: later.satisfied, missing: later.missing }, { pathway: CONTRACT, satisfied: false, missing: [CONTRACT] });
  t.equal(later.rules[1]!.reason, `standard-contract filing SC-1 is dated 2026-03-03, after ${DATE}; no certification on file`);
});

t.test('a certification is valid on its expiry day and expired the day after', async (t) => {
  t.equal(exportPathway(contractFacts({ certification: { id: 'C-1', expires: DATE } })).satisfied, true);
  const expired = exportPathway(contractFacts({ certification: { id: 'C-1', expires: '2026-03-01' } }));
  t.same({ satisfied: expired.satisfied, missing: expired.missing }, { satisfied: false, missing: [CONTRACT] });
  t.equal(expired.rules[1]!.reason, 'no standard-contract filing on file; certification C-1 expired on 2026-03-01 (valid through that day): expired means blocked');
});

t.test('a filing satisfies the contract pathway though the certification expired', async (t) => {
  const d = exportPathway(contractFacts({ certification: { id: 'C-1', expires: '2025-01-01' }, standardContract: { filingId: 'SC-1', filedOn: '2025-01-01' } }));
  t.equal(d.satisfied, true);
});

t.test('a valid security assessment also satisfies the contract pathway', async (t) => {
  const d = exportPathway(contractFacts({ securityAssessment: { id: 'SA-1', expires: '2027-01-01' } }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied }, { pathway: CONTRACT, satisfied: true });
  t.equal(d.rules[1]!.reason, 'security assessment SA-1, valid through 2027-01-01, covers the export (the stricter pathway)');
});

t.test('a contract filing does not satisfy the assessment pathway', async (t) => {
  const d = exportPathway(assessmentFacts({ standardContract: { filingId: 'SC-1', filedOn: '2025-01-01' } }));
  t.same(d.missing, ['security-assessment']);
});

// 2026-03-02 is a Monday: twelve weeks later, 2026-05-25, is 60 working days on.
t.test('an assessment expiring 60 working days after the date is warned of; one at 61 is not', async (t) => {
  t.same(artefactWarnings(facts({ artefacts: { securityAssessment: { id: 'SA-1', expires: '2026-05-25' } } })), [
    'security assessment SA-1 expires on 2026-05-25, 60 working days after 2026-03-02 (Monday to Friday, public holidays not counted): ' +
      'within the 60 working days in which its extension is applied for (Provisions Art 9; Cert. Measures)',
  ]);
  t.same(artefactWarnings(facts({ artefacts: { securityAssessment: { id: 'SA-1', expires: '2026-05-26' } } })), []);
});

t.test('a certification in its last 60 working days is warned of, in the decision too', async (t) => {
  const f = contractFacts({ certification: { id: 'C-1', expires: '2026-03-06' } });
  const expected = ['certification C-1 expires on 2026-03-06, 4 working days after 2026-03-02 (Monday to Friday, public holidays not counted): within the 60 working days in which its extension is applied for (Provisions Art 9; Cert. Measures)'];
  t.same(artefactWarnings(f), expected);
  t.same(exportPathway(f).warnings, expected);
});

t.test('an artefact expiring on the day is warned of with 0 working days; an expired one is not warned of', async (t) => {
  t.match(artefactWarnings(facts({ artefacts: { securityAssessment: { id: 'SA-1', expires: DATE } } })), [/expires on 2026-03-02, 0 working days after/]);
  t.same(artefactWarnings(facts({ artefacts: { securityAssessment: { id: 'SA-1', expires: '2026-03-01' } } })), []);
});

t.test('an expiry further off than the three-year validity is called out', async (t) => {
  t.same(artefactWarnings(facts({ artefacts: { certification: { id: 'C-1', expires: '2029-03-03' } } })), [
    'certification C-1 expires on 2029-03-03, more than 3 years after 2026-03-02, though one is valid 3 years from issue: check the date',
  ]);
  t.same(artefactWarnings(facts({ artefacts: { certification: { id: 'C-1', expires: '2029-03-02' } } })), []);
});

t.test('artefactWarnings needs only the date and the artefacts', async (t) => {
  t.same(artefactWarnings({ date: DATE, exporter: { artefacts: { securityAssessment: { id: 'SA-1', expires: '2026-03-03' } } } } as never).length, 1);
  t.same(artefactWarnings({ exporter: {} } as never), []);
});

t.test('working days count Monday to Friday after the first day through the last', async (t) => {
  const day = (d: string) => dayNumber(d)!;
  const rows: [string, string, number][] = [
    ['2026-03-02', '2026-03-02', 0], // Monday, same day
    ['2026-03-06', '2026-03-09', 1], // Friday to Monday
    ['2026-03-07', '2026-03-08', 0], // Saturday to Sunday
    ['2026-03-02', '2026-03-09', 5], // a week
    ['2026-03-02', '2026-05-25', 60],
    ['2026-03-09', '2026-03-02', -5],
    ['1969-12-29', '1970-01-05', 5], // across the epoch
    ['2026-11-27', '2026-11-30', 1], // Friday to Monday
    ['2026-11-27', '2026-11-27', 0],
    ['2026-11-30', '2026-11-27', -1],
    ['2026-01-01', '2026-12-31', 260],
  ];
  for (const [from, to, days] of rows) t.equal(workingDaysBetween(day(from), day(to)), days, `${from} to ${to}`);
});

t.test('artefact status: valid, expiring within 60 working days, expired on the day after, filings without expiry', async (t) => {
  const today = '2026-11-27';
  t.same(artefactStatus({
    standardContract: { filingId: 'F-1', filedOn: '2026-01-15' },
    certification: { id: 'C-1', expires: '2027-02-19' }, // 60 working days ahead
    securityAssessment: { id: 'SA-1', expires: '2026-11-26' },
    pia: { date: '2026-11-01' },
  }, today), [
    { kind: 'standardContract', id: 'F-1', date: '2026-01-15', status: 'filed' },
    { kind: 'certification', id: 'C-1', date: '2027-02-19', status: 'expiring', workingDaysLeft: 60 },
    { kind: 'securityAssessment', id: 'SA-1', date: '2026-11-26', status: 'expired', workingDaysLeft: -1 },
    { kind: 'pia', date: '2026-11-01', status: 'filed' },
  ]);
  t.match(artefactStatus({ certification: { id: 'C-2', expires: '2027-02-22' } }, today), [{ status: 'valid', workingDaysLeft: 61 }]);
  t.match(artefactStatus({ certification: { id: 'C-3', expires: today } }, today), [{ status: 'expiring', workingDaysLeft: 0 }], 'valid through its expiry day');
});

t.test('dates: calendar checks and the end of a period in years (Civil Code Art 202)', async (t) => {
  t.equal(dayNumber('1970-01-02'), 1);
  for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '26-01-01', '2026-04-31']) t.equal(dayNumber(bad), undefined, bad);
  t.equal(isoDate(periodEnd('2023-05-01', 3)), '2026-05-01');
  t.equal(isoDate(periodEnd('2024-02-29', 3)), '2027-02-28');
  t.equal(isoDate(periodEnd('2024-02-29', 4)), '2028-02-29');
});
