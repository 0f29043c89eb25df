// The distinct individuals each exporter has sent abroad in a calendar year, as 16-byte keyed
// hashes of their subject IDs (HMAC-SHA-256 under a key the gateway derives per exporter, so the
// same person in two transfers, or two agreements, is one person, and the file names nobody).
// One append-only file per exporter, year and kind in <dataDir>/compliance/; a hash is made durable
// before the row it counts leaves. The counts themselves go to the ledger (compliance.counted).
// FileSubjectCounts is the embedded SubjectCounts (gateway/store/types.ts) over these files; the
// shared one is PgSubjectCounts (gateway/store/pg-subjects.ts).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { keyedHash, type KeyedHash } from '../pipeline/transforms/keyed-hash.js';
import { KeyedMutex } from '../store/keyed-mutex.js';
import type { SubjectBook, SubjectCounts } from '../store/types.js';

export const HASH_BYTES = 16;
export type SubjectKind = 'pi' | 'sensitive';

/** The keyed hash of subject IDs for one exporter: HKDF(gateway secret, salt = exporter DID). */
export function subjectHasher(gatewaySecret: Uint8Array, exporter: string): (id: Uint8Array | string, out: Uint8Array, at: number) => void {
  const hash: KeyedHash = keyedHash(hkdf(sha256, gatewaySecret, utf8ToBytes(exporter), utf8ToBytes('dataport/subject-counter/v1'), 32));
  const tag = new Uint8Array(32);
  return (id, out, at) => {
    hash(typeof id === 'string' ? utf8ToBytes(id) : id, tag);
    out.set(tag.subarray(0, HASH_BYTES), at);
  };
}

/** Open-addressing set of 16-byte hashes (the first 4 bytes pick the slot: they are uniform). */
export class HashSet128 {
  private words: Uint32Array;
  private used: Uint8Array;
  size = 0;

  constructor(capacity = 1024) {
    let slots = 1024;
    while (slots < capacity * 2) slots *= 2;
    this.words = new Uint32Array(slots * 4);
    this.used = new Uint8Array(slots);
  }

  has(b: Uint8Array, at: number): boolean {
    return this.used[this.find(b, at)] === 1;
  }

  /** Adds the hash at b[at..at+16); true if it was new. */
  add(b: Uint8Array, at: number): boolean {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    const slot = this.find(b, at);
    if (this.used[slot]) return false;
    this.used[slot] = 1;
    const v = new DataView(b.buffer, b.byteOffset + at, HASH_BYTES);
    for (let w = 0; w < 4; w++) this.words[slot * 4 + w] = v.getUint32(w * 4, true);
    this.size++;
    return true;
  }

  // The slot holding the hash, or the empty slot where it would go.
  private find(b: Uint8Array, at: number): number {
    const v = new DataView(b.buffer, b.byteOffset + at, HASH_BYTES);
    const w0 = v.getUint32(0, true);
    const w1 = v.getUint32(4, true);
    const w2 = v.getUint32(8, true);
    const w3 = v.getUint32(12, true);
    const mask = this.used.length - 1;
    let slot = w0 & mask;
    for (;;) {
      if (!this.used[slot]) return slot;
      const o = slot * 4;
      if (this.words[o] === w0 && this.words[o + 1] === w1 && this.words[o + 2] === w2 && this.words[o + 3] === w3) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.words;
    const oldUsed = this.used;
    this.words = new Uint32Array(old.length * 2);
    this.used = new Uint8Array(oldUsed.length * 2);
    this.size = 0;
    const b = new Uint8Array(HASH_BYTES);
    const v = new DataView(b.buffer);
    for (let s = 0; s < oldUsed.length; s++) {
      if (!oldUsed[s]) continue;
      for (let w = 0; w < 4; w++) v.setUint32(w * 4, old[s * 4 + w]!, true);
      this.add(b, 0);
    }
  }
}

interface Book {
  exporter: string;
  year: number;
  set: HashSet128;
  file: string;
  /** Hashes added since the last flush. */
  pending: Uint8Array[];
  /** The appends under way, in order: a flush waits for those that may hold its hashes. */
  writing: Promise<void>;
}

export class SubjectStore {
  private readonly books = new Map<string, Book>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Distinct hashes counted for the exporter, year and kind. */
  count(exporter: string, year: number, kind: SubjectKind): number {
    return this.book(exporter, year, kind).set.size;
  }

  /**
   * For each of the `n` hashes in `hashes`: 1 if it is not yet counted (the first of equal hashes
   * in the batch only). Nothing is added.
   */
  probe(exporter: string, year: number, kind: SubjectKind, hashes: Uint8Array, n: number): Uint8Array {
    const { set } = this.book(exporter, year, kind);
    const fresh = new Uint8Array(n);
    const seen = new HashSet128(n);
    for (let i = 0; i < n; i++) {
      const at = i * HASH_BYTES;
      if (!set.has(hashes, at) && seen.add(hashes, at)) fresh[i] = 1;
    }
    return fresh;
  }

