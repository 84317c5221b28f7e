import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { HostInterface } from '../../../../shared/domain/host.js';
import { cidrToString, parseCidr } from '../../../../shared/net/ipv4.js';
import { defaultGateways, IpAddrJson, IpRouteJson } from '../../../lib/net/ip-json.js';

const run = promisify(execFile);

export type HostIface = HostInterface;

/** Where the orchestrator learns about host NICs. The netmon worker supplies a cache-backed one; this file has a direct reader. */
export interface InterfaceSource {
  list(): Promise<HostIface[]>;
}

/** "Network ready" for boot sync (docs/protocol.md §6.1); netmon supplies the real signal. */
export interface NetworkReadiness {
  whenReady(signal?: AbortSignal): Promise<void>;
}

export const alwaysReady: NetworkReadiness = { whenReady: () => Promise.resolve() };


export function isWifiName(name: string): boolean {
  return /^(wlan|wlp|wlx)/.test(name);
}

/** Parses `ip -json addr` and `ip -json route` output (pure; unit-tested with fixtures). */
export function parseIpJson(addrJson: string, routeJson: string, isWifi: (name: string) => boolean): HostIface[] {
  const links = IpAddrJson.parse(JSON.parse(addrJson));
  const gateways = defaultGateways(IpRouteJson.parse(JSON.parse(routeJson)));
  return links.map((l) => ({
    name: l.ifname,
    index: l.ifindex,
    mac: l.address && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(l.address) ? l.address : null,
    type: isWifi(l.ifname) ? 'wifi' : 'ethernet',
    operstate: (l.operstate ?? 'UNKNOWN').toLowerCase(),
    ipv4: l.addr_info
      .filter((a) => a.family === 'inet' && a.local && a.prefixlen !== undefined)
      .map((a) => {
        const cidr = parseCidr(`${a.local}/${a.prefixlen}`);
        return { address: a.local as string, prefix: a.prefixlen as number, subnet: cidr ? cidrToString(cidr) : '' };
      }),
    gateway: gateways.get(l.ifname) ?? null,
  }));
}

/** Reads the host's interfaces with iproute2 (about 3 ms per call). */
export class LocalInterfaceSource implements InterfaceSource {
  async list(): Promise<HostIface[]> {
    const [addr, route] = await Promise.all([run('ip', ['-json', 'addr', 'show']), run('ip', ['-json', 'route', 'show'])]);
    return parseIpJson(addr.stdout, route.stdout, (n) => isWifiName(n) || existsSync(`/sys/class/net/${n}/wireless`) || existsSync(`/sys/class/net/${n}/phy80211`));
  }
}

export { hostSubnets } from './routes.js';
