import { z } from 'zod';
import type { DhcpUpdateData } from '../../../../shared/netmon/events.js';
import { LEASE_LINE_PREFIX } from './script.js';

const Str = z.string().max(4096);

/** One line the helper prints (docs/protocol.md §5.13 step 5), parsed at the boundary. */
export const LeaseLine = z.discriminatedUnion('event', [
  z.object({
    event: z.enum(['bound', 'renew']),
    interface: Str,
    ip: Str.min(1),
    subnet: Str,
    mask: Str,
    prefix: z.number().int().min(0).max(32),
    broadcast: Str,
    router: Str,
    dns: Str,
    domain: Str,
    mtu: Str,
    hostname: Str,
    ntpsrv: Str,
    lease: Str,
    serverid: Str,
  }),
  z.object({ event: z.enum(['leasefail', 'nak']), interface: Str, message: Str.optional() }),
  z.object({ event: z.literal('deconfig'), interface: Str }),
  z.object({ event: z.literal('flushed'), interface: Str }),
  z.object({ event: z.literal('nomac'), message: Str }),
]);
export type LeaseLine = z.infer<typeof LeaseLine>;
export type BoundLine = Extract<LeaseLine, { event: 'bound' | 'renew' }>;

/** A helper's stdout line → a parsed lease event; null for udhcpc's own chatter or a line that does not validate. */
export function parseLeaseLine(line: string): LeaseLine | null {
  const at = line.indexOf(LEASE_LINE_PREFIX);
  if (at < 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(at + LEASE_LINE_PREFIX.length));
  } catch {
    return null;
  }
  const r = LeaseLine.safeParse(json);
  return r.success ? r.data : null;
}

/** The lease file (`<state>/dhcp/<container>_<vnic>.lease`, §5.13 MATCH shape): prefix a number, all else strings. */
export function leaseFile(l: BoundLine, timestamp: string): Record<string, string | number> {
  return {
    interface: l.interface,
    ip: l.ip,
    subnet: l.subnet,
    mask: l.mask,
    prefix: l.prefix,
    broadcast: l.broadcast,
    router: l.router,
    dns: l.dns,
    domain: l.domain,
    mtu: l.mtu,
    hostname: l.hostname,
    ntpsrv: l.ntpsrv,
    lease: l.lease,
    serverid: l.serverid,
    timestamp,
    event: l.event,
  };
}

export const failedLeaseFile = (iface: string, event: string, timestamp: string): Record<string, string> => ({
  interface: iface,
  error: 'lease_failed',
  timestamp,
  event,
});

/** `dhcp_update` data (§7.2) for a helper's lease line. */
export function dhcpUpdate(vplc: string, vnic: string, mac: string, l: BoundLine, timestamp: string): DhcpUpdateData {
  return {
    container_name: vplc,
    vnic_name: vnic,
    mac_address: mac,
    ip: l.ip,
    mask: String(l.prefix),
    prefix: l.prefix,
    gateway: l.router.split(/\s+/)[0] ?? '',
    dns: l.dns,
    lease_time: l.lease,
    timestamp,
  };
}

/** `/etc/resolv.conf` for a lease's DNS servers and domain; null when the lease names no server. */
export function resolvConf(dns: string, domain: string): string | null {
  const servers = dns.split(/\s+/).filter((s) => /^[0-9a-fA-F.:]+$/.test(s));
  if (!servers.length) return null;
  const search = domain.split(/\s+/).filter((s) => /^[A-Za-z0-9.-]+$/.test(s));
  return `${search.length ? `search ${search.join(' ')}\n` : ''}${servers.map((s) => `nameserver ${s}\n`).join('')}`;
}

/** docs/protocol.md §5.13 / §12 retry delay: `max(1, min(2^n, 300) ± 30 %)` seconds, in ms. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(2 ** attempt, 300);
  const jittered = base * (1 + (random() * 2 - 1) * 0.3);
  return Math.round(Math.max(1, jittered) * 1000);
}
