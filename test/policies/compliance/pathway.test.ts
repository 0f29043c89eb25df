// The national rules of COMPLIANCE.md in their order: core data, missing facts, HGR, important
// data, the exemptions, CIIO, and the volume thresholds at each boundary.
import t from 'tap';
import { exportPathway } from '../../../policies/compliance/index.js';
import { err } from '../../helpers.js';
import { DATE, facts, noPI, ruleIds, withPath } from './fixtures.js';

const CONTRACT = 'standard-contract-or-certification';
const SC_ON_FILE = { standardContract: { filingId: 'SC-1', filedOn: '2026-01-05' } };
const SA_ON_FILE = { securityAssessment: { id: 'SA-1', expires: '2028-01-01' } };

t.test('core data escalates to a person, before any other rule', async (t) => {
  const d = exportPathway(withPath(facts({ transfer: { coreData: true, importantData: 'notified' } }), 'date', undefined));
  t.same(d, {
    pathway: 'escalate', satisfied: false,
    rules: [{ id: 'CORE', source: 'Data Security Law Art 21 (core data has no export pathway)', reason: 'the transfer holds core data, which has no export pathway: a person decides' }],
    required: ['human-review'], missing: [], warnings: [],
  });
});

t.test('coreData false or absent is not core data', async (t) => {
  t.equal(exportPathway(facts({ transfer: { coreData: false } })).pathway, 'exempt');
  t.equal(exportPathway(facts()).pathway, 'exempt');
});

t.test('needs-info names each absent fact a rule needs (undefined, null or NaN)', async (t) => {
  const rows: [string, unknown, string[]][] = [
    ['date', undefined, ['date']],
    ['exporter.ciio', undefined, ['exporter.ciio']],
    ['exporter.zone', null, ['exporter.zone']],
    ['transfer.personalInfo', undefined, ['transfer.personalInfo']],
    ['transfer.sensitivePersonalInfo', undefined, ['transfer.sensitivePersonalInfo']],
    ['transfer.importantData', undefined, ['transfer.importantData']],
    ['transfer.subjects', Number.NaN, ['transfer.subjects']],
    ['counters.nonSensitiveSubjects', undefined, ['counters.nonSensitiveSubjects']],
    ['counters', undefined, ['counters.nonSensitiveSubjects']],
  ];
  for (const [path, value, missing] of rows) {
    const d = exportPathway(withPath(facts(), path, value));
    t.same({ pathway: d.pathway, satisfied: d.satisfied, missing: d.missing, rules: ruleIds(d) }, { pathway: 'needs-info', satisfied: false, missing, rules: ['NEEDS-INFO'] }, path);
    t.equal(d.rules[0]!.reason, `the rules need ${missing.join(', ')}`, path);
  }
});

t.test('the sensitive counts are needed only for sensitive personal information', async (t) => {
  const sensitive = facts({ transfer: { sensitivePersonalInfo: true, sensitiveSubjects: 10 } });
  t.same(exportPathway(withPath(sensitive, 'transfer.sensitiveSubjects', undefined)).missing, ['transfer.sensitiveSubjects']);
  t.same(exportPathway(withPath(sensitive, 'counters.sensitiveSubjects', Number.NaN)).missing, ['counters.sensitiveSubjects']);
  t.equal(exportPathway(withPath(facts(), 'transfer.sensitiveSubjects', undefined)).pathway, 'exempt');
});

t.test('the individual counts are not needed without personal information', async (t) => {
  const d = exportPathway(withPath(withPath(noPI(), 'transfer.subjects', undefined), 'counters', undefined));
  t.equal(d.pathway, 'exempt');
  t.same(ruleIds(d), ['NO-PI']);
});

t.test('every absent fact is named at once, in a fixed order', async (t) => {
  const d = exportPathway(withPath(withPath(withPath(facts(), 'transfer.subjects', undefined), 'date', undefined), 'exporter.ciio', undefined));
  t.same(d.missing, ['date', 'exporter.ciio', 'transfer.subjects']);
});

