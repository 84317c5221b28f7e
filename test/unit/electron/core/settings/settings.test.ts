import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../../../electron/core/settings/errors.js';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { migrate, type Migration } from '../../../../../electron/core/settings/migrations.js';
import { defaultSettings, Settings } from '../../../../../electron/core/settings/schema.js';
import { SettingsStore } from '../../../../../electron/core/settings/store.js';

const dirs: string[] = [];
const file = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-settings-'));
  dirs.push(d);
  return path.join(d, 'settings.json');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('resolveConfig precedence', () => {
  const file1 = Settings.parse({ version: 1, agent: { logLevel: 'warn', dataDir: '/from/file' }, orchestrator: { runtimeRepo: 'file/repo' } });

  it('takes flags over environment over the file over defaults', () => {
    const env = { HOME: '/home/u', VPLC_LOG_LEVEL: 'error', VPLC_RUNTIME_IMAGE: 'env/repo' };
    const c = resolveConfig(file1, env, { 'runtime-image': 'flag/repo' });
    expect(c.runtimeRepo).toBe('flag/repo');
    expect(c.logLevel).toBe('error');
    expect(c.dataDir).toBe('/from/file');
    expect(c.helperImage).toBeUndefined();
    expect(resolveConfig(file1, { VPLC_HELPER_IMAGE: 'local/helper:1' }, {}).helperImage).toBe('local/helper:1');
    expect(c.mtlsDir).toBe('/home/u/.mtls');
  });

  it('refuses a runtime repository with a tag or digest at start, naming where it came from and the fix', () => {
    expect(() => resolveConfig(file1, {}, { 'runtime-image': 'registry.local:5000/openplc-runtime:4.1.4' })).toThrow(
      new UsageError('--runtime-image: "registry.local:5000/openplc-runtime:4.1.4" carries a tag; give the repository only, e.g. "registry.local:5000/openplc-runtime" (the tag is the runtime version of each vPLC)'),
    );
    expect(() => resolveConfig(file1, { VPLC_RUNTIME_IMAGE: 'ghcr.io/x/rt@sha256:abc' }, {})).toThrow(/^VPLC_RUNTIME_IMAGE: "ghcr.io\/x\/rt@sha256:abc" carries a digest; give the repository only, e.g. "ghcr.io\/x\/rt"/);
    const tagged = Settings.parse({ version: 1, orchestrator: { runtimeRepo: 'file/repo:latest' } });
    expect(() => resolveConfig(tagged, {}, {})).toThrow(/^orchestrator.runtimeRepo in the settings file: "file\/repo:latest" carries a tag/);
    expect(() => resolveConfig(file1, {}, { 'runtime-image': 'Bad Name' })).toThrow(/is not an image repository name/);
    // A registry port is not a tag.
    expect(resolveConfig(file1, {}, { 'runtime-image': 'localhost:5000/openplc-runtime' }).runtimeRepo).toBe('localhost:5000/openplc-runtime');
    expect(resolveConfig(defaultSettings(), {}, {}).runtimeRepo).toBe('ghcr.io/autonomy-logic/openplc-runtime');
  });

  it('derives the per-user data dir from XDG_DATA_HOME when nothing sets it', () => {
    expect(resolveConfig(defaultSettings(), { HOME: '/home/u', XDG_DATA_HOME: '/xdg' }, {}).dataDir).toBe('/xdg/vplc-orchestrator');
    expect(resolveConfig(defaultSettings(), { HOME: '/home/u' }, {}).dataDir).toBe('/home/u/.local/share/vplc-orchestrator');
  });

  it('turns the cloud off with --no-cloud or VPLC_NO_CLOUD=1', () => {
    expect(resolveConfig(defaultSettings(), {}, { 'no-cloud': true }).cloudEnabled).toBe(false);
    expect(resolveConfig(defaultSettings(), { VPLC_NO_CLOUD: '1' }, {}).cloudEnabled).toBe(false);
    expect(resolveConfig(defaultSettings(), {}, {}).cloudEnabled).toBe(true);
  });
});

