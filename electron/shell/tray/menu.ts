import type { CloudState } from '../../../shared/domain/link.js';

/** Plain data in, plain data out: no electron import, so every state combination is unit-tested. */
export type TrayState = {
  agent: 'running' | 'degraded' | 'stopped' | 'starting' | 'stopping';
  /** Who runs the agent: this app, or the system service it attached to. */
  mode: 'own' | 'service';
  cloud: CloudState;
  /** `running`: healthy (all facts verified); `degraded`: running short of a fact (a lease, a MAC, the runtime…). */
  vplcs: { running: number; degraded: number; total: number };
  certDaysLeft: number | null;
  /** Why the agent cannot be reached (a blocked or crashed start), in words for the menu; absent when it answers. */
  problem?: string | null;
};
export type TrayCommand = 'open' | 'start-agent' | 'stop-agent' | 'quit';
export type TrayEntry = { kind: 'item'; label: string; enabled: boolean; command?: TrayCommand } | { kind: 'separator' };
export type TrayIcon = 'connected' | 'offline' | 'error' | 'stopped';
export type TrayView = { icon: TrayIcon; tooltip: string; entries: TrayEntry[] };

const info = (label: string): TrayEntry => ({ kind: 'item', label, enabled: false });
const counts = (v: TrayState['vplcs']): string => `${v.running} of ${v.total} running${v.degraded ? `, ${v.degraded} degraded` : ''}`;

/** The whole menu from state, rebuilt on every change (Linux ignores MenuItem changes after setContextMenu). */
export function buildTray(s: TrayState): TrayView {
  const icon: TrayIcon = s.problem ? 'error' : s.agent === 'stopped' ? 'stopped' : s.agent === 'degraded' ? 'error' : s.cloud === 'connected' ? 'connected' : 'offline';
  const busy = s.agent === 'starting' || s.agent === 'stopping';
  const cert =
    s.certDaysLeft !== null && s.certDaysLeft <= 30
      ? [info(s.certDaysLeft <= 0 ? 'Certificate expired: renew it' : `Certificate expires in ${s.certDaysLeft} d`)]
      : [];
  const who = s.mode === 'service' ? ' (system service)' : '';
  return {
    icon,
    tooltip: `vPLC Orchestrator: vPLCs ${counts(s.vplcs)}; cloud ${s.cloud}`,
    entries: [
      { kind: 'item', label: 'Open vPLC Orchestrator', enabled: true, command: 'open' },
      { kind: 'separator' },
      ...(s.problem ? [info(`Agent unreachable${who}: ${s.problem}`)] : [info(`Agent: ${s.agent}${who}`)]),
      info(`Cloud: ${s.cloud}`),
      info(`vPLCs: ${counts(s.vplcs)}`),
      ...cert,
      { kind: 'separator' },
      s.agent === 'stopped'
        ? { kind: 'item', label: 'Start agent', enabled: !busy, command: 'start-agent' }
        : { kind: 'item', label: 'Stop agent (vPLCs keep running)', enabled: !busy, command: 'stop-agent' },
      { kind: 'item', label: 'Quit', enabled: true, command: 'quit' },
    ],
  };
}
