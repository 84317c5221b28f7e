import type { Output } from '../../../../shared/api/contract';

export type EffectiveSetting = Output<'settings:get'>['effective'][number];
export type ClientKind = 'ipc' | 'ws';
export type AgentMode = 'own' | 'service';

/** Names people read for the settings-file keys the page shows. */
export const SETTING_LABELS: Record<string, string> = {
  'cloud.enabled': 'Cloud link',
  'cloud.url': 'Cloud URL',
  'cloud.provisionUrl': 'Provisioning URL',
  'cloud.caFile': 'CA file',
  'cloud.allowRemoteRemoval': 'Cloud may remove this orchestrator',
  'agent.dataDir': 'Data directory',
  'agent.logLevel': 'Log level',
  'agent.uiPort': 'UI port',
  'agent.metricsEnabled': 'Metrics endpoint',
  'agent.metricsPort': 'Metrics port',
  'agent.lockName': 'Lock name',
  'agent.workers': 'Workers run',
  'orchestrator.runtimeRepo': 'Runtime image',
  'orchestrator.helperImage': 'Helper image',
  'orchestrator.internalPool': 'Internal address pool',
  'orchestrator.dockerDaemonConfig': 'Docker configuration file',
};

export const labelOf = (key: string): string => SETTING_LABELS[key] ?? key;

export const isOverridden = (s: EffectiveSetting | undefined): s is EffectiveSetting & { via: string } => !!s && (s.source === 'flag' || s.source === 'env') && s.via !== undefined;

export function sourceText(s: EffectiveSetting): string {
  if (s.source === 'flag') return `flag ${s.via ?? ''}`.trim();
  if (s.source === 'env') return `environment ${s.via ?? ''}`.trim();
  return s.source === 'file' ? 'settings file' : 'default';
}

export function valueText(v: EffectiveSetting['value']): string {
  if (v === null) return 'not set';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

/**
 * How this person restarts the agent, so saved settings apply: the desktop app runs its own agent or attaches to the
 * system service; a browser tab talks to an agent started from a terminal or by systemd, and has no tray.
 */
export function restartAdvice(client: ClientKind, mode: AgentMode): string {
  if (mode === 'service') return 'restart the service: sudo systemctl restart vplc-orchestrator';
  if (client === 'ipc') return 'quit the app (tray → Quit) and open it again';
  return 'stop the agent where it runs (Ctrl+C in its terminal) and start it again, then open the UI address it prints';
}

/** The message after a save: what was written and which values wait for a restart. */
export function savedMessage(answer: Pick<Output<'settings:set'>, 'afterRestart' | 'overridden'>, client: ClientKind, mode: AgentMode): string {
  const parts = ['Saved to the settings file.'];
  if (answer.afterRestart.length > 0) parts.push(`${answer.afterRestart.map(labelOf).join(', ')} take${answer.afterRestart.length === 1 ? 's' : ''} effect when the agent restarts: ${restartAdvice(client, mode)}.`);
  if (answer.overridden.length > 0) parts.push(`${answer.overridden.map(labelOf).join(', ')} stay${answer.overridden.length === 1 ? 's' : ''} as the flag or variable sets ${answer.overridden.length === 1 ? 'it' : 'them'}.`);
  return parts.join(' ');
}
