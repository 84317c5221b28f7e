import { FIXED_REFUSALS } from '../../../../shared/domain/parent-policy';
import type { Settings } from '../../../../shared/domain/settings';

type AllowList = Settings['orchestrator']['runCommandAllowList'];

const DEBUG_PATH = '/api/debug';
const RUNTIME_PORT = 8443;

/** Whether `prefix` covers `/api/debug`, by whole path segments like the agent's allow-list (`/` covers everything). */
function coversDebug(prefix: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return p === '' || DEBUG_PATH === p || DEBUG_PATH.startsWith(`${p}/`);
}

/**
 * Cloud live debugging and forcing, as the agent's debug gate decides it from the run_command allow-list (docs/debug.md
 * "Cloud debug messages"): one check for the WebRTC console and run_command `api:"debug"`.
 */
export function cloudDebugging(list: AllowList): string {
  if (list === undefined) return 'Allowed (no run_command allow-list)';
  const entries = list.filter((e) => coversDebug(e.pathPrefix));
  if (entries.length === 0) return `Not allowed by the run_command allow-list (it has no entry for ${DEBUG_PATH})`;
  if (entries.some((e) => e.ports === undefined || e.ports.includes(RUNTIME_PORT))) return `Allowed by the run_command allow-list (${DEBUG_PATH})`;
  const ports = [...new Set(entries.flatMap((e) => e.ports ?? []))].sort((a, b) => a - b);
  return `Allowed by the run_command allow-list only on runtime port${ports.length === 1 ? '' : 's'} ${ports.join(', ')} (not ${RUNTIME_PORT})`;
}

/**
 * What this PC lets the cloud do, read-only: the vNIC parent policy, the cloud pin, the run_command limits and whether
 * the cloud may debug and force live variables. They are edited in the settings file (docs/parent-policy.md), never
 * from the cloud.
 */
export function PlantSafety({ settings }: { settings: Settings }) {
  const policy = settings.orchestrator.parentPolicy;
  const zones = Object.entries(policy.zones);
  const pins = settings.cloud.serverPins;
  return (
    <section className="card" aria-label="Plant safety">
      <h2>Plant safety</h2>
      <p className="muted">These limits are local: no cloud request can widen them. Change them in the settings file, then restart the agent.</p>
      <dl className="facts">
        <dt>Allowed vNIC parents</dt>
        <dd>{policy.allow === undefined ? 'Physical Ethernet interfaces (default)' : policy.allow.length === 0 ? 'None' : policy.allow.join(', ')}</dd>
        <dt>Never allowed</dt>
        <dd>{[...FIXED_REFUSALS, 'MACVLAN child interfaces'].join(', ')}</dd>
        <dt>Zones</dt>
        <dd>
          {zones.length === 0 ? (
            'None (any allowed parents may be combined)'
          ) : (
            <ul aria-label="Zones">
              {zones.map(([zone, members]) => (
                <li key={zone}>
                  {zone}: {members.join(', ')}
                </li>
              ))}
            </ul>
          )}
        </dd>
        {zones.length > 0 ? (
          <>
            <dt>Zones a vPLC may bridge</dt>
            <dd>{policy.allowBridging.length === 0 ? 'None' : policy.allowBridging.map(([a, b]) => `${a} ↔ ${b}`).join(', ')}</dd>
          </>
        ) : null}
        <dt>Cloud server pin</dt>
        <dd>{pins.length === 0 ? 'Off (normal certificate verification only)' : `${pins.length} SPKI pin${pins.length === 1 ? '' : 's'}: ${pins.join(', ')}`}</dd>
        <dt>run_command in flight</dt>
        <dd>
          {settings.orchestrator.runCommandMaxPerDevice} per vPLC, {settings.orchestrator.runCommandMaxTotal} in total
        </dd>
        <dt>Cloud live debugging and forcing (WebRTC console and run_command)</dt>
        <dd>{cloudDebugging(settings.orchestrator.runCommandAllowList)}</dd>
        <dt>Cloud console sessions (WebRTC)</dt>
        <dd>{settings.cloud.webrtc.enabled ? `On, at most ${settings.cloud.webrtc.maxSessions} at once` : 'Off (cloud.webrtc.enabled is false): the console cannot open a session'}</dd>
      </dl>
    </section>
  );
}
