import { createHash } from 'node:crypto';

/**
 * Names of a WiFi vNIC's veth pair (docs/host-nics.md "WiFi vNICs"). The host side is `veth-` plus 10 hex characters
 * of a SHA-256 (15 characters, the kernel's limit), so two vPLCs whose names share a prefix never collide; the vNIC
 * name joins the hash only when the vPLC has more than one WiFi vNIC, so a single one keeps the reference's scheme.
 */
export function hostVethName(vplc: string, vnic: string, wifiVnicsOfVplc: number): string {
  const key = wifiVnicsOfVplc > 1 ? `${vplc}\n${vnic}` : vplc;
  return `veth-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

/** The pair's other end while it is still on the host, before it moves into the vPLC and takes its final name. */
export function transitVethName(hostVeth: string): string {
  return `vwc-${hostVeth.slice('veth-'.length)}`;
}

/**
 * The name of the WiFi vNIC inside the vPLC: `eth1` (the reference's) for the first WiFi vNIC of a vPLC that has no
 * MACVLAN vNIC (Docker names only `eth0`, the internal network, then); otherwise `wl<i>`, a prefix Docker never
 * gives, so a later MACVLAN endpoint (which Docker names `eth<n>`) can never clash with it.
 */
export function containerIfName(wifiIndex: number, hasMacvlanVnic: boolean): string {
  return wifiIndex === 0 && !hasMacvlanVnic ? 'eth1' : `wl${wifiIndex}`;
}
