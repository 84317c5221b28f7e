import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { defaultSettings, Settings } from '../../../../../electron/core/settings/schema.js';
import { SAMPLE_INTERVAL_MS } from '../../../../../electron/workers/orchestrator/metrics/sampler.js';
import { OrchestratorSettings } from '../../../../../electron/workers/orchestrator/settings.js';

describe('orchestrator.plc settings', () => {
  it('poll at the usage sampler period and restart after 2 min of fault by default, in the file and the worker', () => {
    expect(defaultSettings().orchestrator.plc).toEqual({ pollMs: SAMPLE_INTERVAL_MS, faultRestartAfterMs: 120_000 });
    expect(OrchestratorSettings.parse({ dataDir: '/tmp/x' }).plc).toEqual({ pollMs: SAMPLE_INTERVAL_MS, faultRestartAfterMs: 120_000 });
  });

  it('are carried from the file into the effective config, with 0 turning the fault restart off', () => {
    const file = Settings.parse({ version: 1, orchestrator: { plc: { pollMs: 2_000, faultRestartAfterMs: 0 } } });
    const plc = resolveConfig(file, {}, {}).plc;
    expect(plc).toEqual({ pollMs: 2_000, faultRestartAfterMs: 0 });
    expect(OrchestratorSettings.parse({ dataDir: '/tmp/x', plc }).plc).toEqual(plc);
  });

  it('refuse a poll period below 500 ms or an unknown key, naming the field', () => {
    const low = Settings.safeParse({ version: 1, orchestrator: { plc: { pollMs: 10 } } });
    expect(low.error?.issues[0]?.path).toEqual(['orchestrator', 'plc', 'pollMs']);
    const unknown = Settings.safeParse({ version: 1, orchestrator: { plc: { pollSeconds: 5 } } });
    expect(unknown.success).toBe(false);
  });
});