describe('operations settings', () => {
  it('carry the allow-list, CA sharing and update timing into the effective config, with safe defaults', () => {
    const d = resolveConfig(defaultSettings(), {}, {});
    expect(d).toMatchObject({ runCommandAllowList: undefined, shareCaBundle: false, updateCheckMs: 60_000, minFreeDiskMb: 2_048 });
    const file = Settings.parse({ version: 1, orchestrator: { runCommandAllowList: [{ method: 'GET', pathPrefix: '/api/' }], shareCaBundle: true, updateCheckSeconds: 300 } });
    expect(resolveConfig(file, {}, {})).toMatchObject({ runCommandAllowList: [{ method: 'GET', pathPrefix: '/api/' }], shareCaBundle: true, updateCheckMs: 300_000 });
  });

  it('names the field of a bad allow-list entry', () => {
    const r = Settings.safeParse({ version: 1, orchestrator: { runCommandAllowList: [{ pathPrefix: 'api' }] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['orchestrator', 'runCommandAllowList', 0, 'pathPrefix']);
  });
});

describe('migrate', () => {
  const steps: Migration[] = [
    { from: 1, migrate: (r) => ({ ...r, agent: { logLevel: r.logLevel } }) },
    { from: 2, migrate: (r) => ({ ...r, renamed: true }) },
  ];

  it('applies each step in order up to the target', () => {
    expect(migrate({ version: 1, logLevel: 'debug' }, 3, steps)).toEqual({
      kind: 'current',
      raw: { version: 3, logLevel: 'debug', agent: { logLevel: 'debug' }, renamed: true },
      migratedFrom: 1,
    });
  });

  it('reports a newer file instead of downgrading it', () => {
    expect(migrate({ version: 9 }, 3, steps)).toMatchObject({ kind: 'newer', version: 9 });
  });

  it('reads a file without a version (even `{}`) as the current version', () => {
    expect(migrate({}, 3, steps)).toEqual({ kind: 'current', raw: { version: 3 } });
    expect(migrate({ agent: { logLevel: 'debug' } }, 1)).toEqual({ kind: 'current', raw: { agent: { logLevel: 'debug' }, version: 1 } });
  });

  it('rejects a missing step and a bad version', () => {
    expect(migrate({ version: 1 }, 3, [])).toEqual({ kind: 'invalid', reason: 'version: no migration from 1 to 2' });
    expect(migrate({ version: '1' }, 1)).toEqual({ kind: 'invalid', reason: 'version: must be a non-negative integer' });
    expect(migrate([], 1)).toEqual({ kind: 'invalid', reason: 'settings must be a JSON object' });
  });
});

describe('SettingsStore', () => {
  it('uses defaults when there is no file, and round-trips a saved one', async () => {
    const f = file();
    const store = new SettingsStore(f);
    expect(await store.load()).toEqual({ settings: defaultSettings(), writable: true, warnings: [], fileKeys: new Set() });
    const s = defaultSettings();
    s.desktop.autostart = true;
    await store.save(s);
    expect((await store.load()).settings.desktop.autostart).toBe(true);
  });

  it('takes `{}` and a file of one field as valid, with defaults for the rest, and leaves the file alone', async () => {
    const f = file();
    writeFileSync(f, '{}');
    expect(await new SettingsStore(f).load()).toEqual({ settings: defaultSettings(), writable: true, warnings: [], fileKeys: new Set() });
    writeFileSync(f, '{"agent":{"logLevel":"debug"}}');
    expect((await new SettingsStore(f).load()).settings.agent.logLevel).toBe('debug');
    expect((await new SettingsStore(f).load()).fileKeys).toEqual(new Set(['agent.logLevel']));
    expect(readdirSync(path.dirname(f))).toEqual(['settings.json']);
    expect(readFileSync(f, 'utf8')).toBe('{"agent":{"logLevel":"debug"}}');
  });

  it('quarantines a corrupt file and says where it went', async () => {
    const f = file();
    writeFileSync(f, '{"version": 1, "agent": {"uiPort": "x"}}');
    const loaded = await new SettingsStore(f, [], () => 1234).load();
    expect(loaded.settings).toEqual(defaultSettings());
    expect(loaded.warnings[0]).toBe(`${f} was corrupt (agent.uiPort: Invalid input: expected number, received string); moved to ${f}.corrupt-1234, using defaults`);
    expect(readdirSync(path.dirname(f))).toEqual(['settings.json.corrupt-1234']);
  });

  it('opens a file from a newer version read-only and keeps what it understands', async () => {
    const f = file();
    const text = JSON.stringify({ version: 7, agent: { logLevel: 'debug' }, futureSection: { x: 1 } });
    writeFileSync(f, text);
    const loaded = await new SettingsStore(f).load();
    expect(loaded).toMatchObject({ writable: false, settings: { agent: { logLevel: 'debug' } } });
    expect(readFileSync(f, 'utf8')).toBe(text);
  });

  it('writes a migrated file back in the current version', async () => {
    const f = file();
    writeFileSync(f, JSON.stringify({ version: 0 }));
    const store = new SettingsStore(f, [{ from: 0, migrate: (r) => ({ ...r, desktop: { autostart: true } }) }]);
    const loaded = await store.load();
    expect(loaded.warnings).toEqual(['settings migrated from v0']);
    expect(JSON.parse(readFileSync(f, 'utf8'))).toMatchObject({ version: 1, desktop: { autostart: true } });
  });
});