t.test('a fact of the wrong type is refused with DP_ERR_VALIDATION naming it', async (t) => {
  const rows: [string, unknown, RegExp][] = [
    ['exporter.ciio', 'yes', /exporter\.ciio must be true or false, not "yes"/],
    ['exporter.zone', 'mars', /exporter\.zone must be one of none, beijing-ftz/],
    ['transfer.subjects', -1, /transfer\.subjects must be a whole number >= 0, not -1/],
    ['transfer.subjects', 1.5, /transfer\.subjects must be a whole number >= 0/],
    ['date', '2026-02-30', /date must be a YYYY-MM-DD calendar date, not "2026-02-30"/],
    ['transfer.basis', 'friendship', /transfer\.basis must be one of none, trade/],
    ['exporter.artefacts.securityAssessment', { id: 'SA-1' }, /exporter\.artefacts\.securityAssessment\.expires must be a YYYY-MM-DD date, not absent/],
    ['transfer', 'all of it', /transfer must be an object/],
  ];
  for (const [path, value, message] of rows) t.throws(() => exportPathway(withPath(facts(), path, value)), err('VALIDATION', message), path);
  t.throws(() => exportPathway(null as never), err('VALIDATION', /the facts\) must be an object/));
});

t.test('HGR-MATERIAL: materials leaving without an export approval are blocked, before important data', async (t) => {
  const d = exportPathway(facts({ transfer: { hgr: { materials: true }, importantData: 'notified' } }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, required: d.required, missing: d.missing, rules: ruleIds(d) },
    { pathway: 'blocked', satisfied: false, required: ['hgr-export-approval'], missing: ['hgr-export-approval'], rules: ['HGR-MATERIAL'] });
  t.equal(d.rules[0]!.reason, 'human genetic resource materials leave the country and no export approval is on file: blocked');
  t.equal(d.rules[0]!.source, 'HGR Reg. Art 27');
});

t.test('HGR-MATERIAL: an expired approval blocks; a valid one lets the other rules decide', async (t) => {
  const expired = exportPathway(facts({ transfer: { hgr: { materials: true } }, artefacts: { hgrExportApproval: { id: 'HGR-A', expires: '2026-03-01' } } }));
  t.equal(expired.pathway, 'blocked');
  t.match(expired.rules[0]!.reason, /export approval HGR-A expired on 2026-03-01/);
  const valid = exportPathway(facts({ transfer: { hgr: { materials: true } }, artefacts: { hgrExportApproval: { id: 'HGR-A' } } }));
  t.same({ pathway: valid.pathway, satisfied: valid.satisfied, rules: ruleIds(valid) }, { pathway: 'exempt', satisfied: true, rules: ['VOLUME-LOW', 'HGR-MATERIAL', 'ALWAYS-PI'] });
  t.same(valid.required, ['hgr-export-approval', 'notice', 'separate-consent', 'pia']);
});

t.test('HGR-INFO: information for a foreign party needs the filing with its backup, and a person to judge the security review', async (t) => {
  const hgr = { transfer: { hgr: { information: true }, sensitivePersonalInfo: true, sensitiveSubjects: 40, categories: ['genetic'] } };
  const unfiled = exportPathway(facts({ ...hgr, artefacts: SC_ON_FILE }));
  t.same({ pathway: unfiled.pathway, satisfied: unfiled.satisfied, missing: unfiled.missing, rules: ruleIds(unfiled) },
    { pathway: CONTRACT, satisfied: false, missing: ['hgr-filing-and-backup'], rules: ['VOLUME-CONTRACT', 'HGR-INFO', 'VALIDITY', 'ALWAYS-PI'] });
  t.equal(unfiled.rules[1]!.source, 'HGR Reg. Art 28');
  t.same(unfiled.warnings, ['human genetic resource information: a security review is also needed if it may affect public health or national security (HGR Reg. Art 28): a person must judge']);
  const filed = exportPathway(facts({ ...hgr, artefacts: { ...SC_ON_FILE, hgrFiling: { id: 'HGR-F', filedOn: '2026-02-01' } } }));
  t.equal(filed.satisfied, true);
  t.match(filed.rules[1]!.reason, /filing HGR-F of 2026-02-01/);
});

t.test('HGR-INFO does not apply to a recipient said not to be foreign', async (t) => {
  const d = exportPathway(facts({ transfer: { hgr: { information: true, foreignRecipient: false } } }));
  t.same(ruleIds(d), ['VOLUME-LOW', 'ALWAYS-PI']);
  t.equal(d.satisfied, true);
});

t.test('IMPORTANT: notified important data goes to security assessment even under an exemption and without personal information', async (t) => {
  for (const basis of ['contract', 'trade', 'foreign-origin'] as const) {
    const d = exportPathway(noPI({ transfer: { importantData: 'notified', basis }, artefacts: SA_ON_FILE }));
    t.same({ pathway: d.pathway, satisfied: d.satisfied, rules: ruleIds(d) }, { pathway: 'security-assessment', satisfied: true, rules: ['IMPORTANT', 'VALIDITY'] }, basis);
    t.equal(d.rules[0]!.source, 'Provisions Art 7(2); NDSMR Art 37');
  }
});

