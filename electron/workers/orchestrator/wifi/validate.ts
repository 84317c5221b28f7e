import type { VnicSpec } from '../../../../shared/domain/vplc.js';
import { ipInCidr } from '../../../../shared/net/ipv4.js';
import type { HostIface } from '../host/interfaces.js';

/**
 * A static WiFi vNIC (docs/host-nics.md "WiFi vNICs"): it needs `ip` and `gateway`, both inside the WiFi parent's own
 * subnet on this host, because the host answers ARP for the address there and routes it to the vPLC. Returns the
 * refusal naming its field (`vnics[<i>].<field>: …`), or null. Only for vNICs whose parent is WiFi.
 */
export function wifiAddressRefusal(v: VnicSpec, i: number, iface: HostIface | undefined): string | null {
  if (iface?.type !== 'wifi' || v.mode !== 'static') return null;
  if (!v.ip) return `vnics[${i}].ip: a static WiFi vNIC needs an address (parent ${v.parentInterface} is WiFi)`;
  if (!v.gateway) return `vnics[${i}].gateway: a static WiFi vNIC needs a gateway (parent ${v.parentInterface} is WiFi)`;
  const subnet = iface.ipv4[0]?.subnet;
  if (!subnet) return `vnics[${i}].parent_interface: ${v.parentInterface} has no IPv4 address, so a static WiFi vNIC cannot be bridged to it`;
  if (!ipInCidr(v.ip, subnet)) return `vnics[${i}].ip: ${v.ip} is outside ${v.parentInterface}'s subnet ${subnet}`;
  if (!ipInCidr(v.gateway, subnet)) return `vnics[${i}].gateway: ${v.gateway} is outside ${v.parentInterface}'s subnet ${subnet}`;
  return null;
}

/** The prefix length of a WiFi vNIC's address: its recorded subnet's, else /24 (docs/protocol.md §5.10). */
export function prefixOf(subnet: string | undefined): number {
  const p = Number(subnet?.split('/')[1]);
  return Number.isInteger(p) && p >= 1 && p <= 32 ? p : 24;
}
