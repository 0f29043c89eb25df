// exportPathway: which of China's export pathways a transfer takes, and whether what it needs is on
// file. The rules of COMPLIANCE.md in their order, the first decisive one winning: CORE, NEEDS-INFO,
// HGR-MATERIAL, IMPORTANT, EX-TRADE, EX-FOREIGN, EX-NECESSARY, FTZ-LIST, CIIO, NO-PI, VOLUME-SA,
// VOLUME-CONTRACT, VOLUME-LOW. AUTO, HGR-INFO and IMPORTANT-PENDING add requirements on the way
// without deciding; VALIDITY and ALWAYS-PI check the artefacts once the pathway is known. Pure: the
// date is a fact, the numbers and articles come from the rule set.
import { checkPathwayArtefact, expiryWarnings, onFileBy, personalInformationDuties, validOn } from './artefacts.js';
import { DEFAULT_RULES } from './defaults.js';
import { readFacts, type Facts } from './facts.js';
import { listFinding } from './negative-list.js';
import { DecisionTrace, n } from './trace.js';
import type { ExportFacts, Pathway, PathwayDecision, RuleSet } from './types.js';

/**
 * The pathway of `facts` under `rules`, with the trace (decisive rule first), the artefacts and
 * duties required, what is missing, and warnings. `satisfied` is false for blocked, needs-info and
 * escalate, and otherwise whenever something is missing: an expired assessment or certification
 * (valid through its expiry day), a filing dated after the facts' date, or a current impact
 * assessment where personal information leaves. Throws DP_ERR_VALIDATION for a malformed fact.
 */
export function exportPathway(facts: ExportFacts, rules: RuleSet = DEFAULT_RULES): PathwayDecision {
  const t = new DecisionTrace(rules.national.sources);
  const read = readFacts(facts, rules);
  if (read.coreData) {
    return t.decide('CORE', 'the transfer holds core data, which has no export pathway: a person decides').requireArtefact('human-review').finish('escalate');
  }
  if ('missing' in read) return t.decide('NEEDS-INFO', `the rules need ${read.missing.join(', ')}`).lack(...read.missing).finish('needs-info');

  const f = read.facts;
  if (f.automotive) t.note('AUTO', automotiveReason(f, rules));
  const pathway = decide(f, rules, t);
  if (pathway === 'standard-contract-or-certification' || pathway === 'security-assessment') checkPathwayArtefact(pathway, f, t);
  if (pathway !== 'blocked' && pathway !== 'needs-info') {
    personalInformationDuties(f, rules, t);
    t.warn(...expiryWarnings(f.date, f.artefacts, rules));
  }
  return t.finish(pathway, f.totals);
}

