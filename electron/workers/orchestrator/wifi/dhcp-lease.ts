import type { HostIpv4 } from '../../../../shared/domain/host.js';
import type { ProxyArpConfig } from '../../../../shared/domain/host-nic.js';
import { cidrToString, ipInCidr, isUsableHost, parseCidr } from '../../../../shared/net/ipv4.js';
import { leaseFile, type BoundLine } from '../dhcp/lease.js';
import type { PersistedVnic } from '../store/schemas.js';
import type { WifiLease } from './types.js';

/** A vNIC whose lease is taken on the host's WiFi interface. */
export const isWifiDhcp = (v: PersistedVnic): boolean => v.network_mode === 'dhcp' && v._network_method === 'proxy_arp';

/** DHCP option 61 is one length byte long. */
const MAX_CLIENT_ID = 255;

/** docs/protocol.md §5.10: the client-id of a WiFi vNIC's lease, `"<container>:<vnic>"`, sent as these exact bytes. */
export const wifiClientId = (vplc: string, vnic: string): string => `${vplc}:${vnic}`;

/**
 * The client-id as udhcpc's `-x 0x3d:<hex>` wants it: the raw bytes with no type byte, so the server sees
 * `"<container>:<vnic>"` itself (dnsmasq logs it as `70:6c:63:…`). Throws when it cannot fit the option.
 */
export function clientIdHex(vplc: string, vnic: string): string {
  const bytes = Buffer.from(wifiClientId(vplc, vnic), 'utf8');
  if (bytes.length > MAX_CLIENT_ID) throw new Error(`DHCP client-id '${wifiClientId(vplc, vnic)}' is longer than ${MAX_CLIENT_ID} bytes`);
  return bytes.toString('hex');
}

/** A lease line as the bridge and the record need it; the first router is the gateway, none is null. */
export function toWifiLease(vplc: string, vnic: string, l: BoundLine): WifiLease {
  const seconds = Number.parseInt(l.lease, 10);
  return {
    vplc,
    vnic,
    ip: l.ip,
    prefix: l.prefix,
    gateway: l.router.split(/\s+/).find((r) => r.length > 0) ?? null,
    dns: l.dns.split(/\s+/).filter((d) => d.length > 0),
    leaseSeconds: Number.isFinite(seconds) && seconds >= 0 ? seconds : null,
  };
}

/**
 * The lease file of a WiFi vNIC (docs/protocol.md §5.13 / §7.2): the MACVLAN shape plus `mac_address: null` (the lease
 * is taken with the host's WiFi MAC) and `proxy_arp_config` once the bridge is built.
 */
export function wifiLeaseFile(l: BoundLine, timestamp: string, bridge: ProxyArpConfig | null): Record<string, unknown> {
  return { ...leaseFile(l, timestamp), mac_address: null, ...(bridge ? { proxy_arp_config: bridge } : {}) };
}

/**
 * Why a leased address must not be bridged, or null (docs/host-nics.md "WiFi DHCP"): the host would route and proxy
 * it into the vPLC, so a server handing out the host's own address, a router's, or its subnet's network or broadcast
 * address would take that address away from the LAN. `own`: the parent's IPv4 addresses. Pure.
 */
export function leaseRefusal(l: { ip: string; prefix: number; routers: readonly string[] }, own: readonly HostIpv4[]): string | null {
  if (own.some((a) => a.address === l.ip)) return `${l.ip} is an address of the host's WiFi interface`;
  if (l.routers.includes(l.ip)) return `${l.ip} is the lease's own router`;
  const leased = parseCidr(`${l.ip}/${l.prefix}`);
  const subnets = [...(leased ? [cidrToString(leased)] : []), ...own.map((a) => a.subnet).filter((s) => ipInCidr(l.ip, s))];
  const bad = subnets.find((s) => !isUsableHost(l.ip, s));
  return bad ? `${l.ip} is not a usable host address of ${bad}` : null;
}
