// The artefacts a decision relies on, checked on the facts' date. VALIDITY: an assessment or a
// certification is valid through its expiry day (expires 2026-05-01: valid on 2026-05-01, expired
// on 2026-05-02), and expired means blocked: the pathway stays what the rules say, unsatisfied,
// with the artefact missing. A standard-contract filing is on file from the day it was filed.
// ALWAYS-PI: a personal-information impact assessment is a precondition of every export of
// personal information (PIPL Art 55(4), Provisions Art 10), so without a current one nothing is satisfied.
import { dayNumber, isoDate, periodEnd, workingDaysBetween } from './dates.js';
import { readDateAndArtefacts, type Facts } from './facts.js';
import { DEFAULT_RULES } from './defaults.js';
import { n, type DecisionTrace } from './trace.js';
import type { Artefacts, ExportFacts, ListPathway, RuleSet } from './types.js';

/** Valid on `day`: no expiry, or `day` is not after it. */
export const validOn = (expires: string | undefined, day: number): boolean => expires === undefined || day <= dayNumber(expires)!;
/** On file on `day`: dated that day or earlier. */
export const onFileBy = (date: string, day: number): boolean => dayNumber(date)! <= day;

/** VALIDITY: the artefact `pathway` needs, on file and valid on the facts' day, or missing. */
export function checkPathwayArtefact(pathway: ListPathway, f: Facts, t: DecisionTrace): void {
  t.requireArtefact(pathway);
  const { securityAssessment: sa, certification: cert, standardContract: sc } = f.artefacts;
  const saValid = sa !== undefined && validOn(sa.expires, f.day);
  if (pathway === 'security-assessment') {
    if (saValid) t.note('VALIDITY', `security assessment ${sa.id} is valid through ${sa.expires}`);
    else t.lack(pathway).note('VALIDITY', sa ? `security assessment ${sa.id} expired on ${sa.expires} (valid through that day): expired means blocked` : `no security assessment on file`);
    return;
  }
  if (sc && onFileBy(sc.filedOn, f.day)) return void t.note('VALIDITY', `standard-contract filing ${sc.filingId} is on file since ${sc.filedOn}`);
  if (cert && validOn(cert.expires, f.day)) return void t.note('VALIDITY', `certification ${cert.id} is valid through ${cert.expires}`);
  // An assessment is the stricter mechanism: one that is valid covers the export too.
  if (saValid) return void t.note('VALIDITY', `security assessment ${sa.id}, valid through ${sa.expires}, covers the export (the stricter pathway)`);
  const why = [
    sc ? `standard-contract filing ${sc.filingId} is dated ${sc.filedOn}, after ${f.date}` : 'no standard-contract filing on file',
    cert ? `certification ${cert.id} expired on ${cert.expires} (valid through that day): expired means blocked` : 'no certification on file',
  ];
  t.lack(pathway).note('VALIDITY', why.join('; '));
}

/** ALWAYS-PI: notice, separate consent and a current impact assessment for any personal information. */
export function personalInformationDuties(f: Facts, rules: RuleSet, t: DecisionTrace): void {
  if (!f.personalInfo) return;
  t.require('notice', 'separate-consent', 'pia');
  const duties = `personal information of ${n(f.subjects)} individuals leaves: the individuals are told the recipient, purpose, categories and their rights, and consent separately`;
  const pia = f.artefacts.pia;
  const years = rules.national.validity.piaYears;
  if (pia === undefined) return void t.lack('pia').note('ALWAYS-PI', `${duties}; no personal-information impact assessment on file`);
  const end = periodEnd(pia.date, years);
  if (!onFileBy(pia.date, f.day)) t.lack('pia').note('ALWAYS-PI', `${duties}; the impact assessment is dated ${pia.date}, after ${f.date}`);
  else if (f.day > end) t.lack('pia').note('ALWAYS-PI', `${duties}; the impact assessment of ${pia.date} supported exports through ${isoDate(end)} (${years} years)`);
  else t.note('ALWAYS-PI', `${duties}; impact assessment of ${pia.date} on file (supports exports through ${isoDate(end)})`);
}

/**
 * Assessments and certifications on file that expire within the extension window (Provisions
 * Art 9: 60 working days, counted Monday to Friday after the facts' date up to the expiry day;
 * public holidays are not known and not counted), or whose expiry is further off than their
 * validity allows.
 */
export function artefactWarnings(facts: ExportFacts, rules: RuleSet = DEFAULT_RULES): string[] {
  const { date, artefacts } = readDateAndArtefacts(facts);
  return date === undefined ? [] : expiryWarnings(date, artefacts, rules);
}

export function expiryWarnings(date: string, artefacts: Artefacts, rules: RuleSet): string[] {
  const { extensionWorkingDays, artefactYears } = rules.national.validity;
  const day = dayNumber(date)!;
  const warnings: string[] = [];
  const relied = [['security assessment', artefacts.securityAssessment], ['certification', artefacts.certification]] as const;
  for (const [what, a] of relied) {
    if (a === undefined || !validOn(a.expires, day)) continue;
    const left = workingDaysBetween(day, dayNumber(a.expires)!);
    if (left <= extensionWorkingDays) {
      warnings.push(`${what} ${a.id} expires on ${a.expires}, ${left} working days after ${date} (Monday to Friday, public holidays not counted): ` +
        `within the ${extensionWorkingDays} working days in which its extension is applied for (${rules.national.sources.VALIDITY})`);
    }
    if (dayNumber(a.expires)! > periodEnd(date, artefactYears)) {
      warnings.push(`${what} ${a.id} expires on ${a.expires}, more than ${artefactYears} years after ${date}, though one is valid ${artefactYears} years from issue: check the date`);
    }
  }
  return warnings;
}

/** One artefact of an exporter's record, as it stands on a day. */
export interface ArtefactStatus {
  kind: 'standardContract' | 'certification' | 'securityAssessment' | 'pia';
  id?: string;
  date: string;
  /** valid, expiring (within the extension window), expired, or filed (a filing has no expiry). */
  status: 'valid' | 'expiring' | 'expired' | 'filed';
  workingDaysLeft?: number;
}

/**
 * The artefacts on file and how each stands on `date`: assessments and certifications are
 * expiring within the extension window (VALIDITY, Provisions Art 9) and expired the day after
 * their expiry; filings and impact assessments have no expiry.
 */
export function artefactStatus(artefacts: Artefacts, date: string, rules: RuleSet = DEFAULT_RULES): ArtefactStatus[] {
  const day = dayNumber(date)!;
  const out: ArtefactStatus[] = [];
  const expiring = (kind: 'certification' | 'securityAssessment', a: { id: string; expires: string } | undefined) => {
    if (!a) return;
    const left = workingDaysBetween(day, dayNumber(a.expires)!);
    const status = !validOn(a.expires, day) ? 'expired' : left <= rules.national.validity.extensionWorkingDays ? 'expiring' : 'valid';
    out.push({ kind, id: a.id, date: a.expires, status, workingDaysLeft: left });
  };
  if (artefacts.standardContract) out.push({ kind: 'standardContract', id: artefacts.standardContract.filingId, date: artefacts.standardContract.filedOn, status: 'filed' });
  expiring('certification', artefacts.certification);
  expiring('securityAssessment', artefacts.securityAssessment);
  if (artefacts.pia) out.push({ kind: 'pia', date: artefacts.pia.date, status: 'filed' });
  return out;
}
