import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { defaultSettings, Settings } from '../../../../../electron/core/settings/schema.js';
import { orchestratorWorkerSettings } from '../../../../../electron/core/settings/worker-settings.js';
import { OrchestratorSettings } from '../../../../../electron/workers/orchestrator/settings.js';

/** What the orchestrator worker runs with for a settings file: the core's pass-through, then the worker's own schema. */
function workerDebug(file: unknown): OrchestratorSettings['debug'] {
  const config = resolveConfig(Settings.parse(file), {}, { 'data-dir': '/tmp/vplc-debug-settings' });
  return OrchestratorSettings.parse(orchestratorWorkerSettings(config, undefined)).debug;
}

describe('orchestrator.debug settings', () => {
  it('default the same in the settings file and in the worker', () => {
    const defaults = { connectMs: 10_000, commandMs: 5_000, idleMs: 300_000, sweepMs: 60_000 };
    expect(defaultSettings().orchestrator.debug).toEqual(defaults);
    expect(OrchestratorSettings.parse({ dataDir: '/tmp/x' }).debug).toEqual(defaults);
    expect(workerDebug({ version: 1 })).toEqual(defaults);
  });

  it('reach the orchestrator worker from the file', () => {
    expect(workerDebug({ version: 1, orchestrator: { debug: { idleMs: 1_000 } } })).toEqual({ connectMs: 10_000, commandMs: 5_000, idleMs: 1_000, sweepMs: 60_000 });
    expect(workerDebug({ version: 1, orchestrator: { debug: { connectMs: 2_000, commandMs: 750, sweepMs: 5_000 } } })).toEqual({
      connectMs: 2_000,
      commandMs: 750,
      idleMs: 300_000,
      sweepMs: 5_000,
    });
  });

  it('refuse a non-positive value or an unknown key, naming the field', () => {
    const zero = Settings.safeParse({ version: 1, orchestrator: { debug: { commandMs: 0 } } });
    expect(zero.error?.issues[0]?.path).toEqual(['orchestrator', 'debug', 'commandMs']);
    const typo = Settings.safeParse({ version: 1, orchestrator: { debug: { idleMS: 1_000 } } });
    expect(typo.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['idleMS'], path: ['orchestrator', 'debug'] });
  });
});
