import type { HostInterfaceView } from '../../../../shared/domain/host.js';
import type { NetworkChangeData } from '../../../../shared/netmon/events.js';
import type { DedicatedMark } from '../cloud/host-interfaces.js';

export const dedicatedRefusalText = (nic: string, vplc: string): string => `${nic} is dedicated to vPLC '${vplc}'; it carries no vNICs while it is`;

/**
 * The local interface list (`netmon:interfaces`) with dedicated NICs marked: `dedicated_to` and a refusal as a vNIC
 * parent; a NIC living inside its vPLC is listed anyway, without addresses (docs/host-nics.md "Dedicated NICs"). Pure.
 */
export function markDedicated(views: readonly HostInterfaceView[], dedicated: readonly DedicatedMark[]): HostInterfaceView[] {
  const owners = new Map(dedicated.map((d) => [d.nic, d]));
  const out = views.map((v) => {
    const d = owners.get(v.name);
    return d ? { ...v, dedicated_to: d.vplc, policy_refusal: dedicatedRefusalText(v.name, d.vplc) } : v;
  });
  for (const d of dedicated) {
    if (views.some((v) => v.name === d.nic)) continue;
    out.push({ name: d.nic, mac: d.mac, type: 'ethernet', operstate: 'unknown', ipv4: [], gateway: null, is_uplink: false, policy_refusal: dedicatedRefusalText(d.nic, d.vplc), dedicated_to: d.vplc });
  }
  return out;
}

/**
 * Whether a network change concerns a NIC given to a vPLC: leaving the host when it moves in and coming back when it is
 * handed back are our own doing, never a reason to re-attach anything (docs/host-nics.md "Dedicated NICs"). Pure.
 */
export function isDedicatedChange(data: Pick<NetworkChangeData, 'interface'>, isDedicated: (nic: string) => boolean): boolean {
  return isDedicated(data.interface);
}
