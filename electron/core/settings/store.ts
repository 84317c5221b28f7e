import { promises as fs } from 'node:fs';
import { isErrno, writeFileAtomic } from '../../lib/fs/atomic.js';
import { migrate, MIGRATIONS, type Migration } from './migrations.js';
import { defaultSettings, Settings, SETTINGS_VERSION } from './schema.js';
import { fileKeysOf } from './sources.js';
import { probeWritable } from './writable.js';

export type SettingsLoad = {
  settings: Settings;
  /**
   * False when the file comes from a newer app version (we use what we understand and never save over it), or when
   * this process cannot write it (tested by trying, see ./writable.ts).
   */
  writable: boolean;
  /** Why `writable` is false, in words for the person changing settings. */
  readOnlyReason?: string;
  warnings: string[];
  /** The keys the file sets itself (`cloud.url`), so a value can be told apart from its default. */
  fileKeys: ReadonlySet<string>;
};

const describeIssue = (e: { issues: Array<{ path: PropertyKey[]; message: string }> }): string => {
  const i = e.issues[0];
  return i ? `${i.path.map(String).join('.') || '(root)'}: ${i.message}` : 'invalid';
};

/**
 * The settings file: zod schema, step-wise migrations, atomic writes.
 *
 * INVARIANTS
 * - A corrupt file is moved to `<file>.corrupt-<unix-ts>` and reported; defaults are used, never written over it silently.
 * - A file from a newer version is opened read-only (a downgrade must not destroy the settings).
 * - A migrated file is written back only after the migration parsed cleanly.
 */
export class SettingsStore {
  constructor(
    readonly file: string,
    private readonly steps: readonly Migration[] = MIGRATIONS,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async load(): Promise<SettingsLoad> {
    const loaded = await this.read();
    if (!loaded.writable) return loaded;
    const probe = await probeWritable(this.file);
    return probe.writable ? loaded : { ...loaded, writable: false, readOnlyReason: probe.reason, warnings: [...loaded.warnings, `${probe.reason}; settings are read-only here`] };
  }

  private async read(): Promise<SettingsLoad> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { settings: defaultSettings(), writable: true, warnings: [], fileKeys: new Set() };
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return this.quarantine(`not JSON: ${(err as Error).message}`);
    }
    const m = migrate(raw, SETTINGS_VERSION, this.steps);
    if (m.kind === 'invalid') return this.quarantine(m.reason);
    if (m.kind === 'newer') {
      const understood = Settings.safeParse({ ...m.raw, version: SETTINGS_VERSION });
      const settings = understood.success ? understood.data : defaultSettings();
      return {
        settings,
        writable: false,
        readOnlyReason: 'The settings file was written by a newer version of the app; it is read-only here',
        warnings: [`${this.file} was written by a newer version (v${m.version}); it is used read-only and never overwritten`],
        fileKeys: fileKeysOf(m.raw),
      };
    }
    const parsed = Settings.safeParse(m.raw);
    if (!parsed.success) return this.quarantine(describeIssue(parsed.error));
    if (m.migratedFrom !== undefined) await this.save(parsed.data);
    return { settings: parsed.data, writable: true, warnings: m.migratedFrom !== undefined ? [`settings migrated from v${m.migratedFrom}`] : [], fileKeys: fileKeysOf(m.raw) };
  }

  async save(settings: Settings): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(Settings.parse(settings), null, 2)}\n`, 0o644);
  }

  private async quarantine(reason: string): Promise<SettingsLoad> {
    const movedTo = `${this.file}.corrupt-${this.nowSeconds()}`;
    await fs.rename(this.file, movedTo);
    return { settings: defaultSettings(), writable: true, warnings: [`${this.file} was corrupt (${reason}); moved to ${movedTo}, using defaults`], fileKeys: new Set() };
  }
}
