import { z } from 'zod';
import { writeFileAtomic } from '../../../lib/fs/atomic.js';
import { JsonStore } from '../../../lib/fs/json-store.js';

export type StoreProblem = { file: string; movedTo: string; reason: string };

/** One member of the file's top-level object, exactly as `JSON.stringify(map, null, 2)` writes it (strings hold no raw newline). */
const member = (key: string, v: unknown): string => `  ${JSON.stringify(key)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`;

/**
 * One persisted map: an in-memory copy that changes only after its file was written.
 *
 * INVARIANTS
 * - Mutations run one at a time (read-modify-write under `tail`), so concurrent patches never lose each other.
 * - The in-memory copy is replaced only after the atomic write succeeded, so memory and disk never diverge.
 * - Every entry in memory is the schema's output: the file is validated whole when loaded, and a mutation validates
 *   and serialises only the entry it changes (`text` keeps each entry's JSON), so a write's CPU cost does not grow
 *   with the number of entries; the bytes written are those of `JSON.stringify(map, null, 2)`.
 * - Keys live in a `Map`: `constructor`, `toString` or `__proto__` are keys like any other, never inherited members.
 */
export class PersistedMap<V> {
  private value = new Map<string, V>();
  /** Each entry of `value` as its member of the file's JSON. */
  private text = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly store: JsonStore<Record<string, V>>;

  constructor(
    file: string,
    private readonly entry: z.ZodType<V>,
  ) {
    this.store = new JsonStore(file, z.record(z.string(), entry));
  }

  get file(): string {
    return this.store.file;
  }

  async load(onCorrupt: (p: StoreProblem) => void): Promise<void> {
    const loaded = await this.store.load();
    if (loaded.kind === 'ok') {
      this.value = new Map(Object.entries(loaded.value));
      this.text = new Map([...this.value].map(([k, v]) => [k, member(k, v)]));
    }
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
      const text = new Map(this.text);
      if (next === undefined) {
        if (!copy.has(key)) return;
        copy.delete(key);
        text.delete(key);
      } else {
        const parsed = this.parseEntry(key, next);
        copy.set(key, structuredClone(parsed));
        text.set(key, member(key, parsed));
      }
      await writeFileAtomic(this.store.file, text.size === 0 ? '{}\n' : `{\n${[...text.values()].join(',\n')}\n}\n`);
      this.value = copy;
      this.text = text;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async wipe(): Promise<void> {
    await this.tail;
    this.value = new Map();
    this.text = new Map();
    await this.store.remove();
  }

  /** The error names the field as a whole-file parse would: its path starts with the entry's key. */
  private parseEntry(key: string, v: V): V {
    const r = this.entry.safeParse(v);
    if (r.success) return r.data;
    throw new z.ZodError(r.error.issues.map((i) => ({ ...i, path: [key, ...i.path] })));
  }
}

export const UNCHANGED: unique symbol = Symbol('unchanged');
