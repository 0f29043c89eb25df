// A top-level JSON object (RFC 8259) split as it streams in: each member is parsed on its own,
// except one array member whose elements are parsed and handed out one by one, so a file of
// metadata plus a long `rows` array is read with memory for one row at a time.
import { sourceError } from './types.js';

export type MemberEvent =
  | { kind: 'member'; key: string; value: unknown }
  | { kind: 'element'; value: unknown };

const enum Phase { Open, KeyOrEnd, Key, Colon, ValueStart, Value, ElementStart, Element, AfterArray, Done }

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export class JsonMemberSplitter {
  private readonly file: string;
  private readonly arrayKey: string;
  private buf = '';
  private pos = 0;
  /** Where the key, value or element being read starts in `buf`. */
  private start = 0;
  private phase = Phase.Open;
  private key = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private events: MemberEvent[] = [];

  /** `arrayKey`: the member whose array elements are streamed. */
  constructor(file: string, arrayKey: string) {
    this.file = file;
    this.arrayKey = arrayKey;
  }

  push(chunk: string): void {
    this.buf += chunk;
    this.scan();
    // Keep only what the next chunk still needs: the token being read.
    const keep = this.phase === Phase.Key || this.phase === Phase.Value || this.phase === Phase.Element ? this.start : this.pos;
    this.buf = this.buf.slice(keep);
    this.pos -= keep;
    this.start -= keep;
  }

  end(): void {
    this.scan();
    if (this.phase !== Phase.Done) throw sourceError(this.file, 'at its end', 'the JSON object is incomplete');
  }

  /** The members and elements completed so far (each is returned once). */
  take(): MemberEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private scan(): void {
    const buf = this.buf;
    const n = buf.length;
    while (this.pos < n) {
      const c = buf.charCodeAt(this.pos);
      switch (this.phase) {
        case Phase.Open:
        case Phase.KeyOrEnd:
        case Phase.Colon:
        case Phase.AfterArray:
        case Phase.Done:
        case Phase.ElementStart:
        case Phase.ValueStart:
          if (WS.has(c)) {
            this.pos++;
            continue;
          }
          this.structural(c);
          continue;
        case Phase.Key:
          if (!this.skipString(buf)) return;
          this.key = JSON.parse(buf.slice(this.start, this.pos)) as string;
          this.phase = Phase.Colon;
          continue;
        case Phase.Value:
        case Phase.Element: {
          const end = this.skipValue(buf);
          if (end === -1) return;
          const value = this.parse(buf.slice(this.start, end));
          const closer = buf.charCodeAt(end);
          this.pos = end + 1;
          if (this.phase === Phase.Value) {
            this.events.push({ kind: 'member', key: this.key, value });
            this.phase = closer === 0x2c ? Phase.KeyOrEnd : Phase.Done;
          } else {
            this.events.push({ kind: 'element', value });
            this.phase = closer === 0x2c ? Phase.ElementStart : Phase.AfterArray;
          }
          continue;
        }
      }
    }
  }

  /** A structural character where a phase expects one. */
  private structural(c: number): void {
    const p = this.phase;
    if (p === Phase.Open && c === 0x7b) this.phase = Phase.KeyOrEnd;
    else if (p === Phase.KeyOrEnd && c === 0x7d) this.phase = Phase.Done;
    else if (p === Phase.KeyOrEnd && c === 0x22) {
      this.phase = Phase.Key;
      this.start = this.pos;
      this.inString = false;
      this.escaped = false;
      return; // the key's opening quote is read by skipString
    } else if (p === Phase.Colon && c === 0x3a) this.phase = Phase.ValueStart;
    else if (p === Phase.ValueStart && c === 0x5b && this.key === this.arrayKey) this.phase = Phase.ElementStart;
    else if (p === Phase.ValueStart || (p === Phase.ElementStart && c !== 0x5d)) {
      this.phase = p === Phase.ValueStart ? Phase.Value : Phase.Element;
      this.start = this.pos;
      this.depth = 0;
      this.inString = false;
      this.escaped = false;
      return;
    } else if (p === Phase.ElementStart && c === 0x5d) this.phase = Phase.AfterArray;
    else if (p === Phase.AfterArray && c === 0x2c) this.phase = Phase.KeyOrEnd;
    else if (p === Phase.AfterArray && c === 0x7d) this.phase = Phase.Done;
    else throw sourceError(this.file, `at character ${this.pos}`, `unexpected ${JSON.stringify(String.fromCharCode(c))} in the JSON object`);
    this.pos++;
  }

  /** Advances over a string starting at or inside `start`; false if the buffer ends first. */
  private skipString(buf: string): boolean {
    if (!this.inString) {
      this.inString = true;
      this.pos++; // opening quote
    }
    while (this.pos < buf.length) {
      const c = buf.charCodeAt(this.pos++);
      if (this.escaped) this.escaped = false;
      else if (c === 0x5c) this.escaped = true;
      else if (c === 0x22) {
        this.inString = false;
        return true;
      }
    }
    return false;
  }

  /** The index of the `,` or closing bracket that ends the value at `start`, or -1 if not yet read. */
  private skipValue(buf: string): number {
    while (this.pos < buf.length) {
      if (this.inString) {
        if (!this.skipString(buf)) return -1;
        continue;
      }
      const c = buf.charCodeAt(this.pos);
      if (c === 0x22) {
        this.skipString(buf);
        continue;
      }
      if (c === 0x5b || c === 0x7b) this.depth++;
      else if (c === 0x5d || c === 0x7d || c === 0x2c) {
        if (this.depth === 0) return this.pos;
        if (c !== 0x2c) this.depth--;
      }
      this.pos++;
    }
    return -1;
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw sourceError(this.file, `member ${JSON.stringify(this.key)}`, `not JSON (${(e as Error).message})`);
    }
  }
}
