import type { VnicView } from '../../../../shared/api/contract.js';
import type { PersistedVnic } from '../store/schemas.js';

/** What Docker shows of one vPLC container: running or not, and its networks by name with the IP each gave it. */
export type ContainerNets = { running: boolean; networks: Record<string, { ip?: string; mac?: string }> };

/**
 * Every recorded vNIC of every vPLC, joined with what Docker shows (pure): a vNIC off its network stays listed as
 * `detached` with the warning that says why, instead of vanishing with its Docker endpoint.
 */
export function vnicViews(records: ReadonlyArray<[string, PersistedVnic[]]>, containers: ReadonlyMap<string, ContainerNets>, warnings: (vplc: string) => Record<string, string>): VnicView[] {
  const out: VnicView[] = [];
  for (const [vplc, vnics] of records) {
    const c = containers.get(vplc);
    const w = warnings(vplc);
    for (const v of vnics) {
      const ep = v.docker_network_name ? c?.networks[v.docker_network_name] : undefined;
      const state = !c ? 'missing' : ep ? 'attached' : 'detached';
      const reason = state === 'detached' ? (w[`reattach:${v.name}`] ?? w[`arp:${v.name}`] ?? (c?.running ? 'not connected to its network' : 'the vPLC is stopped; its start connects it')) : undefined;
      out.push({
        vplc,
        vnic: v.name,
        parent: v.parent_interface,
        mode: v.network_mode,
        mac: v.mac_address,
        ...(ep?.ip || v.ip ? { ip: ep?.ip || v.ip } : {}),
        ...(v.docker_network_name ? { network: v.docker_network_name } : {}),
        state,
        ...(reason ? { reason } : {}),
        editable: state === 'detached' && v.network_mode === 'static',
      });
    }
  }
  return out;
}
