// The facts as the rules read them. A value of the wrong type is a caller's error (DP_ERR_VALIDATION,
// naming it); an absent one (undefined, null, NaN) that a rule needs is listed as missing, and the
// decision is needs-info: the engine never guesses. The Auto Data Provisions (AUTO) change what the
// facts mean before any rule reads them, so they are applied here.
import { DataportError } from '../../crypto/errors.js';
import { dayNumber } from './dates.js';
import { BASES, IMPORTANT_DATA, ZONES, type Artefacts, type Basis, type ExportFacts, type ImportantData, type RuleSet, type Zone } from './types.js';

/** What AUTO found in automotive data (Auto Data Provisions Art 3). */
export interface AutomotiveFindings {
  sector: string;
  /** Categories that are vehicle trajectories: sensitive personal information. */
  trajectories: string[];
  /** Categories that make the data an important-data candidate. */
  candidates: string[];
  /** Personal information of more individuals this year than the provisions' number. */
  subjectsOver?: number;
}

/** Complete facts, as the rules read them. */
export interface Facts {
  date: string;
  day: number;
  ciio: boolean;
  zone: Zone;
  negativeList?: string;
  artefacts: Artefacts;
  sector?: string;
  scenario?: string;
  categories?: string[];
  /** Declared, or implied by sensitive personal information. */
  personalInfo: boolean;
  /** Declared, or vehicle trajectories (AUTO). */
  sensitivePersonalInfo: boolean;
  declaredSensitive: boolean;
  /** Declared, raised to 'pending' by an AUTO candidate. */
  importantData: ImportantData;
  hgr: { information: boolean; materials: boolean; foreignRecipient: boolean };
  basis: Basis;
  /** Individuals in this transfer (0 when it holds no personal information). */
  subjects: number;
  sensitiveSubjects: number;
  /** Distinct individuals this year, this transfer included. */
  totals: { nonSensitive: number; sensitive: number };
  automotive?: AutomotiveFindings;
}

export type FactsRead =
  | { coreData: true }
  | { coreData: false; missing: string[] }
  | { coreData: false; facts: Facts };

/** The facts read for the rules of `rules`; throws DP_ERR_VALIDATION for a value of the wrong type. */
export function readFacts(input: ExportFacts, rules: RuleSet): FactsRead {
  const r = new FactReader(input);
  if (r.boolean('transfer.coreData', false) === true) return { coreData: true };

  const date = r.date('date', true);
  const ciio = r.boolean('exporter.ciio', true);
  const zone = r.oneOf('exporter.zone', ZONES, true);
  const negativeList = r.string('exporter.negativeList', false);
  const artefacts = readArtefacts(r);
  const sector = r.string('transfer.sector', false);
  const scenario = r.string('transfer.scenario', false);
  const auto = sector !== undefined && rules.automotive.sectors.includes(sector);
  // AUTO reads the categories: automotive data without them cannot be judged.
  const categories = r.strings('transfer.categories', auto);
  const declaredPI = r.boolean('transfer.personalInfo', true);
  const declaredSensitive = r.boolean('transfer.sensitivePersonalInfo', true);
  const declaredImportant = r.oneOf('transfer.importantData', IMPORTANT_DATA, true);
  const hgr = {
    information: r.boolean('transfer.hgr.information', false) === true,
    materials: r.boolean('transfer.hgr.materials', false) === true,
    // The data leaves China, so a recipient not said to be domestic is a foreign one.
    foreignRecipient: r.boolean('transfer.hgr.foreignRecipient', false) !== false,
  };
  const basis = r.oneOf('transfer.basis', BASES, false) ?? 'none';

  const trajectories = auto ? (categories ?? []).filter((c) => rules.automotive.sensitiveCategories.includes(c)) : [];
  const sensitivePersonalInfo = declaredSensitive === true || trajectories.length > 0;
  const personalInfo = declaredPI === true || sensitivePersonalInfo;
  const subjects = r.count('transfer.subjects', personalInfo) ?? 0;
  const sensitiveSubjects = r.count('transfer.sensitiveSubjects', declaredSensitive === true) ?? 0;
  const countedPI = r.count('counters.nonSensitiveSubjects', personalInfo) ?? 0;
  const countedSensitive = r.count('counters.sensitiveSubjects', sensitivePersonalInfo) ?? 0;
  if (r.missing.length > 0) return { coreData: false, missing: r.missing };

  // Trajectories belong to every individual of the transfer (they are a column of its rows).
  const sensitiveInTransfer = trajectories.length > 0 ? Math.max(sensitiveSubjects, subjects) : sensitiveSubjects;
  const totals = {
    nonSensitive: personalInfo ? countedPI + subjects : 0,
    sensitive: sensitivePersonalInfo ? countedSensitive + sensitiveInTransfer : 0,
  };
  const automotive = auto ? automotiveFindings(sector, categories ?? [], trajectories, totals.nonSensitive, rules) : undefined;
  const candidate = automotive !== undefined && (automotive.candidates.length > 0 || automotive.subjectsOver !== undefined);
  return {
    coreData: false,
    facts: {
      date: date!, day: dayNumber(date!)!, ciio: ciio!, zone: zone!, artefacts,
      ...(negativeList !== undefined && { negativeList }),
      ...(sector !== undefined && { sector }),
      ...(scenario !== undefined && { scenario }),
      ...(categories !== undefined && { categories }),
      personalInfo, sensitivePersonalInfo, declaredSensitive: declaredSensitive!,
      importantData: candidate && declaredImportant === 'none' ? 'pending' : declaredImportant!,
      hgr, basis,
      subjects: personalInfo ? subjects : 0,
      sensitiveSubjects: sensitivePersonalInfo ? sensitiveInTransfer : 0,
      totals,
      ...(automotive !== undefined && { automotive }),
    },
  };
}

