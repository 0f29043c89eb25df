// FTZ-LIST (Provisions Art 6): an exporter in a free-trade zone, not a CIIO, that has filed to use
// its zone's negative list. Within the sectors and scenarios the list covers, data an entry matches
// (sector, scenario, a category, and the entry's threshold reached) leaves by that entry's pathway,
// the strictest one when several match; data no entry matches is off the list and exempt. A sector
// or scenario the list does not cover is left to the national rules (as the lists themselves say).
import { isoDate } from './dates.js';
import type { Facts, ScopeFacts } from './facts.js';
import { n } from './trace.js';
import type { ListPathway, NegativeList, NegativeListEntry, RuleSet } from './types.js';

export type ListFinding =
  | { kind: 'not-applied'; reason: string }
  | { kind: 'needs-info'; missing: string[]; reason: string }
  | { kind: 'off-list'; reason: string }
  | { kind: 'on-list'; pathway: ListPathway; reason: string };

type Totals = Facts['totals'];

/** What the exporter's list says of this transfer; undefined outside the zones. */
export function listFinding(f: Facts, rules: RuleSet): ListFinding | undefined {
  const use = listInUse(f, rules);
  if (use === undefined) return undefined;
  if (typeof use === 'string') return { kind: 'not-applied', reason: use };
  const scope = listScope(use, f.sector, f.scenario, f.categories);
  if ('missing' in scope) return { kind: 'needs-info', missing: scope.missing, reason: `list ${use.id} needs ${scope.missing.join(', ')} to tell whether the data is on it` };
  if ('uncovered' in scope) return { kind: 'not-applied', reason: `${scope.uncovered} is not covered by list ${use.id}: the national rules decide` };

  const where = `${f.sector}${f.scenario === undefined ? '' : ` / ${f.scenario}`}`;
  const matched = scope.entries.filter((e) => matchesCategories(e, f.categories));
  const applying = matched.filter((e) => reached(e, f.totals));
  if (applying.length === 0) {
    const below = matched.length === 0 ? 'no entry matches its categories' : `entries ${matched.map((e) => e.id).join(', ')} match but ${describeTotals(f.totals)} reach none of their thresholds`;
    return { kind: 'off-list', reason: `${where} is covered by list ${use.id} and ${below}: off the list, exempt${confidenceNote(scope.entries)}` };
  }
  const entry = applying.find((e) => e.pathway === 'security-assessment') ?? applying[0]!;
  const others = applying.filter((e) => e !== entry).map((e) => e.id);
  return {
    kind: 'on-list',
    pathway: entry.pathway,
    reason: `${where} is on list ${use.id}, entry ${entry.id}${entryCondition(entry, f.totals)}: ${entry.pathway}` +
      `${others.length > 0 ? ` (also matched: ${others.join(', ')})` : ''} (${entry.source})${confidenceNote([entry])}`,
  };
}

/**
 * The entries whose thresholds may decide these facts: those of the exporter's list that match
 * what is known of the transfer (an unknown scenario or categories match every entry).
 */
export function possibleEntries(f: ScopeFacts, rules: RuleSet): NegativeListEntry[] {
  const use = listInUse(f, rules);
  if (use === undefined || typeof use === 'string' || f.sector === undefined) return [];
  const scope = listScope(use, f.sector, f.scenario, f.categories);
  if ('uncovered' in scope) return [];
  const entries = 'missing' in scope ? use.entries.filter((e) => inSector(e, f.sector!)) : scope.entries;
  return entries.filter((e) => f.categories === undefined || matchesCategories(e, f.categories));
}

/** The list the exporter uses, or why none applies (a string). Without a date, any list is taken as in force. */
function listInUse(f: Pick<ScopeFacts, 'day' | 'ciio' | 'zone' | 'negativeList'>, rules: RuleSet): NegativeList | string | undefined {
  if (f.zone === 'none') return undefined;
  if (f.ciio) return `the exporter in ${f.zone} is a CIIO: a zone's negative list is not for it`;
  if (f.negativeList === undefined) return `the exporter in ${f.zone} has not filed to use a negative list: the national rules decide`;
  const list = rules.negativeLists.find((l) => l.id === f.negativeList);
  if (!list) return `list ${f.negativeList} is not in rule set ${rules.version}: the national rules decide`;
  if (!list.zones.includes(f.zone)) return `list ${list.id} is for ${list.zones.join(', ')}, not ${f.zone}: the national rules decide`;
  if (f.day !== undefined && isoDate(f.day) < list.issuedOn) return `list ${list.id} is in force from ${list.issuedOn}, after ${isoDate(f.day)}: the national rules decide`;
  return list;
}

type Scope = { entries: NegativeListEntry[] } | { uncovered: string } | { missing: string[] };

function listScope(list: NegativeList, sector: string | undefined, scenario: string | undefined, categories: string[] | undefined): Scope {
  if (sector === undefined) return { missing: ['transfer.sector'] };
  const cover = list.covers.find((c) => c.sector === sector) ?? list.covers.find((c) => c.sector === '*');
  if (!cover) return { uncovered: `sector ${sector}` };
  const inSectorEntries = list.entries.filter((e) => inSector(e, sector));
  if (scenario === undefined && (cover.scenarios !== undefined || inSectorEntries.some((e) => e.scenario !== undefined))) return { missing: ['transfer.scenario'] };
  if (cover.scenarios !== undefined && !cover.scenarios.includes(scenario!)) return { uncovered: `scenario ${scenario} of sector ${sector}` };
  const entries = inSectorEntries.filter((e) => e.scenario === undefined || e.scenario === scenario);
  if (categories === undefined && entries.some((e) => e.categories.length > 0)) return { missing: ['transfer.categories'] };
  return { entries };
}

const inSector = (e: NegativeListEntry, sector: string): boolean => e.sector === sector || e.sector === '*';

const matchesCategories = (e: NegativeListEntry, categories: string[] | undefined): boolean =>
  e.categories.length === 0 || (categories !== undefined && e.categories.some((c) => categories.includes(c)));

function reached(e: NegativeListEntry, totals: Totals): boolean {
  const t = e.threshold;
  if (t === undefined) return true;
  return (t.nonSensitive !== undefined && totals.nonSensitive >= t.nonSensitive) || (t.sensitive !== undefined && totals.sensitive >= t.sensitive);
}

function entryCondition(e: NegativeListEntry, totals: Totals): string {
  const parts: string[] = [];
  if (e.categories.length > 0) parts.push(`categories ${e.categories.join(', ')}`);
  const t = e.threshold;
  if (t?.nonSensitive !== undefined && totals.nonSensitive >= t.nonSensitive) parts.push(`personal information of ${n(totals.nonSensitive)} individuals this year >= ${n(t.nonSensitive)}`);
  else if (t?.sensitive !== undefined && totals.sensitive >= t.sensitive) parts.push(`sensitive personal information of ${n(totals.sensitive)} individuals this year >= ${n(t.sensitive)}`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

function describeTotals(totals: Totals): string {
  return `personal information of ${n(totals.nonSensitive)} and sensitive personal information of ${n(totals.sensitive)} individuals this year`;
}

/** Where an encoding is not sure of the published list, the decision says so. */
function confidenceNote(entries: NegativeListEntry[]): string {
  const unsure = entries.filter((e) => e.confidence !== 'high');
  if (unsure.length === 0) return '';
  const level = unsure.some((e) => e.confidence === 'low') ? 'low' : 'medium';
  const note = unsure.length === 1 && unsure[0]!.note !== undefined ? `: ${unsure[0]!.note}` : ': check the published list';
  return ` [${level} confidence${note}]`;
}
