import { ipInCidr, isUsableHost, normalizeCidr } from '../../../../shared/net/ipv4.js';
import type { NetworkChangeData } from '../../../../shared/netmon/events.js';
import type { PersistedVnic } from '../store/schemas.js';

/** What a subnet move does with one MACVLAN vNIC (pure; docs/protocol.md §8 step 4). */
export type VnicMove =
  | { vnic: string; action: 'attach'; mac: string; ip?: string; dhcp: boolean }
  | { vnic: string; action: 'detach'; warning: string };

/** The target of a move, or null when §8 step 1 says return (down, removed, no IPv4, no subnet). */
export function moveTarget(data: NetworkChangeData): { subnet: string; gateway: string | null } | null {
  const first = data.ipv4_addresses[0];
  if (!first?.subnet) return null;
  const subnet = normalizeCidr(first.subnet);
  if (!subnet) return null;
  const gw = 'gateway' in data ? data.gateway : null;
  // A gateway outside the subnet cannot be the network's gateway (docs/protocol.md §5.4).
  return { subnet, gateway: gw && ipInCidr(gw, subnet) ? gw : null };
}

export const outsideWarning = (ip: string, vnic: string, cidr: string): string =>
  `Static IP ${ip} of vNIC '${vnic}' is outside the new subnet ${cidr}; edit the vNIC`;

export function planVnic(v: PersistedVnic, subnet: string, gateway: string | null): VnicMove {
  if (v.network_mode === 'dhcp') return { vnic: v.name, action: 'attach', mac: v.mac_address, dhcp: true };
  const ip = v.ip;
  if (!ip || !isUsableHost(ip, subnet) || ip === gateway) {
    return { vnic: v.name, action: 'detach', warning: outsideWarning(ip ?? '(none)', v.name, subnet) };
  }
  return { vnic: v.name, action: 'attach', mac: v.mac_address, ip, dhcp: false };
}

/** The MACVLAN vNICs of each vPLC whose parent is `iface`. */
export function vnicsOnParent(all: Array<[string, PersistedVnic[]]>, iface: string): Map<string, PersistedVnic[]> {
  const out = new Map<string, PersistedVnic[]>();
  for (const [name, vnics] of all) {
    const on = vnics.filter((v) => v.parent_interface === iface && v._network_method === 'macvlan');
    if (on.length) out.set(name, on);
  }
  return out;
}
