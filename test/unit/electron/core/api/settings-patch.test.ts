// Saving one field from the Settings page keeps every other value of the file: a patch carries only what it names,
// never the defaults of the fields it leaves out (zod fills those in a plain `.partial()`, which reset a plant's
// parent policy and address pool whenever the log level was saved).
import { describe, expect, it } from 'vitest';
import { SettingsPatch } from '../../../../../shared/api/contract.js';
import { Settings } from '../../../../../shared/domain/settings.js';
import { applyPatch } from '../../../../../electron/core/api/handlers/settings.js';

const file = Settings.parse({
  version: 1,
  agent: { logLevel: 'warn' },
  orchestrator: { parentPolicy: { allow: ['enp3s0'] }, internalPool: '10.77.0.0/16', arpProbeMs: 0, gratuitousArp: false },
  cloud: { allowRemoteRemoval: false },
});

describe('a settings patch', () => {
  it('carries only the fields it names', () => {
    expect(SettingsPatch.parse({ orchestrator: { runtimeRepo: 'registry.plant/openplc' } })).toEqual({ orchestrator: { runtimeRepo: 'registry.plant/openplc' } });
    expect(SettingsPatch.parse({ agent: { logLevel: 'debug' }, cloud: { url: 'https://edge.plant:3001' } })).toEqual({ agent: { logLevel: 'debug' }, cloud: { url: 'https://edge.plant:3001' } });
  });

  it('changes the named fields and keeps every other value of the file', () => {
    const next = applyPatch(file, SettingsPatch.parse({ agent: { logLevel: 'debug' }, orchestrator: { runtimeRepo: 'registry.plant/openplc' } }));
    expect(next.agent.logLevel).toBe('debug');
    expect(next.orchestrator.runtimeRepo).toBe('registry.plant/openplc');
    expect(next.orchestrator.parentPolicy).toEqual(file.orchestrator.parentPolicy);
    expect(next.orchestrator.internalPool).toBe('10.77.0.0/16');
    expect(next.orchestrator.arpProbeMs).toBe(0);
    expect(next.orchestrator.gratuitousArp).toBe(false);
    expect(next.cloud.allowRemoteRemoval).toBe(false);
  });

  it('still refuses a field the settings do not have, naming it', () => {
    const r = SettingsPatch.safeParse({ orchestrator: { runtimeRep: 'x' } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('runtimeRep');
  });
});
