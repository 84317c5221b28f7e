import { FIXED_REFUSALS } from '../../../../shared/domain/parent-policy';
import type { Settings } from '../../../../shared/domain/settings';

/**
 * What this PC lets the cloud do, read-only: the vNIC parent policy, the cloud pin and the run_command limits. They are
 * edited in the settings file (docs/parent-policy.md), never from the cloud.
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
      </dl>
    </section>
  );
}
