import type { z } from 'zod';
import type { EffectiveSettingView } from '../../../shared/api/contract.js';
import { FLAG_ENV, type FlagName, type Flags } from './flags.js';
import type { EffectiveConfig } from './layers.js';

export type EffectiveSetting = z.output<typeof EffectiveSettingView>;

type Value = EffectiveSetting['value'];

/**
 * Each setting a flag or variable can override, by its settings-file key. A `flag` entry overrides with a value; a
 * `switch` entry (`--no-cloud`) only turns something off. Settings no flag reaches are reported as file or default.
 */
type Entry = { key: string; value: (c: Omit<EffectiveConfig, 'sources'>) => Value } & ({ flag: FlagName } | { switch: 'no-cloud' | 'no-metrics'; env: string } | { fileOnly: true });

const ENTRIES: readonly Entry[] = [
  { key: 'cloud.enabled', switch: 'no-cloud', env: 'VPLC_NO_CLOUD', value: (c) => c.cloudEnabled },
  { key: 'cloud.url', flag: 'cloud-url', value: (c) => c.cloudUrl },
  { key: 'cloud.provisionUrl', flag: 'provision-url', value: (c) => c.provisionUrl },
  { key: 'cloud.caFile', flag: 'ca-file', value: (c) => c.caFile ?? null },
  { key: 'cloud.allowRemoteRemoval', fileOnly: true, value: (c) => c.allowRemoteRemoval },
  { key: 'agent.dataDir', flag: 'data-dir', value: (c) => c.dataDir },
  { key: 'agent.logLevel', flag: 'log-level', value: (c) => c.logLevel },
  { key: 'agent.uiPort', flag: 'ui-port', value: (c) => c.uiPort },
  { key: 'agent.metricsEnabled', switch: 'no-metrics', env: 'VPLC_NO_METRICS', value: (c) => c.metricsPort !== null },
  { key: 'agent.metricsPort', flag: 'metrics-port', value: (c) => c.metricsPort },
  { key: 'agent.lockName', flag: 'lock-name', value: (c) => c.lockName },
  { key: 'agent.workers', flag: 'workers', value: (c) => c.workers },
  { key: 'orchestrator.runtimeRepo', flag: 'runtime-image', value: (c) => c.runtimeRepo },
  { key: 'orchestrator.helperImage', flag: 'helper-image', value: (c) => c.helperImage ?? null },
  { key: 'orchestrator.internalPool', flag: 'internal-pool', value: (c) => c.internalPool },
  { key: 'orchestrator.dockerDaemonConfig', flag: 'docker-config', value: (c) => c.dockerDaemonConfig },
];

/** The dotted keys (`cloud.url`) a raw settings object sets, so a value equal to the default still counts as the file's. */
export function fileKeysOf(raw: unknown): Set<string> {
  const keys = new Set<string>();
  if (typeof raw !== 'object' || raw === null) return keys;
  for (const [section, body] of Object.entries(raw)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) continue;
    for (const [k, v] of Object.entries(body)) if (v !== undefined) keys.add(`${section}.${k}`);
  }
  return keys;
}

/** Where each effective value came from: the same precedence as resolveConfig (flag > variable > file > default). */
export function settingSources(config: Omit<EffectiveConfig, 'sources'>, fileKeys: ReadonlySet<string>, env: NodeJS.ProcessEnv, flags: Flags): EffectiveSetting[] {
  return ENTRIES.map((e) => {
    const value = e.value(config);
    const fromFile = fileKeys.has(e.key) ? ('file' as const) : ('default' as const);
    if ('flag' in e) {
      if (flags[e.flag] !== undefined) return { key: e.key, value, source: 'flag', via: `--${e.flag}` };
      if (env[FLAG_ENV[e.flag]]) return { key: e.key, value, source: 'env', via: FLAG_ENV[e.flag] };
    } else if ('switch' in e) {
      if (flags[e.switch]) return { key: e.key, value, source: 'flag', via: `--${e.switch}` };
      if (env[e.env] === '1') return { key: e.key, value, source: 'env', via: `${e.env}=1` };
    }
    return { key: e.key, value, source: fromFile };
  });
}

/** True when a flag or variable decides this key, so a value saved in the file is not used while it is set. */
export const isOverridden = (s: EffectiveSetting): boolean => s.source === 'flag' || s.source === 'env';
