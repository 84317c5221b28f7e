import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { defaultSettings, Settings } from '../../../../../electron/core/settings/schema.js';

describe('orchestrator.stopTimeoutSec', () => {
  it('defaults to 10 s and is carried into the effective config', () => {
    expect(defaultSettings().orchestrator.stopTimeoutSec).toBe(10);
    expect(resolveConfig(defaultSettings(), {}, {}).stopTimeoutSec).toBe(10);
    const file = Settings.parse({ version: 1, orchestrator: { stopTimeoutSec: 3 } });
    expect(resolveConfig(file, {}, {}).stopTimeoutSec).toBe(3);
  });

  it('refuses a timeout a stop or restart could not answer within the 30 s handler deadline, naming the field', () => {
    for (const bad of [0, 21, 2.5]) {
      const r = Settings.safeParse({ version: 1, orchestrator: { stopTimeoutSec: bad } });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['orchestrator', 'stopTimeoutSec']);
    }
    expect(Settings.safeParse({ version: 1, orchestrator: { stopTimeoutSec: 20 } }).success).toBe(true);
  });
});
