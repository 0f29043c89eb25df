// The compliance engine's vocabulary: the facts of one export, the decision it gets, and the
// rule set (the data files of rules/) the decision is taken under.

export const ZONES = ['none', 'beijing-ftz', 'beijing-city', 'tianjin-ftz', 'shanghai-ftz', 'hainan-ftz'] as const;
export type Zone = (typeof ZONES)[number];

export const IMPORTANT_DATA = ['none', 'notified', 'pending'] as const;
/** Important data as notified or published by the authorities, pending identification, or none. */
export type ImportantData = (typeof IMPORTANT_DATA)[number];

export const BASES = ['none', 'trade', 'foreign-origin', 'contract', 'hr', 'emergency'] as const;
/** The legal basis claimed for an exemption (Provisions Arts 3-5). */
export type Basis = (typeof BASES)[number];

export const PATHWAYS = ['exempt', 'standard-contract-or-certification', 'security-assessment', 'blocked', 'needs-info', 'escalate'] as const;
export type Pathway = (typeof PATHWAYS)[number];

/** The pathways a negative-list entry can name. */
export type ListPathway = 'standard-contract-or-certification' | 'security-assessment';

/** Export artefacts on file; dates are YYYY-MM-DD. */
export interface Artefacts {
  standardContract?: { filingId: string; filedOn: string };
  certification?: { id: string; expires: string };
  securityAssessment?: { id: string; expires: string };
  /** The latest personal-information impact assessment. */
  pia?: { date: string };
  /** HGR Reg. Art 27: the approval to take human genetic resource materials abroad (no expiry: open-ended). */
  hgrExportApproval?: { id: string; expires?: string };
  /** HGR Reg. Art 28: the filing with the health authority, backup copy included, of HGR information provided abroad. */
  hgrFiling?: { id: string; filedOn: string };
}

// A type, not an interface: it is assignable to Record<string, unknown> (the facts are logged as JSON).
export type ExportFacts = {
  /** The day of the export (China time), YYYY-MM-DD. */
  date: string;
  exporter: {
    /** A critical-information-infrastructure operator. */
    ciio: boolean;
    zone: Zone;
    /** Id of the negative list the exporter has filed to use. */
    negativeList?: string;
    artefacts?: Artefacts;
  };
  transfer: {
    sector?: string;
    scenario?: string;
    categories?: string[];
    personalInfo: boolean;
    sensitivePersonalInfo: boolean;
    importantData: ImportantData;
    coreData?: boolean;
    hgr?: { information?: boolean; materials?: boolean; foreignRecipient?: boolean };
    basis?: Basis;
    /** Distinct individuals whose personal information this transfer holds. */
    subjects: number;
    /** Distinct individuals whose sensitive personal information it holds. */
    sensitiveSubjects: number;
  };
  /** Distinct individuals already sent abroad by this exporter since 1 January, this transfer excluded. */
  counters: { nonSensitiveSubjects: number; sensitiveSubjects: number };
};

export type RuleId =
  | 'CORE' | 'NEEDS-INFO' | 'HGR-MATERIAL' | 'HGR-INFO' | 'IMPORTANT' | 'IMPORTANT-PENDING' | 'EX-TRADE' | 'EX-FOREIGN' | 'EX-NECESSARY'
  | 'FTZ-LIST' | 'CIIO' | 'VOLUME-SA' | 'VOLUME-CONTRACT' | 'VOLUME-LOW' | 'NO-PI' | 'ALWAYS-PI' | 'VALIDITY' | 'AUTO';

/** One step of a decision's trace: which rule, the article it encodes, and why, with the numbers. */
export interface RuleTrace {
  id: RuleId;
  source: string;
  reason: string;
}

export interface PathwayDecision {
  pathway: Pathway;
  /** The artefacts the pathway and the duties need are on file and valid on the facts' date. */
  satisfied: boolean;
  /** The decisive rule first, then the others in the order they were applied. */
  rules: RuleTrace[];
  /** Artefacts and duties: the pathway's artefact first. */
  required: string[];
  /** Facts (as paths: 'transfer.subjects') or artefacts ('pia') that are absent or not valid. */
  missing: string[];
  /** Expiries coming up, and what a person must look at. */
  warnings: string[];
  /** Distinct individuals this year, this transfer included, that the volume rules read (once the facts are complete). */
  totals?: { nonSensitive: number; sensitive: number };
}

/** rules.json: the national rules' numbers and the article each rule cites. */
export interface NationalRules {
  version: string;
  title: string;
  thresholds: {
    nonSensitive: { contract: number; assessment: number };
    sensitive: { contract: number; assessment: number };
  };
  exemptions: Record<'EX-TRADE' | 'EX-FOREIGN' | 'EX-NECESSARY', Basis[]>;
  validity: { artefactYears: number; piaYears: number; extensionWorkingDays: number };
  sources: Record<RuleId, string>;
}

/** automotive-important.json: Auto Data Provisions Art 3. */
export interface AutomotiveRules {
  id: 'automotive-important';
  title: string;
  source: string;
  sectors: string[];
  sensitiveCategories: string[];
  importantDataCandidates: { category: string; description: string }[];
  personalInfoSubjectsOver: number;
}

export type Confidence = 'high' | 'medium' | 'low';

export interface NegativeListEntry {
  id: string;
  /** A sector id, or '*' for every covered sector. */
  sector: string;
  /** Absent: every covered scenario of the sector. */
  scenario?: string;
  /** Empty: any data of the scenario. */
  categories: string[];
  pathway: ListPathway;
  /** The entry applies once either yearly total reaches its number; absent: at any volume. */
  threshold?: { nonSensitive?: number; sensitive?: number };
  source: string;
  confidence: Confidence;
  note?: string;
}

export interface NegativeList {
  id: string;
  zones: Exclude<Zone, 'none'>[];
  title: string;
  issuedOn: string;
  source: string;
  note?: string;
  /** The sectors (and scenarios: all when none are named) the list governs; others follow the national rules. */
  covers: { sector: string; scenarios?: string[] }[];
  entries: NegativeListEntry[];
}

export interface RuleSet {
  version: string;
  national: NationalRules;
  automotive: AutomotiveRules;
  /** Sorted by id. */
  negativeLists: NegativeList[];
}
