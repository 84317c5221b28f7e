import type { PersistedVnic } from '../store/schemas.js';

/** A vNIC reaches the LAN through a proxy-ARP bridge (its parent is WiFi). */
export const isBridged = (v: PersistedVnic): boolean => v._network_method === 'proxy_arp';

/**
 * Whether this WiFi vNIC carries the vPLC's default route (docs/host-nics.md "WiFi vNICs"): only the first WiFi vNIC,
 * and only when no MACVLAN vNIC has a gateway of its own (a static one with `gateway`, or DHCP, whose lease brings
 * one): a wired LAN the user gave a gateway keeps the default route. Pure.
 */
export function takesDefaultRoute(vnics: readonly PersistedVnic[], vnic: string): boolean {
  const wired = vnics.filter((v) => !isBridged(v));
  if (wired.some((v) => v.network_mode === 'dhcp' || v.gateway !== undefined)) return false;
  return vnics.find(isBridged)?.name === vnic;
}

/** The vNIC's place among the vPLC's WiFi vNICs and whether it has MACVLAN siblings (for its name inside). */
export function wifiPlace(vnics: readonly PersistedVnic[], vnic: string): { index: number; count: number; hasMacvlan: boolean } {
  const wifi = vnics.filter(isBridged);
  return { index: Math.max(0, wifi.findIndex((v) => v.name === vnic)), count: wifi.length, hasMacvlan: wifi.length < vnics.length };
}
