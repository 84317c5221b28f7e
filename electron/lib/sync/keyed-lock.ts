/**
 * One async mutex per key (per vPLC name, per parent interface).
 *
 * INVARIANTS
 * - Work for one key runs strictly one at a time, in arrival order; different keys never wait for each other.
 * - A key's entry is dropped once its queue drains, so the map does not grow with names that are gone.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves true once the key's queue has drained (queuing nothing itself), or false after `timeoutMs`. */
  async idle(key: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tail = this.tails.get(key);
      if (tail === undefined) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([tail.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), left)))]);
      clearTimeout(timer);
      if (timedOut) return !this.tails.has(key);
    }
  }
}