t.test('IMPORTANT-PENDING flags identification without deciding the pathway', async (t) => {
  const d = exportPathway(facts({ transfer: { importantData: 'pending' } }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, rules: ruleIds(d), required: d.required },
    { pathway: 'exempt', satisfied: true, rules: ['VOLUME-LOW', 'IMPORTANT-PENDING', 'ALWAYS-PI'], required: ['identify-important-data', 'notice', 'separate-consent', 'pia'] });
  t.equal(d.rules[1]!.source, 'Provisions Art 2');
});

t.test('EX-TRADE exempts trade data without personal information, even in large volumes of nothing personal', async (t) => {
  const d = exportPathway(noPI({ exporter: { ciio: true }, transfer: { basis: 'trade' } }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, rules: ruleIds(d), required: d.required }, { pathway: 'exempt', satisfied: true, rules: ['EX-TRADE'], required: [] });
  t.equal(d.rules[0]!.source, 'Provisions Art 3');
});

t.test('EX-TRADE does not exempt personal information: the volume decides, and the trace says why', async (t) => {
  const d = exportPathway(facts({ transfer: { basis: 'trade', subjects: 200_000 } }));
  t.same(ruleIds(d), ['VOLUME-CONTRACT', 'EX-TRADE', 'VALIDITY', 'ALWAYS-PI']);
  t.equal(d.rules[1]!.reason, 'basis trade does not exempt this transfer: it holds personal information');
});

t.test('EX-FOREIGN and EX-NECESSARY exempt whatever the volume, and the personal-information duties remain', async (t) => {
  const rows = [['foreign-origin', 'EX-FOREIGN', 'Provisions Art 4'], ['contract', 'EX-NECESSARY', 'Provisions Art 5(1)-(3)'], ['hr', 'EX-NECESSARY', 'Provisions Art 5(1)-(3)'], ['emergency', 'EX-NECESSARY', 'Provisions Art 5(1)-(3)']] as const;
  for (const [basis, rule, source] of rows) {
    const d = exportPathway(facts({ exporter: { ciio: true }, transfer: { basis, subjects: 2_000_000, sensitivePersonalInfo: true, sensitiveSubjects: 50_000 } }));
    t.same({ pathway: d.pathway, satisfied: d.satisfied, rules: ruleIds(d), required: d.required },
      { pathway: 'exempt', satisfied: true, rules: [rule, 'ALWAYS-PI'], required: ['notice', 'separate-consent', 'pia'] }, basis);
    t.equal(d.rules[0]!.source, source, basis);
  }
});

t.test('CIIO: an operator sending any personal information needs a security assessment', async (t) => {
  const d = exportPathway(facts({ exporter: { ciio: true }, transfer: { subjects: 1 } }));
  t.same({ pathway: d.pathway, rules: ruleIds(d), missing: d.missing }, { pathway: 'security-assessment', rules: ['CIIO', 'VALIDITY', 'ALWAYS-PI'], missing: ['security-assessment'] });
  t.equal(d.rules[0]!.source, 'Provisions Art 7(1)');
});

t.test('NO-PI: data with neither personal information nor important data is exempt, for a CIIO too', async (t) => {
  const d = exportPathway(noPI({ exporter: { ciio: true } }));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, rules: ruleIds(d), required: d.required, totals: d.totals },
    { pathway: 'exempt', satisfied: true, rules: ['NO-PI'], required: [], totals: { nonSensitive: 0, sensitive: 0 } });
});

