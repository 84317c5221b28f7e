import { z } from 'zod';

/** One IPv4 address of an interface (docs/protocol.md §7.2). */
export const NetAddress = z.object({
  address: z.string(),
  prefixlen: z.number().int().min(0).max(32),
  subnet: z.string(),
  network_address: z.string(),
});
export type NetAddress = z.infer<typeof NetAddress>;

/** The full per-interface object of `network_discovery` and of the first `network_change` form. */
export const NetInterface = z.object({
  interface: z.string(),
  index: z.number().int(),
  operstate: z.string(),
  type: z.enum(['ethernet', 'wifi']).catch('ethernet'),
  ipv4_addresses: z.array(NetAddress),
  gateway: z.string().nullable(),
  timestamp: z.string(),
  /** EXTEND (our monitor only). */
  mac_address: z.string().nullable().optional(),
});
export type NetInterface = z.infer<typeof NetInterface>;

/** The short form, sent at once when an interface goes down or disappears. */
export const NetInterfaceGone = z.object({
  interface: z.string(),
  ipv4_addresses: z.array(NetAddress).length(0),
  status: z.enum(['down', 'removed']),
});
export type NetInterfaceGone = z.infer<typeof NetInterfaceGone>;

export const NetworkChangeData = z.union([NetInterfaceGone, NetInterface]);
export type NetworkChangeData = z.infer<typeof NetworkChangeData>;

export const NetworkDiscovery = z.object({
  type: z.literal('network_discovery'),
  data: z.object({
    interfaces: z.array(NetInterface),
    timestamp: z.string(),
    capabilities: z.array(z.string()).optional(),
  }),
});
export type NetworkDiscovery = z.infer<typeof NetworkDiscovery>;

export const NetworkChange = z.object({ type: z.literal('network_change'), data: NetworkChangeData });
export type NetworkChange = z.infer<typeof NetworkChange>;

/** `dhcp_update` (§7.2): values are strings except `prefix`; `mac_address` is null for WiFi leases. */
export const DhcpUpdateData = z.object({
  container_name: z.string().optional(),
  vnic_name: z.string().optional(),
  mac_address: z.string().nullable().optional(),
  ip: z.string().optional(),
  mask: z.string().optional(),
  prefix: z.number().int().min(0).max(32).optional(),
  gateway: z.string().optional(),
  dns: z.string().optional(),
  lease_time: z.string().optional(),
  timestamp: z.string().optional(),
  proxy_arp_config: z.record(z.string(), z.unknown()).optional(),
});
export type DhcpUpdateData = z.infer<typeof DhcpUpdateData>;

export const DhcpUpdate = z.object({ type: z.literal('dhcp_update'), data: DhcpUpdateData });
export type DhcpUpdate = z.infer<typeof DhcpUpdate>;

/** The events the agent acts on; every other `type` is ignored (§7.4). */
export const NetmonEvent = z.discriminatedUnion('type', [NetworkDiscovery, NetworkChange, DhcpUpdate]);
export type NetmonEvent = z.infer<typeof NetmonEvent>;

/** A command response: any object without `type`; only `success` is meaningful (§7.3). */
export const CommandResponse = z.looseObject({ success: z.boolean(), error: z.string().optional(), message: z.string().optional() });
export type CommandResponse = z.infer<typeof CommandResponse>;

export const isGone = (d: NetworkChangeData): d is NetInterfaceGone => 'status' in d;

/** Interface-name prefixes the monitor and `get_host_interfaces` skip (docs/protocol.md §4.6, §7.5). */
export const SKIP_PREFIXES = ['lo', 'docker', 'br-', 'veth', 'virbr', 'tailscale', 'zt', 'cni', 'flannel', 'kube-ipvs', 'wg', 'cilium', 'macvtap', 'sit', 'can'] as const;

export function isSkippedName(name: string): boolean {
  const n = name.toLowerCase();
  return SKIP_PREFIXES.some((p) => n.startsWith(p));
}
