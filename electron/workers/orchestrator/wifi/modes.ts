import type { VnicModeView } from '../../../../shared/domain/host-nic.js';
import type { VplcNetworkView } from '../../../../shared/domain/vplc-status.js';
import type { PersistedVnic } from '../store/schemas.js';
import { isBridged } from './route-policy.js';

/** The words the UI shows for how a vNIC reaches the LAN and why (docs/host-nics.md "WiFi vNICs"). Pure. */
export function vnicModes(vnics: readonly PersistedVnic[]): VnicModeView[] {
  return vnics.map((v) =>
    isBridged(v)
      ? {
          name: v.name,
          parent_interface: v.parent_interface,
          method: 'proxy_arp',
          reason: `parent ${v.parent_interface} is WiFi: access points drop frames from unknown MACs, so this vNIC is routed through the host with proxy ARP`,
          veth_host: v._proxy_arp_config?.veth_host ?? null,
        }
      : { name: v.name, parent_interface: v.parent_interface, method: 'macvlan', reason: `parent ${v.parent_interface} is wired Ethernet: MACVLAN` },
  );
}

/**
 * The `networks` entries of WiFi vNICs in `get_device_status` (docs/protocol.md §4.5): `wifi_<parent>_<vnic>`, with
 * the bridged address, else the lease's, else the static one; no MAC of their own. Only vNICs that have an address.
 */
export function wifiNetworks(vnics: readonly PersistedVnic[]): Record<string, VplcNetworkView> {
  const out: Record<string, VplcNetworkView> = {};
  for (const v of vnics.filter(isBridged)) {
    const ip = v._proxy_arp_config?.ip_address ?? v.dhcp_ip ?? v.ip;
    if (!ip) continue;
    const gateway = v._proxy_arp_config?.gateway ?? v.dhcp_gateway ?? v.gateway ?? null;
    out[`wifi_${v.parent_interface}_${v.name}`] = { ip_address: ip, mac_address: null, gateway };
  }
  return out;
}
