import { cidrToString, parseCidr } from '../../../shared/net/ipv4.js';
import type { HostInterface } from '../../../shared/domain/host.js';
import type { NetAddress, NetInterface } from '../../../shared/netmon/events.js';
import { defaultGateways, IpAddrJson, IpRouteJson } from '../../lib/net/ip-json.js';

/**
 * One host interface as netmon re-reads it from the kernel: its addresses in the netmon wire form, `operstate`
 * upper-case as `ip` prints it, and `up` by docs/protocol.md §7.5 (UP, or UNKNOWN with carrier).
 */
export type IfaceState = Omit<HostInterface, 'ipv4'> & { up: boolean; addresses: NetAddress[] };


const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

function toAddress(local: string, prefixlen: number): NetAddress | null {
  const c = parseCidr(`${local}/${prefixlen}`);
  if (!c) return null;
  const subnet = cidrToString(c);
  return { address: local, prefixlen, subnet, network_address: subnet.split('/')[0] ?? '' };
}

/**
 * Parses `ip -json addr show` and `ip -json route show` (pure). The gateway is the first IPv4 default route through
 * the interface (lowest metric), and only for interfaces that have IPv4 (§7.5).
 */
export function parseSnapshot(addrJson: string, routeJson: string, isWifi: (name: string) => boolean): IfaceState[] {
  const links = IpAddrJson.parse(JSON.parse(addrJson));
  const gateways = defaultGateways(IpRouteJson.parse(JSON.parse(routeJson)));
  return links.map((l) => {
    const operstate = (l.operstate ?? 'UNKNOWN').toUpperCase();
    const addresses = l.addr_info
      .filter((a) => a.family === 'inet' && a.local !== undefined && a.prefixlen !== undefined && !a.local.startsWith('127.'))
      .map((a) => toAddress(a.local as string, a.prefixlen as number))
      .filter((a): a is NetAddress => a !== null);
    const mac = l.address?.toLowerCase();
    return {
      name: l.ifname,
      index: l.ifindex,
      operstate,
      up: operstate === 'UP' || (operstate === 'UNKNOWN' && l.flags.includes('LOWER_UP') && l.flags.includes('UP')),
      mac: mac && MAC_RE.test(mac) && mac !== '00:00:00:00:00:00' ? mac : null,
      type: isWifi(l.ifname) ? 'wifi' : 'ethernet',
      addresses,
      gateway: addresses.length ? (gateways.get(l.ifname) ?? null) : null,
    };
  });
}

/** The full docs/protocol.md §7.2 object of one interface. */
export function toNetInterface(s: IfaceState, timestamp: string): NetInterface {
  return {
    interface: s.name,
    index: s.index,
    operstate: s.operstate,
    type: s.type,
    ipv4_addresses: s.addresses,
    gateway: s.gateway,
    timestamp,
    mac_address: s.mac,
  };
}

/** What a `network_change` compares: everything but the timestamp. */
export function fingerprint(s: IfaceState): string {
  return JSON.stringify([s.index, s.operstate, s.up, s.mac, s.type, s.addresses.map((a) => `${a.address}/${a.prefixlen}`), s.gateway]);
}

/** Naive local ISO timestamp with microseconds, the netmon's own format (`2026-04-10T20:30:45.123456`). */
export function netmonTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

/** `ipv4`: the `address/prefixlen` of an IPv4 address line (null for IPv6). */
export type MonitorLine =
  | { kind: 'link'; name: string; deleted: boolean; down: boolean }
  | { kind: 'addr'; name: string; deleted: boolean; ipv4: string | null }
  | { kind: 'route'; name: string | null };

/**
 * Classifies one `ip -o monitor address route link` line. iproute2 6.1 ignores `-json` on `monitor`, so the line
 * is only a trigger; the state itself is re-read with `ip -json`.
 */
export function parseMonitorLine(raw: string): MonitorLine | null {
  const line = raw.replace(/^\[[A-Z]+\]\s*/, '');
  const deleted = line.startsWith('Deleted ');
  const body = deleted ? line.slice(8) : line;
  const link = /^\d+:\s+([^:@\s]+)(?:@\S+)?:\s+<([^>]*)>(.*)$/.exec(body);
  if (link?.[1]) {
    const flags = (link[2] ?? '').split(',');
    const state = /\bstate\s+(\S+)/.exec(link[3] ?? '')?.[1] ?? 'UNKNOWN';
    const down = !(state === 'UP' || (state === 'UNKNOWN' && flags.includes('LOWER_UP') && flags.includes('UP')));
    return { kind: 'link', name: link[1], deleted, down };
  }
  const addr = /^\d+:\s+(\S+)\s+(inet6?)\s+(\S+)/.exec(body);
  if (addr?.[1]) return { kind: 'addr', name: addr[1], deleted, ipv4: addr[2] === 'inet' ? (addr[3] ?? null) : null };
  if (!body.trim()) return null;
  return { kind: 'route', name: /\bdev\s+(\S+)/.exec(body)?.[1] ?? null };
}
