// Where each effective setting comes from (flag, environment, settings file, default), and what settings:get and
// settings:set report about it: the file is what Save writes, the effective values are what the agent started with.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSettings } from '../../../../../electron/core/api/handlers/settings.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import { parseArgs } from '../../../../../electron/core/settings/args.js';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { SettingsStore } from '../../../../../electron/core/settings/store.js';
import { invoke } from '../../../../../shared/api/contract.js';

const dirs: string[] = [];
const settingsFile = (text?: string): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-sources-'));
  dirs.push(d);
  const f = path.join(d, 'settings.json');
  if (text !== undefined) writeFileSync(f, text);
  return f;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The agent's start, as headless.ts does it: file, environment and command line, resolved once. */
async function start(fileText: string, env: NodeJS.ProcessEnv, argv: string[]) {
  const store = new SettingsStore(settingsFile(fileText));
  const loaded = await store.load();
  const config = resolveConfig(loaded.settings, env, parseArgs(argv).flags, loaded.fileKeys);
  return { store, config };
}

describe('effective settings and their sources', () => {
  it('names flag, variable, file and default, with the flag or variable that decides', async () => {
    const { config } = await start(
      JSON.stringify({ version: 1, cloud: { url: 'https://file.example:3001', enabled: true }, agent: { logLevel: 'info' }, orchestrator: { runtimeRepo: 'file/repo' } }),
      { HOME: '/home/u', VPLC_RUNTIME_IMAGE: 'env/repo' },
      ['--cloud-url', 'https://flag.example:3001', '--no-cloud'],
    );
    const by = (key: string) => config.sources.find((s) => s.key === key);
    expect(by('cloud.url')).toEqual({ key: 'cloud.url', value: 'https://flag.example:3001', source: 'flag', via: '--cloud-url' });
    expect(by('cloud.enabled')).toEqual({ key: 'cloud.enabled', value: false, source: 'flag', via: '--no-cloud' });
    expect(by('orchestrator.runtimeRepo')).toEqual({ key: 'orchestrator.runtimeRepo', value: 'env/repo', source: 'env', via: 'VPLC_RUNTIME_IMAGE' });
    // A value equal to the default still counts as the file's when the file sets it.
    expect(by('agent.logLevel')).toEqual({ key: 'agent.logLevel', value: 'info', source: 'file' });
    expect(by('agent.uiPort')).toEqual({ key: 'agent.uiPort', value: 48750, source: 'default' });
    expect(by('cloud.caFile')).toEqual({ key: 'cloud.caFile', value: null, source: 'default' });
    expect(config.sources.map((s) => s.key)).not.toContain('cloud.mtlsDir');
  });

  it('names VPLC_NO_CLOUD=1 as the variable that turns the cloud off', async () => {
    const { config } = await start('{}', { VPLC_NO_CLOUD: '1', VPLC_CA_FILE: '/etc/ca.pem' }, []);
    expect(config.sources.find((s) => s.key === 'cloud.enabled')).toEqual({ key: 'cloud.enabled', value: false, source: 'env', via: 'VPLC_NO_CLOUD=1' });
    expect(config.sources.find((s) => s.key === 'cloud.caFile')).toEqual({ key: 'cloud.caFile', value: '/etc/ca.pem', source: 'env', via: 'VPLC_CA_FILE' });
  });
});

describe('settings:get and settings:set', () => {
  it('answers the effective values; a save writes the file only and names what waits for a restart and what a flag hides', async () => {
    const { store, config } = await start(JSON.stringify({ version: 1, orchestrator: { runtimeRepo: 'file/repo' } }), {}, ['--cloud-url', 'https://flag.example:3001']);
    const registry = new ApiRegistry();
    registerSettings(registry, store, config.sources);
    const got = await registry.call('settings:get', {}, { via: 'test' });
    expect(got).toMatchObject({ ok: true, value: { settings: { cloud: { url: 'https://api.autonomylogic.com:3001' } }, effective: expect.arrayContaining([{ key: 'cloud.url', value: 'https://flag.example:3001', source: 'flag', via: '--cloud-url' }]) } });

    const set = await registry.call('settings:set', { cloud: { url: 'https://saved.example:3001' }, orchestrator: { runtimeRepo: 'other/repo' }, agent: { logLevel: 'info' }, desktop: { autostart: true } }, { via: 'test' });
    expect(set).toMatchObject({ ok: true, value: { restartNeeded: true, afterRestart: ['orchestrator.runtimeRepo'], overridden: ['cloud.url'] } });
    const written = JSON.parse(readFileSync(store.file, 'utf8')) as { cloud: { url: string }; orchestrator: { runtimeRepo: string } };
    expect(written.cloud.url).toBe('https://saved.example:3001');
    expect(written.orchestrator.runtimeRepo).toBe('other/repo');
    // What the agent runs with does not change with a save.
    const again = await registry.call('settings:get', {}, { via: 'test' });
    if (!again.ok) throw new Error(again.error.message);
    expect(invoke['settings:get'].output.parse(again.value).effective.find((e) => e.key === 'orchestrator.runtimeRepo')?.value).toBe('file/repo');

    expect(await registry.call('settings:set', { desktop: { quitOnClose: false } }, { via: 'test' })).toMatchObject({ ok: true, value: { restartNeeded: false, afterRestart: [], overridden: [] } });
  });
});
