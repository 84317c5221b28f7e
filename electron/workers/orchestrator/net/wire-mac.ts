import type { Engine } from '../docker/engine.js';
import { ownLabels } from '../docker/labels.js';

export type WireLink = { ifname: string; mac: string; ipv4: string[] };

/** Parses `ip -o link` and `ip -o -4 addr` output (busybox or iproute2). */
export function parseLinks(linkOut: string, addrOut: string): WireLink[] {
  const links = new Map<string, WireLink>();
  for (const line of linkOut.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@[^:\s]+)?:.*link\/ether\s+([0-9a-fA-F:]{17})/.exec(line);
    if (m?.[1] && m[2]) links.set(m[1], { ifname: m[1], mac: m[2].toLowerCase(), ipv4: [] });
  }
  for (const line of addrOut.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)\//.exec(line);
    if (m?.[1] && m[2]) links.get(m[1])?.ipv4.push(m[2]);
  }
  return [...links.values()];
}

export type MacTarget = {
  vnic: string;
  requested: string;
  /** What Docker says the endpoint has; below API 1.44 this is the IP-derived MAC, not ours. */
  dockerMac?: string;
  dockerIp?: string;
  /**
   * DHCP vNIC: remove the address Docker's IPAM put there (typically the first free one after the gateway), which
   * could clash with a real host on the plant LAN; only a DHCP lease may give this vNIC an address.
   */
  flush?: boolean;
};

/** `ipv4`: the addresses on the vNIC's interface in the namespace (empty when none was found). */
export type MacOutcome = { vnic: string; requested: string; wire: string | null; honoured: boolean; ifname: string | null; ipv4: string[] };

const SEP = '--vplc-orchestrator--';

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;

/** Every MAC goes into a shell script: anything but six hex pairs (a damaged record) could run or fake a marker. */
function checkMacs(targets: MacTarget[]): void {
  targets.forEach((t, i) => {
    if (!MAC.test(t.requested)) throw new Error(`targets[${i}].requested: not a MAC address: ${JSON.stringify(t.requested)}`);
    if (t.dockerMac !== undefined && !MAC.test(t.dockerMac)) throw new Error(`targets[${i}].dockerMac: not a MAC address: ${JSON.stringify(t.dockerMac)}`);
  });
}

/**
 * A POSIX sh script (busybox) that moves each interface found by Docker's MAC to the requested one, then prints the
 * links. Throws when a MAC is not one.
 */
export function enforceScript(targets: MacTarget[]): string {
  checkMacs(targets);
  const lines = ['set -u'];
  for (const t of targets) {
    if (!t.dockerMac || t.dockerMac === t.requested) continue;
    lines.push(
      `ifc=$(ip -o link | grep -i "link/ether ${t.dockerMac} " | sed -e 's/^[0-9]*: *//' -e 's/[@:].*//' | head -n 1)`,
      `if [ -n "$ifc" ]; then ip link set dev "$ifc" address ${t.requested} || echo "failed $ifc" >&2; fi`,
    );
  }
  for (const t of targets) {
    if (!t.flush) continue;
    for (const mac of new Set([t.requested, t.dockerMac].filter(Boolean))) {
      lines.push(
        `ifc=$(ip -o link | grep -i "link/ether ${mac} " | sed -e 's/^[0-9]*: *//' -e 's/[@:].*//' | head -n 1)`,
        `if [ -n "$ifc" ]; then ip -4 addr flush dev "$ifc" || echo "flush failed $ifc" >&2; fi`,
      );
    }
  }
  lines.push(`echo ${SEP}`, 'ip -o link', `echo ${SEP}`, 'ip -o -4 addr');
  return lines.join('\n');
}

export function matchOutcomes(targets: MacTarget[], links: WireLink[]): MacOutcome[] {
  return targets.map((t) => {
    const exact = links.find((l) => l.mac === t.requested);
    if (exact) return { vnic: t.vnic, requested: t.requested, wire: exact.mac, honoured: true, ifname: exact.ifname, ipv4: exact.ipv4 };
    const other = links.find((l) => (t.dockerMac && l.mac === t.dockerMac) || (t.dockerIp && l.ipv4.includes(t.dockerIp)));
    return { vnic: t.vnic, requested: t.requested, wire: other?.mac ?? null, honoured: false, ifname: other?.ifname ?? null, ipv4: other?.ipv4 ?? [] };
  });
}

/**
 * Measures (and below API 1.44 sets) vNIC MACs inside a vPLC's network namespace with one short-lived helper container.
 * Only call right after a start or a re-attachment: changing a MAC interrupts the vNIC briefly.
 */
export async function enforceWireMacs(
  engine: Engine,
  helperImage: string,
  instance: string,
  vplc: string,
  containerId: string,
  targets: MacTarget[],
): Promise<MacOutcome[]> {
  if (targets.length === 0) return [];
  const res = await engine.runInNetns(containerId, helperImage, enforceScript(targets), ownLabels(instance, 'helper', { vplc }));
  const parts = res.stdout.split(`${SEP}\n`);
  if (res.exitCode !== 0 || parts.length < 3) {
    throw new Error(`MAC helper failed (exit ${res.exitCode}): ${res.stderr.trim() || res.stdout.trim()}`);
  }
  return matchOutcomes(targets, parseLinks(parts[1] ?? '', parts[2] ?? ''));
}
