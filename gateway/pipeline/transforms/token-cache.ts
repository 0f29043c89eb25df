// A bounded cache from a value's bytes to its fixed-width token bytes, so a value repeated across
// rows and batches (a VIN on every row of a trace) costs one HMAC. Keys are the UTF-8 bytes as
// they lie in the Arrow buffer: an open-addressing table (linear probing) of FNV-1a hashes over
// typed arrays, with no string or object per value. Two generations approximate LRU without
// per-entry bookkeeping: when the young one is full it becomes the old one and the old one is
// cleared for reuse; a hit in the old generation is copied into the young one. An entry
// therefore survives at least `capacity / 2` later insertions.

/** FNV-1a, 32 bits, over b[s, e). */
export function fnv1a(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
  return h;
}

const INITIAL_ENTRIES = 1024;

class Generation {
  readonly #width: number;
  readonly #maxEntries: number;
  /** Entry index + 1 per slot (0 = empty); length a power of two, at least twice the entries. */
  #slots: Int32Array;
  #hashes: Int32Array;
  /** Key of entry i: keys[keyOffsets[i], keyOffsets[i + 1]). */
  #keyOffsets: Int32Array;
  #keys: Uint8Array;
  #tokens: Uint8Array;
  size = 0;

  constructor(width: number, maxEntries: number, presize: boolean) {
    this.#width = width;
    this.#maxEntries = maxEntries;
    const entries = presize ? maxEntries : Math.min(INITIAL_ENTRIES, maxEntries);
    this.#slots = new Int32Array(slotsFor(entries));
    this.#hashes = new Int32Array(entries);
    this.#keyOffsets = new Int32Array(entries + 1);
    this.#keys = new Uint8Array(entries * 16);
    this.#tokens = new Uint8Array(entries * width);
  }

  get full(): boolean {
    return this.size >= this.#maxEntries;
  }

  /** The entry whose key is b[s, e) (hash h), or -1. */
  find(b: Uint8Array, s: number, e: number, h: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const len = e - s;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]! - 1;
      if (entry < 0) return -1;
      if (this.#hashes[entry] !== h) continue;
      const k0 = this.#keyOffsets[entry]!;
      if (this.#keyOffsets[entry + 1]! - k0 !== len) continue;
      const keys = this.#keys;
      let k = 0;
      while (k < len && keys[k0 + k] === b[s + k]) k++;
      if (k === len) return entry;
    }
  }

  copyToken(entry: number, out: Uint8Array, at: number): void {
    const w = this.#width;
    const tokens = this.#tokens;
    const from = entry * w;
    for (let k = 0; k < w; k++) out[at + k] = tokens[from + k]!;
  }

  /** Adds key b[s, e) (hash h) with the token src[at, at + width); the caller checks `full` first. */
  add(b: Uint8Array, s: number, e: number, h: number, src: Uint8Array, at: number): void {
    const entry = this.size;
    if (entry >= this.#hashes.length) this.#grow();
    const len = e - s;
    const k0 = this.#keyOffsets[entry]!;
    if (k0 + len > this.#keys.length) this.#keys = enlarge(this.#keys, k0 + len);
    const keys = this.#keys;
    for (let k = 0; k < len; k++) keys[k0 + k] = b[s + k]!;
    this.#keyOffsets[entry + 1] = k0 + len;
    this.#hashes[entry] = h;
    const w = this.#width;
    const tokens = this.#tokens;
    for (let k = 0; k < w; k++) tokens[entry * w + k] = src[at + k]!;
    const slots = this.#slots;
    const mask = slots.length - 1;
    let slot = h & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
    this.size++;
  }

  clear(): void {
    this.#slots.fill(0);
    this.size = 0;
  }

  #grow(): void {
    const entries = Math.min(this.#maxEntries, this.#hashes.length * 2);
    this.#hashes = enlarge(this.#hashes, entries);
    this.#keyOffsets = enlarge(this.#keyOffsets, entries + 1);
    this.#tokens = enlarge(this.#tokens, entries * this.#width);
    const slots = new Int32Array(slotsFor(entries));
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let slot = this.#hashes[entry]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.#slots = slots;
  }
}

const slotsFor = (entries: number): number => 2 ** Math.ceil(Math.log2(Math.max(2, entries * 2)));

function enlarge<T extends Uint8Array | Int32Array>(a: T, atLeast: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(atLeast, a.length * 2));
  b.set(a);
  return b;
}

export class TokenCache {
  readonly width: number;
  #young: Generation;
  #old: Generation;

  /**
   * `width` bytes per token; at most `capacity` entries in all. A transfer's cache grows as it
   * fills; `presize` allocates it whole at once (a batch-local cache whose size is known).
   */
  constructor(width: number, capacity: number, presize = false) {
    const half = Math.max(1, Math.ceil(capacity / 2));
    this.width = width;
    this.#young = new Generation(width, half, presize);
    this.#old = new Generation(width, presize ? 1 : half, false);
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** Copies the token of key b[s, e) (hash h = fnv1a(b, s, e)) to out at `at`; false if not cached. */
  copyTo(b: Uint8Array, s: number, e: number, h: number, out: Uint8Array, at: number): boolean {
    let entry = this.#young.find(b, s, e, h);
    if (entry >= 0) {
      this.#young.copyToken(entry, out, at);
      return true;
    }
    entry = this.#old.find(b, s, e, h);
    if (entry < 0) return false;
    this.#old.copyToken(entry, out, at);
    this.put(b, s, e, h, out, at);
    return true;
  }

  /** Remembers out[at, at + width) as the token of key b[s, e) (hash h). */
  put(b: Uint8Array, s: number, e: number, h: number, out: Uint8Array, at: number): void {
    if (this.#young.full) {
      const reused = this.#old;
      reused.clear();
      this.#old = this.#young;
      this.#young = reused;
    }
    this.#young.add(b, s, e, h, out, at);
  }
}
