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
}