t.test('the volume thresholds at each boundary, this transfer added to the year\'s counters', async (t) => {
  const sensitive = (counted: number, inTransfer: number) => ({ transfer: { sensitivePersonalInfo: true, sensitiveSubjects: inTransfer, subjects: Math.max(inTransfer, 1) }, counters: { sensitiveSubjects: counted } });
  const rows: [string, Parameters<typeof facts>[0], string, string][] = [
    ['99,999', { counters: { nonSensitiveSubjects: 99_000 }, transfer: { subjects: 999 } }, 'exempt', 'VOLUME-LOW'],
    ['100,000', { counters: { nonSensitiveSubjects: 99_000 }, transfer: { subjects: 1_000 } }, CONTRACT, 'VOLUME-CONTRACT'],
    ['100,000 reached by the counters and one individual', { counters: { nonSensitiveSubjects: 99_999 }, transfer: { subjects: 1 } }, CONTRACT, 'VOLUME-CONTRACT'],
    ['999,999', { counters: { nonSensitiveSubjects: 999_000 }, transfer: { subjects: 999 } }, CONTRACT, 'VOLUME-CONTRACT'],
    ['1,000,000', { counters: { nonSensitiveSubjects: 999_000 }, transfer: { subjects: 1_000 } }, 'security-assessment', 'VOLUME-SA'],
    ['0 sensitive', sensitive(0, 0), 'exempt', 'VOLUME-LOW'],
    ['1 sensitive', sensitive(0, 1), CONTRACT, 'VOLUME-CONTRACT'],
    ['9,999 sensitive', sensitive(9_000, 999), CONTRACT, 'VOLUME-CONTRACT'],
    ['10,000 sensitive', sensitive(9_000, 1_000), 'security-assessment', 'VOLUME-SA'],
    ['sensitive counters without sensitive data in this transfer', { counters: { sensitiveSubjects: 20_000 } }, 'exempt', 'VOLUME-LOW'],
  ];
  for (const [name, changes, pathway, rule] of rows) {
    const d = exportPathway(facts(changes));
    t.same({ pathway: d.pathway, rule: d.rules[0]!.id }, { pathway, rule }, name);
  }
});

t.test('a volume decision says the numbers and cites its article', async (t) => {
  const contract = exportPathway(facts({ counters: { nonSensitiveSubjects: 99_000 }, transfer: { subjects: 51_000 } }));
  t.same(contract.rules[0], {
    id: 'VOLUME-CONTRACT', source: 'Provisions Art 8; SC Measures; Cert. Measures',
    reason: 'personal information of 150,000 individuals this year (this transfer included), from 100,000 to 999,999: standard contract (filed within 10 working days of taking effect) or certification',
  });
  t.same(contract.totals, { nonSensitive: 150_000, sensitive: 0 });
  const sa = exportPathway(facts({ transfer: { sensitivePersonalInfo: true, sensitiveSubjects: 12_000, subjects: 12_000 } }));
  t.same(sa.rules[0], { id: 'VOLUME-SA', source: 'Provisions Art 7(2)', reason: 'sensitive personal information of 12,000 individuals this year (this transfer included), at least 10,000: security assessment' });
  const low = exportPathway(facts());
  t.same(low.rules[0], {
    id: 'VOLUME-LOW', source: 'Provisions Art 5(4)',
    reason: 'not a CIIO, personal information of 1,000 individuals this year (this transfer included), fewer than 100,000, and no sensitive personal information: exempt',
  });
});

t.test('ALWAYS-PI: exempt personal information without an impact assessment is not satisfied', async (t) => {
  const d = exportPathway(withPath(facts(), 'exporter.artefacts', undefined));
  t.same({ pathway: d.pathway, satisfied: d.satisfied, required: d.required, missing: d.missing },
    { pathway: 'exempt', satisfied: false, required: ['notice', 'separate-consent', 'pia'], missing: ['pia'] });
  t.same(d.rules[1], {
    id: 'ALWAYS-PI', source: 'PIPL Arts 39, 55, 56; Provisions Art 10',
    reason: 'personal information of 1,000 individuals leaves: the individuals are told the recipient, purpose, categories and their rights, and consent separately; no personal-information impact assessment on file',
  });
});

t.test('ALWAYS-PI: an impact assessment supports exports through the same day three years on, not after', async (t) => {
  const rows = [
    ['2023-03-02', true, 'impact assessment of 2023-03-02 on file (supports exports through 2026-03-02)'],
    ['2023-03-01', false, 'the impact assessment of 2023-03-01 supported exports through 2026-03-01 (3 years)'],
    ['2026-03-03', false, `the impact assessment is dated 2026-03-03, after ${DATE}`],
    [DATE, true, `impact assessment of ${DATE} on file (supports exports through 2029-03-02)`],
  ] as const;
  for (const [date, satisfied, says] of rows) {
    const d = exportPathway(facts({ artefacts: { pia: { date } } }));
    t.equal(d.satisfied, satisfied, date);
    t.same(d.missing, satisfied ? [] : ['pia'], date);
    t.match(d.rules[1]!.reason, says, date);
  }
});

t.test('the same facts give the same decision, in the same order', async (t) => {
  const f = facts({ exporter: { zone: 'beijing-ftz' }, transfer: { importantData: 'pending', hgr: { information: true }, subjects: 300_000 } });
  t.same(exportPathway(f), exportPathway(structuredClone(f)));
  t.equal(JSON.stringify(exportPathway(f)), JSON.stringify(exportPathway(f)));
});
