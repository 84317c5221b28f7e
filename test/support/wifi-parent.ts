import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const sh = (...args: string[]): string => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * A stand-in for a host WiFi NIC: a veth pair whose host end is named like a USB WiFi adapter (`wlx…`, which the
 * agent classifies as WiFi by its name, docs/host-nics.md), with a host address; the far end goes to a LAN peer.
 */
export type WifiParent = { name: string; peer: string; mac: string; dispose(): void };

export function createWifiParent(run: string, n: number, hostCidr: string): WifiParent {
  const name = `wlx${run}${n}`;
  const peer = `vt${run}${n}w`;
  if (name.length > 15 || peer.length > 15) throw new Error(`interface name ${name}/${peer} exceeds IFNAMSIZ`);
  spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  sh('ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer);
  sh('ip', 'link', 'set', name, 'up');
  sh('ip', 'link', 'set', peer, 'up');
  sh('ip', 'addr', 'add', hostCidr, 'dev', name);
  const mac = readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim();
  return { name, peer, mac, dispose: () => void spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' }) };
}

/** What a bridge leaves on the host, to compare before and after: routes, neighbour proxies, FORWARD rules, links, sysctls. */
export type HostSnapshot = { routes: string[]; proxies: string[]; forward: string[]; links: string[]; proxyArp: string; ipForward: string };

/** `veths`: the host ends this test file's vPLCs would have (other files' bridges on the same host are not ours to count). */
export function hostSnapshot(parent: string, ip: string, veths: readonly string[]): HostSnapshot {
  const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    routes: lines(sh('ip', '-4', 'route', 'show', 'table', 'main')).filter((l) => l.startsWith(`${ip} `)),
    proxies: lines(sh('ip', 'neigh', 'show', 'proxy', 'dev', parent)),
    forward: lines(sh('iptables', '-w', '-S', 'FORWARD')).filter((l) => l.includes(parent)),
    links: lines(sh('ip', '-o', 'link', 'show')).map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter((l) => veths.includes(l) || veths.some((v) => l === `vwc-${v.slice('veth-'.length)}`)),
    proxyArp: readFileSync(`/proc/sys/net/ipv4/conf/${parent}/proxy_arp`, 'utf8').trim(),
    ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(),
  };
}

/** HTTP(S) from a LAN peer's namespace to the runtime on the vPLC's LAN address: the status code, or 0 when nothing answered. */
export function httpFromPeer(ns: string, ip: string, port = 8443): number {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'curl', '-sk', '-o', '/dev/null', '-m', '3', '-w', '%{http_code}', `https://${ip}:${port}/`], { encoding: 'utf8' });
  return Number.parseInt(r.stdout, 10) || 0;
}
