import type { JsonStore } from '../../../lib/fs/json-store.js';

export type StoreProblem = { file: string; movedTo: string; reason: string };

/**
 * One persisted map: an in-memory copy that changes only after its file was written.
 *
 * INVARIANTS
 * - Mutations run one at a time (read-modify-write under `tail`), so concurrent patches never lose each other.
 * - The in-memory copy is replaced only after the atomic write succeeded, so memory and disk never diverge.
 * - Keys live in a `Map`: `constructor`, `toString` or `__proto__` are keys like any other, never inherited members.
 */
export class PersistedMap<V> {
  private value = new Map<string, V>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: JsonStore<Record<string, V>>) {}

  get file(): string {
    return this.store.file;
  }

  async load(onCorrupt: (p: StoreProblem) => void): Promise<void> {
    const loaded = await this.store.load();
    if (loaded.kind === 'ok') this.value = new Map(Object.entries(loaded.value));
    else if (loaded.kind === 'corrupt') onCorrupt({ file: this.store.file, movedTo: loaded.movedTo, reason: loaded.reason });
  }

  get(key: string): V | undefined {
    const v = this.value.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }

  keys(): string[] {
    return [...this.value.keys()];
  }

  entries(): Array<[string, V]> {
    return structuredClone([...this.value.entries()]);
  }

  /** Applies `fn` to a copy of the entry (undefined = absent); returning undefined deletes it, `this.unchanged` skips the write. */
  mutate(key: string, fn: (cur: V | undefined) => V | undefined | typeof UNCHANGED): Promise<void> {
    const run = this.tail.then(async () => {
      const next = fn(this.get(key));
      if (next === UNCHANGED) return;
      const copy = new Map(this.value);
      if (next === undefined) {
        if (!copy.has(key)) return;
        copy.delete(key);
      } else {
        copy.set(key, structuredClone(next));
      }
      // Object.fromEntries defines own properties, so even a `__proto__` key is written as data.
      await this.store.save(Object.fromEntries(copy));
      this.value = copy;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async wipe(): Promise<void> {
    await this.tail;
    this.value = new Map();
    await this.store.remove();
  }
}

export const UNCHANGED: unique symbol = Symbol('unchanged');
