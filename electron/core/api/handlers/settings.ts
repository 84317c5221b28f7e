import type { SettingsPatch } from '../../../../shared/api/contract.js';
import { Settings } from '../../../../shared/domain/settings.js';
import type { z } from 'zod';
import { isOverridden, type EffectiveSetting } from '../../settings/sources.js';
import type { SettingsLoad } from '../../settings/store.js';
import { ApiFailure, type ApiRegistry } from '../registry.js';

export type SettingsAccess = { load(): Promise<SettingsLoad>; save(s: Settings): Promise<void> };
type Patch = z.output<typeof SettingsPatch>;

/** Applies a patch section by section; the file keeps every key the patch does not name. */
export function applyPatch(current: Settings, patch: Patch): Settings {
  return Settings.parse({
    ...current,
    cloud: { ...current.cloud, ...patch.cloud },
    agent: { ...current.agent, ...patch.agent },
    orchestrator: { ...current.orchestrator, ...patch.orchestrator },
    desktop: { ...current.desktop, ...patch.desktop },
  });
}

/** Dotted keys (`cloud.url`) whose value the patch changes. */
function changedKeys(before: Settings, after: Settings, patch: Patch): string[] {
  const out: string[] = [];
  for (const [section, body] of Object.entries(patch) as Array<[keyof Patch, Record<string, unknown> | undefined]>) {
    for (const key of Object.keys(body ?? {})) {
      const was = (before[section] as Record<string, unknown>)[key];
      const now = (after[section] as Record<string, unknown>)[key];
      if (JSON.stringify(was) !== JSON.stringify(now)) out.push(`${section}.${key}`);
    }
  }
  return out;
}

/**
 * settings:get answers the file (what Save edits) and what the agent started with (`effective`, each with its source);
 * settings:set writes the file only and says which changes wait for a restart and which a flag or variable hides.
 */
export function registerSettings(registry: ApiRegistry, access: SettingsAccess, effective: readonly EffectiveSetting[]): void {
  const overridden = new Set(effective.filter(isOverridden).map((s) => s.key));
  registry.register('settings:get', async () => {
    const l = await access.load();
    return { settings: l.settings, writable: l.writable, warnings: l.warnings, effective: [...effective] };
  });
  registry.register('settings:set', async (patch) => {
    const l = await access.load();
    if (!l.writable) throw new ApiFailure('FORBIDDEN', l.readOnlyReason ?? 'The settings file is read-only here');
    const next = applyPatch(l.settings, patch);
    await access.save(next);
    const changed = changedKeys(l.settings, next, patch);
    // Desktop preferences apply at once; everything else is read when the agent starts.
    const afterRestart = changed.filter((k) => !k.startsWith('desktop.') && !overridden.has(k));
    return { settings: next, restartNeeded: afterRestart.length > 0, afterRestart, overridden: changed.filter((k) => overridden.has(k)) };
  });
}
