import type { SettingsPatch } from '../../../../shared/api/contract.js';
import { Settings } from '../../../../shared/domain/settings.js';
import type { z } from 'zod';
import type { SettingsLoad } from '../../settings/store.js';
import { ApiFailure, type ApiRegistry } from '../registry.js';

export type SettingsAccess = { load(): Promise<SettingsLoad>; save(s: Settings): Promise<void> };

/** Applies a patch section by section; the file keeps every key the patch does not name. */
export function applyPatch(current: Settings, patch: z.output<typeof SettingsPatch>): Settings {
  return Settings.parse({
    ...current,
    cloud: { ...current.cloud, ...patch.cloud },
    agent: { ...current.agent, ...patch.agent },
    orchestrator: { ...current.orchestrator, ...patch.orchestrator },
    desktop: { ...current.desktop, ...patch.desktop },
  });
}

export function registerSettings(registry: ApiRegistry, access: SettingsAccess): void {
  registry.register('settings:get', async () => {
    const l = await access.load();
    return { settings: l.settings, writable: l.writable, warnings: l.warnings };
  });
  registry.register('settings:set', async (patch) => {
    const l = await access.load();
    if (!l.writable) throw new ApiFailure('FORBIDDEN', l.readOnlyReason ?? 'The settings file is read-only here');
    const next = applyPatch(l.settings, patch);
    await access.save(next);
    // Desktop preferences apply at once; everything else is read when the agent starts.
    const restartNeeded = Object.keys(patch).some((section) => section !== 'desktop');
    return { settings: next, restartNeeded };
  });
}