/** The decisive rule's pathway; the rules that apply on the way add to `t`. */
function decide(f: Facts, rules: RuleSet, t: DecisionTrace): Pathway {
  const { thresholds, exemptions } = rules.national;

  if (f.hgr.materials) {
    const approval = f.artefacts.hgrExportApproval;
    if (approval === undefined || !validOn(approval.expires, f.day)) {
      const why = approval ? `the export approval ${approval.id} expired on ${approval.expires}` : 'no export approval is on file';
      t.decide('HGR-MATERIAL', `human genetic resource materials leave the country and ${why}: blocked`).requireArtefact('hgr-export-approval').lack('hgr-export-approval');
      return 'blocked';
    }
    t.note('HGR-MATERIAL', `human genetic resource materials leave the country under export approval ${approval.id}`).require('hgr-export-approval');
  }
  // HGR Reg. Art 28's filing sits beside the export pathways, not instead of one: it adds a
  // requirement and the other rules still decide.
  if (f.hgr.information && f.hgr.foreignRecipient) {
    const filing = f.artefacts.hgrFiling;
    const filed = filing !== undefined && onFileBy(filing.filedOn, f.day);
    t.require('hgr-filing-and-backup');
    if (!filed) t.lack('hgr-filing-and-backup');
    t.note('HGR-INFO', `human genetic resource information goes to a foreign party: filed with the health authority with a backup copy ${filed ? `(filing ${filing.id} of ${filing.filedOn})` : '(no filing on file)'}`);
    t.warn('human genetic resource information: a security review is also needed if it may affect public health or national security (HGR Reg. Art 28): a person must judge');
  }

  if (f.importantData === 'notified') {
    t.decide('IMPORTANT', 'the transfer holds important data notified or published as such: security assessment, in a zone or under an exemption alike');
    return 'security-assessment';
  }
  if (f.importantData === 'pending') {
    t.require('identify-important-data').note('IMPORTANT-PENDING', 'important data may be present but is not identified: identify and declare it; no assessment on that ground alone');
  }

  // Important data that is only pending is no bar to an exemption (Provisions Art 2).
  if (exemptions['EX-TRADE'].includes(f.basis)) {
    if (!f.personalInfo) {
      t.decide('EX-TRADE', `basis ${f.basis}: trade, transport, academic, manufacturing or marketing data with no personal information and no important data: exempt`);
      return 'exempt';
    }
    t.note('EX-TRADE', `basis ${f.basis} does not exempt this transfer: it holds personal information`);
  }
  if (exemptions['EX-FOREIGN'].includes(f.basis)) {
    t.decide('EX-FOREIGN', `basis ${f.basis}: personal information collected abroad and re-exported with no domestic personal information or important data mixed in: exempt`);
    return 'exempt';
  }
  if (exemptions['EX-NECESSARY'].includes(f.basis)) {
    t.decide('EX-NECESSARY', `basis ${f.basis}: necessary for a contract with the individual, cross-border HR management or an emergency, with no important data: exempt`);
    return 'exempt';
  }

  const list = listFinding(f, rules);
  switch (list?.kind) {
    case 'needs-info':
      t.decide('NEEDS-INFO', `FTZ-LIST: ${list.reason}`).lack(...list.missing);
      return 'needs-info';
    case 'off-list':
      t.decide('FTZ-LIST', list.reason);
      return 'exempt';
    case 'on-list':
      t.decide('FTZ-LIST', list.reason);
      return list.pathway;
    case 'not-applied':
      t.note('FTZ-LIST', list.reason);
  }

  if (f.ciio && f.personalInfo) {
    t.decide('CIIO', `a critical-information-infrastructure operator sends personal information (${n(f.subjects)} individuals): security assessment`);
    return 'security-assessment';
  }
  if (!f.personalInfo) {
    t.decide('NO-PI', 'neither personal information nor notified important data leaves: none of the three mechanisms applies, exempt');
    return 'exempt';
  }
  const { nonSensitive, sensitive } = f.totals;
  const pi = (x: number) => `personal information of ${n(x)} individuals this year (this transfer included)`;
  const spi = (x: number) => `sensitive ${pi(x)}`;
  const { nonSensitive: plain, sensitive: special } = thresholds;
  if (nonSensitive >= plain.assessment || sensitive >= special.assessment) {
    const why = nonSensitive >= plain.assessment ? `${pi(nonSensitive)}, at least ${n(plain.assessment)}` : `${spi(sensitive)}, at least ${n(special.assessment)}`;
    t.decide('VOLUME-SA', `${why}: security assessment`);
    return 'security-assessment';
  }
  if (nonSensitive >= plain.contract || sensitive >= special.contract) {
    const why = nonSensitive >= plain.contract
      ? `${pi(nonSensitive)}, from ${n(plain.contract)} to ${n(plain.assessment - 1)}`
      : `${spi(sensitive)}, from ${n(special.contract)} to ${n(special.assessment - 1)}`;
    t.decide('VOLUME-CONTRACT', `${why}: standard contract (filed within 10 working days of taking effect) or certification`);
    return 'standard-contract-or-certification';
  }
  t.decide('VOLUME-LOW', `not a CIIO, ${pi(nonSensitive)}, fewer than ${n(plain.contract)}, and no sensitive personal information: exempt`);
  return 'exempt';
}

function automotiveReason(f: Facts, rules: RuleSet): string {
  const a = f.automotive!;
  const found: string[] = [];
  if (a.trajectories.length > 0) {
    found.push(`categories ${a.trajectories.join(', ')} are vehicle trajectories, sensitive personal information${f.declaredSensitive ? '' : ' (though not declared sensitive)'}: ` +
      `${n(f.sensitiveSubjects)} individuals of this transfer counted as sensitive`);
  }
  for (const c of a.candidates) {
    const what = rules.automotive.importantDataCandidates.find((d) => d.category === c)!.description;
    found.push(`category ${c} (${what}) is an important-data candidate`);
  }
  if (a.subjectsOver !== undefined) found.push(`personal information of ${n(f.totals.nonSensitive)} individuals this year, more than ${n(a.subjectsOver)}, is an important-data candidate`);
  return `automotive data (sector ${a.sector}): ${found.length > 0 ? found.join('; ') : `no trajectories and no important-data candidates among its categories`}`;
}
