// The plan's two whole-transfer stages, run before the column steps: trajectory desensitisation
// (trips of each vehicle, trimmed and cut by geofences) and a privacy model (k-anonymity, distinct
// l-diversity, t-closeness over generalisation hierarchies). Their JSON Schema parts and the
// checks a schema cannot express; plan.ts puts them into the plan.

/** Identifier families of gateway/pipeline/detect. */
export type IdentifierType = 'cn_resident_id' | 'cn_mobile' | 'cn_plate' | 'vin' | 'cn_uscc' | 'bank_card' | 'cn_passport' | 'email';
export const IDENTIFIER_TYPES: readonly IdentifierType[] = Object.freeze(['cn_resident_id', 'cn_mobile', 'cn_plate', 'vin', 'cn_uscc', 'bank_card', 'cn_passport', 'email']);

/** The identifiers a format-preserving token exists for (same shape, valid check character). */
export type TokenKind = 'cn_resident_id' | 'vin' | 'cn_uscc';
export const TOKEN_KINDS: readonly TokenKind[] = Object.freeze(['cn_resident_id', 'vin', 'cn_uscc']);

export interface TrajectoryPlan {
  /** The column naming the vehicle (or person) a point belongs to. */
  vehicleColumn: string;
  /** Timestamp (or ISO text) of each point. */
  timeColumn: string;
  latColumn: string;
  lonColumn: string;
  /** A gap longer than this between two points of one vehicle starts a new trip (so does time going backwards). */
  tripGapSeconds: number;
  /** Points within this distance (metres, great circle) of their trip's first or last point are dropped. */
  trimMetres?: number;
  /** Points within this many seconds of their trip's first or last point are dropped. */
  trimSeconds?: number;
  /** GeoJSON: a Polygon, MultiPolygon, Feature or FeatureCollection of them; points inside are dropped. */
  geofences?: GeoJsonObject;
  /**
   * How the input is ordered: 'vehicle' (all of one vehicle's points together), 'time' (all points
   * by time) or 'any' (default). With an order a trip ends as soon as the stream passes it, so the
   * stage holds a batch or two; with 'any' a trip ends only at its vehicle's next point or the end.
   */
  order?: 'any' | 'vehicle' | 'time';
}

export type GeoJsonObject = { type: string; [key: string]: unknown };

export type DateUnit = 'day' | 'month' | 'year';

/** How one quasi-identifier generalises; the most general level of every kind is '*'. */
export type GeneralisationHierarchy =
  | { type: 'rows'; rows: string[][] }
  | { type: 'intervals'; widths: number[]; min?: number }
  | { type: 'dates'; units: DateUnit[] }
  | { type: 'mask'; chars: number }
  | { type: 'suppress' };

export interface QuasiIdentifier {
  column: string;
  hierarchy: GeneralisationHierarchy;
}

export interface SensitiveAttribute {
  column: string;
  /** Distinct l-diversity: every equivalence class holds at least l distinct values of this column. */
  l?: number;
  /** t-closeness: each class's distribution is within t (earth mover's distance) of the whole table's. */
  t?: number;
  /** Ground distance for t: 'ordered' (by value; default for numbers) or 'equal' (default for text). */
  distance?: 'ordered' | 'equal';
}

export interface PrivacyPlan {
  /** Every equivalence class (records equal on all quasi-identifiers) holds at least k records. */
  k: number;
  /** Share of records (0 to 1) that may be suppressed instead of generalising further. */
  suppressionLimit: number;
  quasiIdentifiers: QuasiIdentifier[];
  sensitive?: SensitiveAttribute[];
}

const COLUMN = { type: 'string', minLength: 1 } as const;

