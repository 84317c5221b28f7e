import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { defaultSettings, Settings } from '../../../../../electron/core/settings/schema.js';
import { OrchestratorSettings } from '../../../../../electron/workers/orchestrator/settings.js';

describe('orchestrator.gratuitousArp', () => {
  it('defaults to on and is carried into the effective config and the orchestrator settings', () => {
    expect(defaultSettings().orchestrator.gratuitousArp).toBe(true);
    expect(resolveConfig(defaultSettings(), {}, {}).gratuitousArp).toBe(true);
    const file = Settings.parse({ version: 1, orchestrator: { gratuitousArp: false } });
    expect(resolveConfig(file, {}, {}).gratuitousArp).toBe(false);
    expect(OrchestratorSettings.parse({ dataDir: '/tmp/x' }).gratuitousArp).toBe(true);
    expect(OrchestratorSettings.parse({ dataDir: '/tmp/x', gratuitousArp: false }).gratuitousArp).toBe(false);
  });

  it('refuses a value that is not a boolean, naming the field', () => {
    const r = Settings.safeParse({ version: 1, orchestrator: { gratuitousArp: 'no' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['orchestrator', 'gratuitousArp']);
  });
});