/** The date and artefacts of `input` (for the expiry warnings, which need nothing else). */
export function readDateAndArtefacts(input: ExportFacts): { date?: string; artefacts: Artefacts } {
  const r = new FactReader(input);
  const date = r.date('date', false);
  return { ...(date !== undefined && { date }), artefacts: readArtefacts(r) };
}

/** What decides which list entries apply, read leniently: an absent fact widens the answer. */
export interface ScopeFacts {
  day?: number;
  ciio: boolean;
  zone: Zone;
  negativeList?: string;
  sector?: string;
  scenario?: string;
  categories?: string[];
}

export function readScope(input: ExportFacts): ScopeFacts {
  const r = new FactReader(input);
  const date = r.date('date', false);
  const negativeList = r.string('exporter.negativeList', false);
  const sector = r.string('transfer.sector', false);
  const scenario = r.string('transfer.scenario', false);
  const categories = r.strings('transfer.categories', false);
  return {
    ...(date !== undefined && { day: dayNumber(date)! }),
    ciio: r.boolean('exporter.ciio', false) === true,
    zone: r.oneOf('exporter.zone', ZONES, false) ?? 'none',
    ...(negativeList !== undefined && { negativeList }),
    ...(sector !== undefined && { sector }),
    ...(scenario !== undefined && { scenario }),
    ...(categories !== undefined && { categories }),
  };
}

function automotiveFindings(sector: string, categories: string[], trajectories: string[], nonSensitive: number, rules: RuleSet): AutomotiveFindings {
  const { importantDataCandidates, personalInfoSubjectsOver } = rules.automotive;
  const candidates = categories.filter((c) => importantDataCandidates.some((d) => d.category === c));
  return { sector, trajectories, candidates, ...(nonSensitive > personalInfoSubjectsOver && { subjectsOver: personalInfoSubjectsOver }) };
}

const ARTEFACT_FIELDS: Record<keyof Artefacts, Record<string, 'string' | 'date' | 'optional-date'>> = {
  standardContract: { filingId: 'string', filedOn: 'date' },
  certification: { id: 'string', expires: 'date' },
  securityAssessment: { id: 'string', expires: 'date' },
  pia: { date: 'date' },
  hgrExportApproval: { id: 'string', expires: 'optional-date' },
  hgrFiling: { id: 'string', filedOn: 'date' },
};

/** An artefact on file is a complete record or a caller's error; an absent one is simply not on file. */
function readArtefacts(r: FactReader): Artefacts {
  const out: Record<string, unknown> = {};
  for (const [name, fields] of Object.entries(ARTEFACT_FIELDS)) {
    const path = `exporter.artefacts.${name}`;
    if (r.object(path) === undefined) continue;
    const record: Record<string, string> = {};
    for (const [field, kind] of Object.entries(fields)) {
      const value = kind === 'string' ? r.string(`${path}.${field}`, false) : r.date(`${path}.${field}`, false);
      if (value === undefined && kind !== 'optional-date') throw invalid(`${path}.${field}`, kind === 'date' ? 'a YYYY-MM-DD date' : 'a string', undefined);
      if (value !== undefined) record[field] = value;
    }
    out[name] = record;
  }
  return out as Artefacts;
}

const absent = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(path: string, want: string, got: unknown): DataportError {
  return new DataportError('DP_ERR_VALIDATION', `compliance facts: ${path} must be ${want}, not ${got === undefined ? 'absent' : JSON.stringify(got)}`, { path });
}

/** Reads values by dotted path; `needed` ones that are absent are collected in `missing`. */
class FactReader {
  readonly missing: string[] = [];
  private readonly root: Record<string, unknown>;

  constructor(root: unknown) {
    if (!isObject(root)) throw invalid('(the facts)', 'an object', root);
    this.root = root;
  }

  boolean(path: string, needed: boolean): boolean | undefined {
    return this.value(path, needed, (v) => typeof v === 'boolean', 'true or false') as boolean | undefined;
  }

  string(path: string, needed: boolean): string | undefined {
    return this.value(path, needed, (v) => typeof v === 'string' && v.length > 0, 'a non-empty string') as string | undefined;
  }

  strings(path: string, needed: boolean): string[] | undefined {
    return this.value(path, needed, (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'an array of strings') as string[] | undefined;
  }

  count(path: string, needed: boolean): number | undefined {
    return this.value(path, needed, (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a whole number >= 0') as number | undefined;
  }

  date(path: string, needed: boolean): string | undefined {
    return this.value(path, needed, (v) => typeof v === 'string' && dayNumber(v) !== undefined, 'a YYYY-MM-DD calendar date') as string | undefined;
  }

  oneOf<T extends string>(path: string, values: readonly T[], needed: boolean): T | undefined {
    return this.value(path, needed, (v) => values.includes(v as T), `one of ${values.join(', ')}`) as T | undefined;
  }

  object(path: string): Record<string, unknown> | undefined {
    return this.value(path, false, isObject, 'an object') as Record<string, unknown> | undefined;
  }

  private value(path: string, needed: boolean, ok: (v: unknown) => boolean, want: string): unknown {
    const names = path.split('.');
    let v: unknown = this.root;
    for (let i = 0; i < names.length && !absent(v); i++) {
      if (!isObject(v)) throw invalid(names.slice(0, i).join('.'), 'an object', v);
      v = v[names[i]!];
    }
    if (absent(v)) {
      if (needed && !this.missing.includes(path)) this.missing.push(path);
      return undefined;
    }
    if (!ok(v)) throw invalid(path, want, v);
    return v;
  }
}