export const TRAJECTORY_SCHEMA = {
  description:
    "Trajectory desensitisation, run before the column steps: each vehicle's points are split into trips at time gaps; points near a trip's start or end (homes, workplaces) and points inside the geofences are dropped. Coarsen what is left with the column steps (grid, geohash, bucketTime).",
  type: 'object',
  properties: {
    vehicleColumn: { ...COLUMN, description: 'The column naming the vehicle (or person) a point belongs to.' },
    timeColumn: { ...COLUMN, description: 'The time of each point (timestamp, date or ISO 8601 text).' },
    latColumn: { ...COLUMN, description: 'Latitude in degrees (WGS 84).' },
    lonColumn: { ...COLUMN, description: 'Longitude in degrees (WGS 84).' },
    tripGapSeconds: { description: 'A longer gap between two points of one vehicle starts a new trip, as does time going backwards.', type: 'number', exclusiveMinimum: 0 },
    trimMetres: { description: "Points within this great-circle distance of their trip's first or last point are dropped.", type: 'number', minimum: 0 },
    trimSeconds: { description: "Points within this many seconds of their trip's first or last point are dropped.", type: 'number', minimum: 0 },
    geofences: {
      description: 'Sensitive areas as GeoJSON (RFC 7946): a Polygon, MultiPolygon, Feature or FeatureCollection of them. Points inside are dropped.',
      type: 'object',
      properties: { type: { enum: ['Polygon', 'MultiPolygon', 'Feature', 'FeatureCollection'] } },
      required: ['type'],
    },
    order: {
      description: "How the input is ordered: 'vehicle' (each vehicle's points together, in time order), 'time' (all points in time order) or 'any' (default). With an order, a trip ends as soon as the stream has passed it and the stage holds a batch or two; a stream that breaks the order it declared fails. With 'any', a trip ends only at its vehicle's next point or at the end of the stream.",
      enum: ['any', 'vehicle', 'time'],
    },
  },
  required: ['vehicleColumn', 'timeColumn', 'latColumn', 'lonColumn', 'tripGapSeconds'],
  additionalProperties: false,
} as const;

const HIERARCHY_SCHEMA = {
  description: "How a quasi-identifier generalises, level 0 (the value) up to '*' (everything): `type` picks the kind.",
  type: 'object',
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      description: "ARX's format: one row per value, [value, level 1, ..., top]; all rows equally long, and a level's value determines the next level's. A value without a row is generalised to '*' at every level above 0.",
      type: 'object',
      properties: { type: { const: 'rows' }, rows: { type: 'array', minItems: 1, items: { type: 'array', minItems: 2, items: { type: 'string' } } } },
      required: ['type', 'rows'],
      additionalProperties: false,
    },
    {
      description: "Numbers: level i is the interval '[lo, hi)' of width widths[i-1] anchored at min; each width a whole multiple of the one before; then '*'.",
      type: 'object',
      properties: {
        type: { const: 'intervals' },
        widths: { type: 'array', minItems: 1, maxItems: 12, items: { type: 'number', exclusiveMinimum: 0 } },
        min: { description: 'Anchor of the intervals (default 0).', type: 'number' },
      },
      required: ['type', 'widths'],
      additionalProperties: false,
    },
    {
      description: "Dates and times: level i truncates to units[i-1] (day, month, year, each coarser than the one before); then '*'.",
      type: 'object',
      properties: { type: { const: 'dates' }, units: { type: 'array', minItems: 1, maxItems: 3, items: { enum: ['day', 'month', 'year'] } } },
      required: ['type', 'units'],
      additionalProperties: false,
    },
    {
      description: "Codes (postcodes, site numbers): level i replaces the last i characters with '*', up to `chars`; then '*'.",
      type: 'object',
      properties: { type: { const: 'mask' }, chars: { type: 'integer', minimum: 1, maximum: 32 } },
      required: ['type', 'chars'],
      additionalProperties: false,
    },
    {
      description: "The value or '*', nothing between.",
      type: 'object',
      properties: { type: { const: 'suppress' } },
      required: ['type'],
      additionalProperties: false,
    },
  ],
  required: ['type'],
} as const;

export const PRIVACY_SCHEMA = {
  description:
    "A privacy model over the whole transfer, run after the trajectory stage and before the column steps: the data is spooled once, the generalisation levels with the least information loss that satisfy it are found (an optimal lattice search), records left in too-small classes are suppressed ('*' in every quasi-identifier), and the result streams on. The quasi-identifiers leave as text at the chosen level; each must be kept by its column entry.",
  type: 'object',
  properties: {
    k: { description: 'Smallest equivalence class allowed (1: no k-anonymity).', type: 'integer', minimum: 1, maximum: 1000000 },
    suppressionLimit: { description: 'Share of records, 0 to 1, that may be suppressed.', type: 'number', minimum: 0, maximum: 1 },
    quasiIdentifiers: {
      description: 'The columns an attacker may know; 1 to 12.',
      type: 'array',
      minItems: 1,
      maxItems: 12,
      items: { type: 'object', properties: { column: COLUMN, hierarchy: HIERARCHY_SCHEMA }, required: ['column', 'hierarchy'], additionalProperties: false },
    },
    sensitive: {
      description: 'Sensitive attributes and what each class must show of them.',
      type: 'array',
      maxItems: 8,
      items: {
        type: 'object',
        properties: {
          column: COLUMN,
          l: { description: 'Distinct l-diversity: at least l distinct values in every class.', type: 'integer', minimum: 2 },
          t: { description: "t-closeness: every class's distribution within t (earth mover's distance) of the whole table's.", type: 'number', exclusiveMinimum: 0, maximum: 1 },
          distance: { description: "Ground distance for t: 'ordered' (default for numbers) or 'equal' (default for text).", enum: ['ordered', 'equal'] },
        },
        required: ['column'],
        anyOf: [{ required: ['l'] }, { required: ['t'] }],
        additionalProperties: false,
      },
    },
  },
  required: ['k', 'suppressionLimit', 'quasiIdentifiers'],
  additionalProperties: false,
} as const;

