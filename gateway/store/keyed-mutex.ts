// A mutex per key within one process: work on one key runs one piece at a time, in arrival order
// (an exporter's year for the subject counts; the local half of a lease).

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** True while some work holds or waits for `key`. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /**
   * Runs `fn` once the work before it on `key` is done. Waits at most `waitMs` for it (`timeout()`
   * is thrown then, and the work after this one still runs in order).
   */
  async run<T>(key: string, fn: () => Promise<T>, waitMs = Infinity, timeout?: () => Error): Promise<T> {
    const before = this.tails.get(key);
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    const tail = before ? before.then(() => mine) : mine;
    this.tails.set(key, tail);
    let gaveUp = false;
    try {
      if (before && !(await ready(before, waitMs))) {
        gaveUp = true;
        throw timeout?.() ?? new Error(`${key} is in use`);
      }
      return await fn();
    } finally {
      done();
      // A link that gave up passes as soon as the one before it does; the key is free after that.
      const clear = () => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      };
      if (gaveUp) void tail.then(clear);
      else clear();
    }
  }
}

/** Whether `p` settles within `ms`. */
async function ready(p: Promise<void>, ms: number): Promise<boolean> {
  if (ms === Infinity) {
    await p;
    return true;
  }
  // Not waiting at all still lets work that has just ended finish letting go (its promise callbacks).
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  const expired = new Promise<false>((r) => (timer = ms <= 0 ? setImmediate(() => r(false)) : setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), expired]);
  } finally {
    if (ms <= 0) clearImmediate(timer as NodeJS.Immediate);
    else clearTimeout(timer as NodeJS.Timeout);
  }
}
