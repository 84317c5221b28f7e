// orchestrator.serial settings (docs/serial.md "Settings"): defaults, carried from the file to the worker, refusals. Runtime: < 100 ms.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../../../electron/core/settings/layers.js';
import { defaultSettings, Settings } from '../../../../../../electron/core/settings/schema.js';
import { OrchestratorSettings } from '../../../../../../electron/workers/orchestrator/settings.js';

const DEFAULTS = { byIdDir: '/dev/serial/by-id', sysRoot: '/sys' };

describe('orchestrator.serial settings', () => {
  it('default to the udev by-id dir and /sys, in the file and in the worker', () => {
    expect(defaultSettings().orchestrator.serial).toEqual(DEFAULTS);
    expect(OrchestratorSettings.parse({ dataDir: '/tmp/x' }).serial).toEqual(DEFAULTS);
  });

  it('are carried from the file into the effective config and the worker', () => {
    const file = Settings.parse({ version: 1, orchestrator: { serial: { byIdDir: '/run/test/by-id' } } });
    const serial = resolveConfig(file, {}, {}).serial;
    expect(serial).toEqual({ byIdDir: '/run/test/by-id', sysRoot: '/sys' });
    expect(OrchestratorSettings.parse({ dataDir: '/tmp/x', serial }).serial).toEqual(serial);
  });

  it('refuse a relative path or an unknown key, naming the field', () => {
    const relative = Settings.safeParse({ version: 1, orchestrator: { serial: { sysRoot: 'sys' } } });
    expect(relative.error?.issues[0]?.path).toEqual(['orchestrator', 'serial', 'sysRoot']);
    expect(Settings.safeParse({ version: 1, orchestrator: { serial: { byId: '/dev' } } }).success).toBe(false);
  });
});
