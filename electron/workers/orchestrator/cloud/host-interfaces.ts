import type { AckBody } from '../../../../shared/cloud/acks.js';
import { isSkippedName } from '../../../../shared/netmon/events.js';
import type { HostIpv4, HostInterface } from '../../../../shared/domain/host.js';

export const EMPTY_CACHE_ERROR = 'Network interface cache is empty. The netmon sidecar may not be running or has not yet discovered interfaces.';

/** What the rules need of a host interface. */
export type InterfaceFact = Pick<HostInterface, 'name' | 'mac' | 'type' | 'gateway'> & { ipv4: ReadonlyArray<Pick<HostIpv4, 'address' | 'subnet'>> };

/**
 * The `get_host_interfaces` ack body (docs/protocol.md §4.6): skip list, no 127.* addresses, first IPv4 as `ip_address`,
 * `subnet`/`gateway` only when detailed, `dedicated_only` only for an address-less ethernet NIC, sorted by name
 * without duplicates; EXTEND: the real `mac_address` and `type`.
 */
/** A NIC of the dedicated-NIC file: its vPLC and its last known MAC (it may live inside the vPLC now). */
export type DedicatedMark = { nic: string; vplc: string; mac: string | null };

export function hostInterfacesBody(ifaces: readonly InterfaceFact[], req: { include_virtual: boolean; detailed: boolean }, dedicated: readonly DedicatedMark[] = []): AckBody {
  if (ifaces.length === 0) return { status: 'error', error: EMPTY_CACHE_ERROR };
  const byName = new Map<string, InterfaceFact>();
  for (const i of ifaces) {
    // Unless `include_virtual`, the monitor's skip list applies (docs/protocol.md §4.6, MATCH).
    if (!req.include_virtual && isSkippedName(i.name)) continue;
    if (!byName.has(i.name)) byName.set(i.name, i);
  }
  const owners = new Map(dedicated.filter((d) => req.include_virtual || !isSkippedName(d.nic)).map((d) => [d.nic, d]));
  const names = [...new Set([...byName.keys(), ...owners.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const interfaces = names.map((name) => {
    const owner = owners.get(name);
    const i = byName.get(name);
    // Inside its vPLC: a synthetic entry, no addresses, never a subnet or gateway (docs/protocol.md §4.6).
    if (!i) return { name, ip_address: null, ipv4_addresses: [], mac_address: owner?.mac ?? null, dedicated_to: owner?.vplc };
    const v4 = i.ipv4.filter((a) => !a.address.startsWith('127.'));
    const entry: Record<string, unknown> = {
      name,
      ip_address: v4[0]?.address ?? null,
      ipv4_addresses: v4.map((a) => a.address),
      mac_address: i.mac,
    };
    if (req.detailed) {
      entry['subnet'] = v4[0]?.subnet || null;
      entry['gateway'] = i.gateway;
    }
    if (v4.length === 0 && i.type === 'ethernet') entry['dedicated_only'] = true;
    entry['type'] = i.type;
    if (owner) entry['dedicated_to'] = owner.vplc;
    return entry;
  });
  return { status: 'success', interfaces };
}
