import { isIpv4 } from '../../../../shared/net/ipv4.js';

/**
 * The fixed scripts of a proxy-ARP bridge (docs/host-nics.md "WiFi vNICs"), run by busybox in helper containers.
 * Every argument is validated here before it is put into a script, so nothing a request carries can reach the shell
 * unchecked. The neighbour proxy is set with busybox `arp … pub` (its `ip neigh` cannot add one); it is the same
 * kernel entry `ip neigh add proxy` makes, and /proc/net/arp lists it with flags 0xc.
 */

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export class ScriptArgError extends Error {}

export function ifname(name: string, field: string): string {
  if (!IFNAME.test(name) || name === '.' || name === '..') throw new ScriptArgError(`${field}: '${name}' is not an interface name`);
  return name;
}

export function ipv4(ip: string, field: string): string {
  if (!isIpv4(ip)) throw new ScriptArgError(`${field}: '${ip}' is not an IPv4 address`);
  return ip;
}

function prefixLen(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new ScriptArgError(`prefix: ${n} is not a prefix length (1-32)`);
  return n;
}

function pidOf(n: number): number {
  if (!Number.isInteger(n) || n < 2) throw new ScriptArgError(`pid: ${n} is not the PID of a running vPLC`);
  return n;
}

function sysctlValue(v: string): string {
  if (!/^[0-9]{1,3}$/.test(v)) throw new ScriptArgError(`sysctl value: '${v}' is not a number`);
  return v;
}

/** Lines the host-side script prints that the caller reads back. */
export const MARK = { kept: 'bridge: kept', foreign: 'bridge: foreign proxy', iptablesMissing: 'iptables: missing', iptablesFailed: 'iptables: failed' } as const;

export type HostLinkArgs = { veth: string; transit: string; pid: number; ip: string; parent: string; fresh: boolean; ourProxy: boolean };

/** `proxied IP PARENT`: exit 0 when the kernel has a neighbour proxy for IP on PARENT. */
const PROXIED = `proxied() { awk -v ip="$1" -v dev="$2" '$1==ip && $6==dev && $3=="0xc" {f=1} END {exit !f}' /proc/net/arp; }`;

/**
 * Host network and host PID namespaces, NET_ADMIN + NET_RAW: the veth pair (kept when its other end is already in a
 * namespace and `fresh` is false: an agent restart must not cut a running vPLC off), the /32 route, the neighbour
 * proxy, the FORWARD rules (a failure is reported, not fatal: docs/protocol.md §5.10). It prints the sysctl values it
 * found first, which the caller records before anything changes them.
 */
export function hostLinkScript(a: HostLinkArgs): string {
  const veth = ifname(a.veth, 'veth_host');
  const transit = ifname(a.transit, 'transit');
  const parent = ifname(a.parent, 'parent_interface');
  const ip = ipv4(a.ip, 'ip_address');
  const pid = pidOf(a.pid);
  return [
    'set -e',
    PROXIED,
    `echo "proxy_arp_before=$(cat /proc/sys/net/ipv4/conf/${parent}/proxy_arp)"`,
    `echo "ip_forward_before=$(cat /proc/sys/net/ipv4/ip_forward)"`,
    `if proxied ${ip} ${parent} && [ ${a.ourProxy ? 1 : 0} = 0 ]; then echo '${MARK.foreign}'; exit 4; fi`,
    `if [ ${a.fresh ? 1 : 0} = 0 ] && ip -o link show dev ${veth} 2>/dev/null | grep -q '@if'; then echo '${MARK.kept}'; else`,
    `  ip link del ${veth} 2>/dev/null || true`,
    `  ip link del ${transit} 2>/dev/null || true`,
    // busybox names the peer itself (vethN); it is renamed at once, by the name ip prints after the '@'.
    `  ip link add ${veth} type veth`,
    `  peer=$(ip -o link show dev ${veth} | sed -n 's/^[0-9]*: [^@]*@\\([^:]*\\):.*/\\1/p')`,
    `  [ -n "$peer" ] && ip link set dev "$peer" name ${transit}`,
    `  ip link set dev ${transit} netns ${pid}`,
    'fi',
    `ip link set dev ${veth} up`,
    `ip route replace ${ip}/32 dev ${veth}`,
    `proxied ${ip} ${parent} || arp -i ${parent} -Ds ${ip} ${parent} pub`,
    'set +e',
    `if ! command -v iptables >/dev/null 2>&1; then echo '${MARK.iptablesMissing}'; else`,
    `  for dir in "-i ${veth} -o ${parent}" "-i ${parent} -o ${veth}"; do`,
    `    iptables -w -C FORWARD $dir -j ACCEPT 2>/dev/null || out=$(iptables -w -I FORWARD $dir -j ACCEPT 2>&1) || echo "${MARK.iptablesFailed} $dir: $out"`,
    '  done',
    'fi',
    'exit 0',
  ].join('\n');
}

