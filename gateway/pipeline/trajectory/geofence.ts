// Sensitive areas as GeoJSON (RFC 7946): a Polygon, a MultiPolygon, or a Feature or
// FeatureCollection of them, checked once up front and compiled for point-in-polygon tests.
// Positions are [longitude, latitude] (RFC 7946 3.1.1) and edges are straight in those degrees
// (3.1.1 too: "as if planar"); a polygon across the antimeridian must be cut in two (3.1.9).
// A point is inside a polygon when a ray from it crosses the polygon's rings an odd number of
// times (even-odd over the exterior ring and its holes, so a point in a hole is outside).
// Candidates come from a uniform grid over the polygons' bounding boxes, so a point far from
// every fence costs one cell lookup however many polygons there are.
import type { GeoJsonObject } from '../../../policies/pipeline/models.js';
import { DataportError } from '../../../crypto/errors.js';

/** One polygon: its rings as [lon0, lat0, lon1, lat1, ...], closed (last position = first). */
interface Polygon {
  rings: Float64Array[];
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export interface Geofences {
  /** Polygons compiled (a MultiPolygon counts each of its polygons). */
  readonly polygons: number;
  /** True if (lat, lon) lies inside some polygon (outside its holes). */
  contains(lat: number, lon: number): boolean;
}

/** Checks `geojson` and compiles it; DP_ERR_VALIDATION naming the first thing that is off. */
export function compileGeofences(geojson: GeoJsonObject | unknown): Geofences {
  const polygons: Polygon[] = [];
  collect(geojson, 'geofences', polygons);
  return new GridIndex(polygons);
}

function invalid(at: string, problem: string): DataportError {
  return new DataportError('DP_ERR_VALIDATION', `trajectory ${at}: ${problem}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const describe = (v: unknown): string => (Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : JSON.stringify(v) ?? typeof v);

function collect(node: unknown, at: string, out: Polygon[]): void {
  if (!isObject(node)) throw invalid(at, `expected a GeoJSON object, got ${describe(node)}`);
  switch (node.type) {
    case 'Polygon':
      out.push(polygon(node.coordinates, `${at}.coordinates`));
      return;
    case 'MultiPolygon': {
      const list = node.coordinates;
      if (!Array.isArray(list)) throw invalid(`${at}.coordinates`, `expected an array of polygons, got ${describe(list)}`);
      list.forEach((p, i) => out.push(polygon(p, `${at}.coordinates[${i}]`)));
      return;
    }
    case 'Feature': {
      const geometry = node.geometry;
      if (!isObject(geometry) || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) {
        const got = isObject(geometry) ? `a ${JSON.stringify(geometry.type)}` : describe(geometry);
        throw invalid(`${at}.geometry`, `a geofence feature must be a Polygon or MultiPolygon, got ${got}`);
      }
      collect(geometry, `${at}.geometry`, out);
      return;
    }
    case 'FeatureCollection': {
      const features = node.features;
      if (!Array.isArray(features)) throw invalid(`${at}.features`, `expected an array of features, got ${describe(features)}`);
      features.forEach((f, i) => {
        if (!isObject(f) || f.type !== 'Feature') throw invalid(`${at}.features[${i}]`, 'is not a Feature');
        collect(f, `${at}.features[${i}]`, out);
      });
      return;
    }
    default:
      throw invalid(`${at}.type`, `expected Polygon, MultiPolygon, Feature or FeatureCollection, got ${describe(node.type)}`);
  }
}

/** A Polygon's coordinates: exterior ring first, then holes (RFC 7946 3.1.6). */
function polygon(coordinates: unknown, at: string): Polygon {
  if (!Array.isArray(coordinates) || coordinates.length === 0) throw invalid(at, 'a polygon needs an array of linear rings, the exterior ring first');
  const rings = coordinates.map((ring, r) => linearRing(ring, `${at}[${r}]`));
  const exterior = rings[0]!;
  let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
  for (let k = 0; k < exterior.length; k += 2) {
    minLon = Math.min(minLon, exterior[k]!);
    maxLon = Math.max(maxLon, exterior[k]!);
    minLat = Math.min(minLat, exterior[k + 1]!);
    maxLat = Math.max(maxLat, exterior[k + 1]!);
  }
  return { rings, minLon, minLat, maxLon, maxLat };
}

/** "A linear ring is a closed LineString with four or more positions" (RFC 7946 3.1.6). */
function linearRing(ring: unknown, at: string): Float64Array {
  if (!Array.isArray(ring)) throw invalid(at, `expected a linear ring (an array of positions), got ${describe(ring)}`);
  if (ring.length < 4) throw invalid(at, `a linear ring has ${ring.length} positions, it needs at least 4 (RFC 7946 3.1.6)`);
  const out = new Float64Array(ring.length * 2);
  ring.forEach((p: unknown, k) => {
    const lon = Array.isArray(p) ? p[0] : undefined;
    const lat = Array.isArray(p) ? p[1] : undefined;
    if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) {
      throw invalid(`${at}[${k}]`, `expected a [longitude, latitude] position, got ${JSON.stringify(p) ?? describe(p)}`);
    }
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90) throw invalid(`${at}[${k}]`, `[${lon}, ${lat}] is not a WGS 84 [longitude, latitude]`);
    out[2 * k] = lon;
    out[2 * k + 1] = lat;
  });
  const last = out.length - 2;
  if (out[0] !== out[last] || out[1] !== out[last + 1]) throw invalid(at, 'a linear ring must end at its first position (RFC 7946 3.1.6)');
  return out;
}

/** Even-odd crossings of a horizontal ray from (lon, lat) over every ring (W. R. Franklin's PNPOLY). */
function inside(p: Polygon, lat: number, lon: number): boolean {
  let odd = false;
  for (const ring of p.rings) {
    for (let k = 2; k < ring.length; k += 2) {
      const x1 = ring[k - 2]!, y1 = ring[k - 1]!, x2 = ring[k]!, y2 = ring[k + 1]!;
      if ((y1 > lat) !== (y2 > lat) && lon < ((x2 - x1) * (lat - y1)) / (y2 - y1) + x1) odd = !odd;
    }
  }
  return odd;
}

/** Polygons bucketed by the grid cells their bounding boxes touch (CSR layout: cell c's ids are ids[start[c] .. start[c + 1])). */
class GridIndex implements Geofences {
  readonly polygons: number;
  readonly #list: Polygon[];
  readonly #minLon: number;
  readonly #minLat: number;
  readonly #maxLon: number;
  readonly #maxLat: number;
  readonly #side: number;
  readonly #cellLon: number;
  readonly #cellLat: number;
  readonly #start: Int32Array;
  readonly #ids: Int32Array;

  constructor(list: Polygon[]) {
    this.#list = list;
    this.polygons = list.length;
    let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
    for (const p of list) {
      minLon = Math.min(minLon, p.minLon);
      minLat = Math.min(minLat, p.minLat);
      maxLon = Math.max(maxLon, p.maxLon);
      maxLat = Math.max(maxLat, p.maxLat);
    }
    this.#minLon = minLon;
    this.#minLat = minLat;
    this.#maxLon = maxLon;
    this.#maxLat = maxLat;
    // About one polygon per cell when they are spread out; at most 256 x 256 cells.
    const side = Math.max(1, Math.min(256, Math.ceil(Math.sqrt(list.length))));
    this.#side = side;
    const width = (span: number) => (span > 0 ? span / side : 1); // a point-like or empty set: one cell
    this.#cellLon = width(maxLon - minLon);
    this.#cellLat = width(maxLat - minLat);
    const counts = new Int32Array(side * side + 1);
    const each = (fn: (cell: number, id: number) => void) => list.forEach((p, id) => {
      for (let y = this.#row(p.minLat); y <= this.#row(p.maxLat); y++) {
        for (let x = this.#column(p.minLon); x <= this.#column(p.maxLon); x++) fn(y * side + x, id);
      }
    });
    each((cell) => counts[cell + 1]!++);
    for (let c = 0; c < side * side; c++) counts[c + 1]! += counts[c]!;
    this.#start = counts.slice();
    this.#ids = new Int32Array(counts[side * side]!);
    each((cell, id) => (this.#ids[counts[cell]!++] = id));
  }

  #column(lon: number): number {
    return Math.min(this.#side - 1, Math.floor((lon - this.#minLon) / this.#cellLon));
  }

  #row(lat: number): number {
    return Math.min(this.#side - 1, Math.floor((lat - this.#minLat) / this.#cellLat));
  }

  contains(lat: number, lon: number): boolean {
    if (!(lat >= this.#minLat && lat <= this.#maxLat && lon >= this.#minLon && lon <= this.#maxLon)) return false;
    const cell = this.#row(lat) * this.#side + this.#column(lon);
    for (let k = this.#start[cell]!; k < this.#start[cell + 1]!; k++) {
      const p = this.#list[this.#ids[k]!]!;
      if (lat >= p.minLat && lat <= p.maxLat && lon >= p.minLon && lon <= p.maxLon && inside(p, lat, lon)) return true;
    }
    return false;
  }
}
