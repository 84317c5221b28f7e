import { isIpv4 } from '../../../../shared/net/ipv4.js';
import type { PersistedVnic } from '../store/schemas.js';

/**
 * Docker's IPAM gives every MACVLAN network a gateway (the subnet's first address when none is asked for) and the
 * engine (API 1.41 up to at least 1.47) installs a default route through it in the container; nothing at network
 * creation avoids that without an internal network, which would lose the parent. So the route is removed inside the
 * vPLC's namespace after every start: a static vNIC without a gateway reaches its own subnet only (docs/networking.md).
 */
export function implicitRouteIps(vnics: readonly PersistedVnic[]): string[] {
  return vnics.flatMap((v) => (v.network_mode === 'static' && v._network_method === 'macvlan' && !v.gateway && v.ip && isIpv4(v.ip) ? [v.ip] : []));
}

/** A busybox sh script: finds each address's interface and deletes every default route on it (bounded). */
export function dropDefaultRoutesScript(ips: readonly string[]): string {
  return ips
    .map((ip) => {
      if (!isIpv4(ip)) throw new Error(`not an IPv4 address: ${ip}`);
      const re = ip.replace(/\./g, '\\.');
      return [
        `i=$(ip -o -4 addr show | awk '$4 ~ /^${re}\\// {print $2; exit}')`,
        `if [ -z "$i" ]; then echo "missing ${ip}"; else n=0; while [ $n -lt 8 ] && ip route del default dev "$i" 2>/dev/null; do n=$((n+1)); done; echo "no-default ${ip} $i"; fi`,
      ].join('\n');
    })
    .join('\n');
}
