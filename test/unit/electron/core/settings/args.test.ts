import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../../../electron/core/settings/args.js';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { defaultSettings, Settings as SettingsSchema, SETTINGS_VERSION } from '../../../../../electron/core/settings/schema.js';

describe('parseArgs', () => {
  it('reads both flag forms and the settings file', () => {
    expect(parseArgs(['--no-cloud', '--data-dir', '/d', '--log-level=debug', '--settings', '/s.json'])).toEqual({
      flags: { 'no-cloud': true, 'data-dir': '/d', 'log-level': 'debug' },
      settingsFile: '/s.json',
    });
  });

  it.each([
    [['--bogus', '1'], 'unknown option --bogus'],
    [['--data-dir'], '--data-dir needs a value'],
    [['--log-level', 'loud'], '--log-level must be one of debug, info, warn, error'],
    [['--ui-port', 'x'], '--ui-port must be a port number (0 picks a free one)'],
    [['--workers', 'processes'], '--workers must be one of in-process, threads'],
    [['agent'], 'unexpected argument: agent'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message));
  });
});

describe('where the workers run (agent.workers)', () => {
  it('runs them in-process unless a flag, the environment or the file says threads', () => {
    expect(resolveConfig(defaultSettings(), {}, {}).workers).toBe('in-process');
    expect(resolveConfig(defaultSettings(), {}, parseArgs(['--workers', 'threads']).flags).workers).toBe('threads');
    expect(resolveConfig(defaultSettings(), { VPLC_WORKERS: 'threads' }, {}).workers).toBe('threads');
    const file = SettingsSchema.parse({ version: SETTINGS_VERSION, agent: { workers: 'threads' } });
    expect(resolveConfig(file, {}, {}).workers).toBe('threads');
    expect(resolveConfig(file, { VPLC_WORKERS: 'in-process' }, {}).workers).toBe('in-process');
  });

  it('refuses an unknown mode from the environment, naming the variable', () => {
    expect(() => resolveConfig(defaultSettings(), { VPLC_WORKERS: 'forks' }, {})).toThrow(new UsageError('VPLC_WORKERS must be one of in-process, threads'));
  });

  it('refuses an unknown mode in the settings file, naming the field', () => {
    const parsed = SettingsSchema.safeParse({ version: SETTINGS_VERSION, agent: { workers: 'forks' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['agent', 'workers']);
  });
});
