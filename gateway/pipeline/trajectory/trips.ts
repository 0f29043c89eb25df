// One vehicle's current trip and the trim rules. A trip is a run of a vehicle's points in which
// no step goes back in time or forward by more than the gap; a point is trimmed when it lies
// within trimMetres (great circle) or trimSeconds of the trip's first point or of its last one.
// The first point is known at once, so the start rule is decided as a point arrives; the end is
// known only when the trip ends, so the points the start rule keeps wait in `pending` until then.
// Without trimMetres the wait is shorter: once a later point of the trip is more than
// trimSeconds past a pending one, the trip's last point will be too, and the point is kept.

/** Mean Earth radius R1 of IUGG / WGS 84 (Moritz, "Geodetic Reference System 1980"), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine formula, R. W. Sinnott, Sky & Telescope 68(2), 1984). */
export function haversineMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const sinLat = Math.sin(((lat2 - lat1) * RAD) / 2);
  const sinLon = Math.sin(((lon2 - lon1) * RAD) / 2);
  const a = sinLat * sinLat + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * sinLon * sinLon;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The trip rules of a plan, in the units the stage works in. */
export interface TripRules {
  gapMs: number;
  /** Undefined: no distance trim. */
  trimMetres: number | undefined;
  /** Undefined: no time trim. */
  trimMs: number | undefined;
}

/** A held input batch: what is decided about each of its rows (0 undecided, KEEP, DROP) and how many are left. */
export interface HeldBatch<B = unknown> {
  batch: B;
  decision: Uint8Array;
  undecided: number;
}

export const KEEP = 1;
export const DROP = 2;

export function decide(held: HeldBatch, row: number, decision: typeof KEEP | typeof DROP): void {
  held.decision[row] = decision;
  held.undecided--;
}

/**
 * The undecided points of one trip, oldest first: a growable queue of row references and
 * positions. It takes no memory while empty (most vehicles, most of the time), and gives back
 * what a long trip made it grow to once that trip is decided.
 */
export class PendingPoints {
  held: (HeldBatch | undefined)[] = [];
  row = new Int32Array(0);
  lat = new Float64Array(0);
  lon = new Float64Array(0);
  time = new Float64Array(0);
  head = 0;
  tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(held: HeldBatch, row: number, lat: number, lon: number, time: number): void {
    if (this.tail === this.row.length) this.#makeRoom();
    const k = this.tail++;
    this.held[k] = held;
    this.row[k] = row;
    this.lat[k] = lat;
    this.lon[k] = lon;
    this.time[k] = time;
  }

  /** Decides the oldest pending point and lets go of its batch. */
  shift(decision: typeof KEEP | typeof DROP): void {
    const k = this.head++;
    decide(this.held[k]!, this.row[k]!, decision);
    this.held[k] = undefined;
    if (this.head === this.tail) this.clear();
  }

  clear(): void {
    this.held = [];
    this.head = this.tail = 0;
    if (this.row.length > SMALL) this.#resize(0);
  }

  /** Moves the live entries to the front, or doubles the arrays when more than half are live. */
  #makeRoom(): void {
    const capacity = this.row.length;
    this.#resize(this.size * 2 > capacity || capacity === 0 ? Math.max(SMALL, capacity * 2) : capacity);
  }

  #resize(capacity: number): void {
    const { head, tail } = this;
    const move = <T extends Int32Array | Float64Array>(a: T): T => {
      const to = capacity === a.length ? a : new (a.constructor as new (n: number) => T)(capacity);
      to.set(a.subarray(head, tail)); // same buffer: TypedArray.prototype.set copies as if through a temporary
      return to;
    };
    this.row = move(this.row);
    this.lat = move(this.lat);
    this.lon = move(this.lon);
    this.time = move(this.time);
    this.held = this.held.slice(head, tail);
    this.head = 0;
    this.tail = tail - head;
  }
}

const SMALL = 16;

/** Figures the trip rules add to the stage's report. */
export interface TripCounters {
  trips: number;
  droppedTrim: number;
}

/** One vehicle: its last point, the first point of its current trip, and that trip's pending points. */
export class Track {
  lastTime = NaN;
  lastLat = NaN;
  lastLon = NaN;
  firstTime = NaN;
  firstLat = NaN;
  firstLon = NaN;
  /** Set by the stage when the input's order says the vehicle has no more points. */
  finished = false;
  readonly pending = new PendingPoints();

  /** `open` is the stage's set of tracks with pending points: a track adds and removes itself. */
  constructor(private readonly rules: TripRules, private readonly counters: TripCounters, private readonly open: Set<Track>) {}

  /**
   * Takes the next point of the vehicle: ends the current trip first if the point is not its
   * continuation (first point, backwards in time, or a gap over the limit), then makes it the last.
   */
  advance(time: number, lat: number, lon: number): void {
    if (!(time >= this.lastTime && time - this.lastTime <= this.rules.gapMs)) {
      if (!Number.isNaN(this.lastTime)) this.endTrip();
      this.firstTime = time;
      this.firstLat = lat;
      this.firstLon = lon;
      this.counters.trips++;
    }
    this.lastTime = time;
    this.lastLat = lat;
    this.lastLon = lon;
    // Time trim only: pending points more than trimSeconds before this one can no longer be near the end.
    const { trimMetres, trimMs } = this.rules;
    if (trimMetres === undefined && trimMs !== undefined) {
      const p = this.pending;
      while (p.size > 0 && time - p.time[p.head]! > trimMs) p.shift(KEEP);
      if (p.size === 0) this.open.delete(this);
    }
  }

  /** Decides the last point `advance` took (not in a geofence): trimmed at the start, kept, or pending until the trip ends. */
  place(held: HeldBatch, row: number): void {
    const { trimMetres, trimMs } = this.rules;
    const time = this.lastTime, lat = this.lastLat, lon = this.lastLon;
    const nearStart = (trimMs !== undefined && time - this.firstTime <= trimMs)
      || (trimMetres !== undefined && haversineMetres(this.firstLat, this.firstLon, lat, lon) <= trimMetres);
    if (nearStart) {
      decide(held, row, DROP);
      this.counters.droppedTrim++;
    } else if (trimMetres === undefined && trimMs === undefined) {
      decide(held, row, KEEP);
    } else {
      if (this.pending.size === 0) this.open.add(this);
      this.pending.push(held, row, lat, lon, time);
    }
  }

  /** The trip is over (its last point is `last*`): each pending point is trimmed if near that end, else kept. */
  endTrip(): void {
    const p = this.pending;
    const { trimMetres, trimMs } = this.rules;
    for (let k = p.head; k < p.tail; k++) {
      const nearEnd = (trimMs !== undefined && this.lastTime - p.time[k]! <= trimMs)
        || (trimMetres !== undefined && haversineMetres(this.lastLat, this.lastLon, p.lat[k]!, p.lon[k]!) <= trimMetres);
      decide(p.held[k]!, p.row[k]!, nearEnd ? DROP : KEEP);
      if (nearEnd) this.counters.droppedTrim++;
    }
    p.clear();
    this.open.delete(this);
  }

  /** Fail closed: drops the pending points held in `held` (the oldest batch), for the stage's hold limit. */
  dropPendingIn(held: HeldBatch): number {
    const p = this.pending;
    let dropped = 0;
    while (p.size > 0 && p.held[p.head] === held) {
      p.shift(DROP);
      dropped++;
    }
    if (p.size === 0) this.open.delete(this);
    return dropped;
  }
}