  /** Counts the first `upto` of the `hashes` (durable at the next flush). */
  add(exporter: string, year: number, kind: SubjectKind, hashes: Uint8Array, upto: number): number {
    const book = this.book(exporter, year, kind);
    let added = 0;
    for (let i = 0; i < upto; i++) {
      const at = i * HASH_BYTES;
      if (book.set.add(hashes, at)) {
        book.pending.push(hashes.slice(at, at + HASH_BYTES));
        added++;
      }
    }
    return added;
  }

  /**
   * Writes the pending hashes (of one exporter's year, or all) and waits until they are on disk,
   * with any append already under way for those files (it may hold hashes added by the caller).
   */
  async flush(exporter?: string, year?: number): Promise<void> {
    const books = [...this.books.values()].filter((b) => (exporter === undefined || b.exporter === exporter) && (year === undefined || b.year === year));
    await Promise.all(books.map((book) => {
      if (book.pending.length > 0) {
        const bytes = Buffer.concat(book.pending);
        book.pending = [];
        // After the previous append whatever its outcome: each append is whole hashes, in order.
        book.writing = book.writing.catch(() => undefined).then(() => append(book.file, bytes));
      }
      return book.writing;
    }));
  }

  private book(exporter: string, year: number, kind: SubjectKind): Book {
    const name = `${createHash('sha256').update(exporter).digest('hex').slice(0, 32)}-${year}-${kind}.bin`;
    let book = this.books.get(name);
    if (!book) {
      const file = join(this.dir, name);
      let bytes: Uint8Array = new Uint8Array(0);
      try {
        bytes = readFileSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      // A torn last write leaves a partial hash: it was never acknowledged, so it is not counted.
      const whole = Math.floor(bytes.length / HASH_BYTES);
      if (whole * HASH_BYTES !== bytes.length) truncateSync(file, whole * HASH_BYTES);
      const set = new HashSet128(whole);
      for (let i = 0; i < whole; i++) set.add(bytes, i * HASH_BYTES);
      book = { exporter, year, set, file, pending: [], writing: Promise.resolve() };
      this.books.set(name, book);
    }
    return book;
  }
}

async function append(file: string, bytes: Uint8Array): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'a', 0o600);
    await handle.write(bytes);
    await handle.datasync();
  } finally {
    await handle?.close();
  }
}

/**
 * SubjectCounts over the files of a SubjectStore, for one gateway process. A year is held by an
 * in-process mutex; what a `withYear` adds is staged and goes to the store only when its function
 * has returned (a function that throws counts nothing), then is synced before `withYear` resolves.
 */
export class FileSubjectCounts implements SubjectCounts {
  private readonly store: SubjectStore;
  private readonly years = new KeyedMutex();

  constructor(dir: string) {
    this.store = new SubjectStore(dir);
  }

  withYear<T>(exporter: string, year: number, fn: (book: SubjectBook) => Promise<T>): Promise<T> {
    return this.years.run(`${exporter}\n${year}`, async () => {
      const staged = new Map<SubjectKind, { set: HashSet128; hashes: Uint8Array[] }>();
      const stage = (kind: SubjectKind) => {
        let s = staged.get(kind);
        if (!s) staged.set(kind, (s = { set: new HashSet128(), hashes: [] }));
        return s;
      };
      const store = this.store;
      const book: SubjectBook = {
        count: (kind) => store.count(exporter, year, kind) + (staged.get(kind)?.set.size ?? 0),
        probe: async (kind, hashes, n) => {
          const fresh = store.probe(exporter, year, kind, hashes, n);
          const s = staged.get(kind);
          if (s) for (let i = 0; i < n; i++) if (fresh[i] && s.set.has(hashes, i * HASH_BYTES)) fresh[i] = 0;
          return fresh;
        },
        add: (kind, hashes, upto) => {
          const fresh = store.probe(exporter, year, kind, hashes, upto);
          const s = stage(kind);
          let added = 0;
          for (let i = 0; i < upto; i++) {
            const at = i * HASH_BYTES;
            if (fresh[i] && s.set.add(hashes, at)) {
              s.hashes.push(hashes.slice(at, at + HASH_BYTES));
              added++;
            }
          }
          return added;
        },
      };
      const out = await fn(book);
      for (const [kind, s] of staged) store.add(exporter, year, kind, Buffer.concat(s.hashes), s.hashes.length);
      await store.flush(exporter, year);
      return out;
    });
  }

  async count(exporter: string, year: number, kind: SubjectKind): Promise<number> {
    return this.store.count(exporter, year, kind);
  }

  async close(): Promise<void> {
    await this.store.flush();
  }
}