/** Problems with a trajectory stage that the schema cannot see; `at` points to it. */
export function trajectoryProblems(t: TrajectoryPlan, at: string): string[] {
  const problems: string[] = [];
  const cols = [t.vehicleColumn, t.timeColumn, t.latColumn, t.lonColumn];
  if (new Set(cols).size !== cols.length) problems.push(`${at}: vehicleColumn, timeColumn, latColumn and lonColumn must be four different columns`);
  if (t.trimMetres === undefined && t.trimSeconds === undefined && t.geofences === undefined) {
    problems.push(`${at}: says neither trimMetres, trimSeconds nor geofences: splitting trips alone removes nothing`);
  }
  return problems;
}

/** Problems with a privacy model that the schema cannot see; `at` points to it. */
export function privacyProblems(p: PrivacyPlan, at: string): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const claim = (column: string, where: string) => {
    const before = seen.get(column);
    if (before !== undefined) problems.push(`${where}: ${JSON.stringify(column)} is already named at ${before}`);
    else seen.set(column, where);
  };
  p.quasiIdentifiers.forEach((q, i) => {
    claim(q.column, `${at}/quasiIdentifiers/${i}/column`);
    problems.push(...hierarchyProblems(q.hierarchy, `${at}/quasiIdentifiers/${i}/hierarchy`));
  });
  (p.sensitive ?? []).forEach((s, i) => claim(s.column, `${at}/sensitive/${i}/column`));
  if (p.k === 1 && !(p.sensitive ?? []).length) problems.push(`${at}: k 1 with no sensitive attribute asks for nothing`);
  return problems;
}

function hierarchyProblems(h: GeneralisationHierarchy, at: string): string[] {
  switch (h.type) {
    case 'intervals':
      for (let i = 1; i < h.widths.length; i++) {
        const ratio = h.widths[i]! / h.widths[i - 1]!;
        if (!(ratio > 1) || Math.abs(ratio - Math.round(ratio)) > 1e-9) {
          return [`${at}/widths/${i}: ${h.widths[i]} must be a whole multiple (at least twice) of ${h.widths[i - 1]}, so that each interval lies inside the next level's`];
        }
      }
      return [];
    case 'dates': {
      const order = ['day', 'month', 'year'];
      for (let i = 1; i < h.units.length; i++) {
        if (order.indexOf(h.units[i]!) <= order.indexOf(h.units[i - 1]!)) return [`${at}/units/${i}: ${h.units[i]} must be coarser than ${h.units[i - 1]}`];
      }
      return [];
    }
    case 'rows':
      return rowsProblems(h.rows, at);
    default:
      return [];
  }
}

// Rows of equal length, distinct values, and a function from each level to the next: otherwise
// two records equal at one level could differ at a more general one, which is no hierarchy.
function rowsProblems(rows: readonly (readonly string[])[], at: string): string[] {
  const width = rows[0]!.length;
  const bad = rows.findIndex((r) => r.length !== width);
  if (bad >= 0) return [`${at}/rows/${bad}: has ${rows[bad]!.length} entries, but /rows/0 has ${width}`];
  const first = new Map<string, number>();
  for (let r = 0; r < rows.length; r++) {
    const before = first.get(rows[r]![0]!);
    if (before !== undefined) return [`${at}/rows/${r}/0: ${JSON.stringify(rows[r]![0])} already has a row (/rows/${before})`];
    first.set(rows[r]![0]!, r);
  }
  for (let level = 1; level < width - 1; level++) {
    const next = new Map<string, string>();
    for (let r = 0; r < rows.length; r++) {
      const here = rows[r]![level]!;
      const up = rows[r]![level + 1]!;
      const seen = next.get(here);
      if (seen === undefined) next.set(here, up);
      else if (seen !== up) return [`${at}/rows/${r}/${level + 1}: ${JSON.stringify(here)} at level ${level} generalises to ${JSON.stringify(seen)} in an earlier row, not ${JSON.stringify(up)}`];
    }
  }
  return [];
}