export type NetnsArgs = { transit: string; ifname: string; ip: string; prefix: number; gateway: string; defaultRoute: boolean };

/** Exit code of the namespace script when the vPLC has neither end of the pair: the host side must be made afresh. */
export const NOT_IN_VPLC = 3;

/**
 * Inside the vPLC's network namespace, NET_ADMIN: its end takes its final name and only the vNIC's address, comes up,
 * and (when this vNIC carries the vPLC's default route) routes through the gateway.
 */
export function netnsScript(a: NetnsArgs): string {
  const transit = ifname(a.transit, 'transit');
  const cif = ifname(a.ifname, 'veth_container');
  const cidr = `${ipv4(a.ip, 'ip_address')}/${prefixLen(a.prefix)}`;
  const gw = ipv4(a.gateway, 'gateway');
  return [
    'set -e',
    `if ip link show dev ${transit} >/dev/null 2>&1; then ip link set dev ${transit} name ${cif}; fi`,
    `ip link show dev ${cif} >/dev/null 2>&1 || exit ${NOT_IN_VPLC}`,
    `for a in $(ip -o -4 addr show dev ${cif} | awk '{print $4}'); do [ "$a" = ${cidr} ] || ip addr del "$a" dev ${cif}; done`,
    `ip -o -4 addr show dev ${cif} | grep -q ' ${cidr} ' || ip addr add ${cidr} dev ${cif}`,
    `ip link set dev ${cif} up`,
    ...(a.defaultRoute ? [`ip route replace default via ${gw} dev ${cif}`] : []),
  ].join('\n');
}

export type SysctlWrite = { path: 'ip_forward' | { proxyArp: string }; value: string };

/** Host network with /proc/sys writable, NET_ADMIN: writes each value only where it differs (a write can reset a device's settings). */
export function sysctlScript(writes: readonly SysctlWrite[]): string {
  const lines = writes.map((w) => {
    const file = w.path === 'ip_forward' ? '/proc/sys/net/ipv4/ip_forward' : `/proc/sys/net/ipv4/conf/${ifname(w.path.proxyArp, 'sysctl interface')}/proxy_arp`;
    const v = sysctlValue(w.value);
    return `if [ -e ${file} ] && [ "$(cat ${file})" != ${v} ]; then echo ${v} > ${file}; fi`;
  });
  return ['set -e', ...lines].join('\n');
}

export type TeardownArgs = { veth: string; ip: string; parent: string };

/**
 * Host network, NET_ADMIN + NET_RAW, in the reference's order: neighbour proxy, both FORWARD rules, /32 route, veth.
 * Only what names our veth, or exactly our address on our parent, is touched; each step tolerates "already gone".
 * Prints one `left: <what>` line per thing that is still there afterwards.
 */
export function teardownScript(a: TeardownArgs): string {
  const veth = ifname(a.veth, 'veth_host');
  const parent = ifname(a.parent, 'parent_interface');
  const ip = ipv4(a.ip, 'ip_address');
  return [
    PROXIED,
    `if proxied ${ip} ${parent}; then arp -i ${parent} -d ${ip} pub >/dev/null 2>&1; proxied ${ip} ${parent} && echo 'left: neighbour proxy ${ip} on ${parent}'; fi`,
    'if command -v iptables >/dev/null 2>&1; then',
    `  for dir in "-i ${veth} -o ${parent}" "-i ${parent} -o ${veth}"; do`,
    '    n=0',
    `    while iptables -w -C FORWARD $dir -j ACCEPT 2>/dev/null && [ $n -lt 8 ]; do iptables -w -D FORWARD $dir -j ACCEPT; n=$((n+1)); done`,
    `    iptables -w -C FORWARD $dir -j ACCEPT 2>/dev/null && echo "left: FORWARD rule $dir"`,
    '  done',
    'fi',
    `ip route del ${ip}/32 dev ${veth} 2>/dev/null`,
    `ip link del ${veth} 2>/dev/null`,
    `ip link show dev ${veth} >/dev/null 2>&1 && echo 'left: veth ${veth}'`,
    'exit 0',
  ].join('\n');
}

/** `key=value` lines of a script's output. */
export function readValues(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([a-z_]+)=(\S*)$/.exec(line.trim());
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}
