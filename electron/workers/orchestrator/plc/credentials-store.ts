/**
 * The runtime credentials the user gave, per vPLC (docs/plc.md "Credentials"): `<state dir>/runtime-credentials.json`,
 * mode 0600, written atomically, parsed with zod. A corrupt file is moved aside and reported; a file others can read is
 * tightened to 0600 and reported. Passwords leave this module only towards the runtime's login, never to a log.
 */
import { chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../../lib/fs/atomic.js';
import { loadJsonFileSync } from '../../../lib/fs/json-file.js';
import type { Logger } from '../context.js';
import type { StoreProblem } from '../store/state-store.js';
import type { Credentials } from './session.js';

export const CREDENTIALS_FILE = 'runtime-credentials.json';

const Entry = z.object({ username: z.string().min(1), password: z.string().min(1), saved_at: z.string() });
export const CredentialsFile = z.object({ version: z.literal(1), vplcs: z.record(z.string(), Entry) });
type CredentialsFile = z.output<typeof CredentialsFile>;
type Entry = z.output<typeof Entry>;

export type CredentialsStoreDeps = {
  log: Logger;
  /** Where a corrupt file is reported (the state store's problems, shown in the host warnings). */
  report: (p: StoreProblem) => void;
  nowIso?: () => string;
};

export class CredentialsStore {
  readonly file: string;
  private entries = new Map<string, Entry>();
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    dir: string,
    private readonly deps: CredentialsStoreDeps,
  ) {
    this.file = path.join(dir, CREDENTIALS_FILE);
  }

  /** Reads the file once, synchronously (it is small), so every vPLC's credentials are known before the first poll. */
  static open(dir: string, deps: CredentialsStoreDeps): CredentialsStore {
    const s = new CredentialsStore(dir, deps);
    s.load();
    return s;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  username(name: string): string | null {
    return this.entries.get(name)?.username ?? null;
  }

  get(name: string): Credentials | null {
    const e = this.entries.get(name);
    return e ? { username: e.username, password: e.password } : null;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  put(name: string, creds: Credentials): Promise<void> {
    const saved_at = this.deps.nowIso?.() ?? new Date().toISOString();
    return this.mutate((m) => m.set(name, { username: creds.username, password: creds.password, saved_at }));
  }

  /** Resolves true when there was something to remove. */
  async remove(name: string): Promise<boolean> {
    if (!this.entries.has(name)) return false;
    await this.mutate((m) => m.delete(name));
    return true;
  }

  /** Writes run one at a time; memory changes only after the file was written. */
  private mutate(fn: (m: Map<string, Entry>) => void): Promise<void> {
    const run = this.tail.then(async () => {
      const next = new Map(this.entries);
      fn(next);
      const body: CredentialsFile = { version: 1, vplcs: Object.fromEntries(next) };
      await writeFileAtomic(this.file, JSON.stringify(CredentialsFile.parse(body), null, 2) + '\n', 0o600);
      this.entries = next;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private load(): void {
    const loaded = loadJsonFileSync(this.file, CredentialsFile, { nowSeconds: () => Math.floor(Date.now() / 1000), secret: true, beforeRead: () => this.tighten() });
    if (loaded.kind === 'ok') this.entries = new Map(Object.entries(loaded.value.vplcs));
    if (loaded.kind !== 'corrupt') return;
    const { movedTo, reason } = loaded;
    this.deps.log.error('runtime credentials file was corrupt and has been moved aside; give the credentials again', { file: this.file, movedTo, reason });
    this.deps.report({ file: this.file, movedTo, reason });
  }

  /** A file others may read is made owner-only before it is read, and that is reported. */
  private tighten(): void {
    const mode = statSync(this.file).mode & 0o777;
    if ((mode & 0o077) === 0) return;
    chmodSync(this.file, 0o600);
    this.deps.log.warn('runtime credentials file was readable by others; its mode was set to 0600', { file: this.file, mode: `0${mode.toString(8)}` });
  }
}
