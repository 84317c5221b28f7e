import { z } from 'zod';

/**
 * Host NICs given to a vPLC and how each vNIC reaches the LAN (docs/host-nics.md): a dedicated NIC moved whole into
 * the vPLC's network namespace (raw-frame fieldbuses such as EtherCAT), MACVLAN on a wired parent, or a routed veth
 * with proxy ARP on a WiFi parent (access points drop frames from MACs they do not know).
 */

/** How a vNIC reaches the LAN: MACVLAN on a wired parent, a routed veth with proxy ARP on a WiFi parent. */
export const VnicMethod = z.enum(['macvlan', 'proxy_arp']);
export type VnicMethod = z.infer<typeof VnicMethod>;

/** One vNIC's method and why, in words for the UI ("parent wlx0a is WiFi: …"). */
export const VnicModeView = z.object({
  name: z.string(),
  parent_interface: z.string(),
  method: VnicMethod,
  reason: z.string(),
  /** proxy_arp: the host side of the veth pair (`veth-` + 10 hex characters of a hash of the vPLC name). */
  veth_host: z.string().nullable().optional(),
});
export type VnicModeView = z.infer<typeof VnicModeView>;

/**
 * Where a dedicated NIC is: inside the vPLC (`in_container`), back on the host (`on_host`: the vPLC is stopped, or the
 * move is pending), being moved either way, `missing` (neither on the host nor in the vPLC), or `error` (a move failed;
 * `detail` says why).
 */
export const DedicatedNicWord = z.enum(['in_container', 'on_host', 'moving', 'returning', 'missing', 'error']);
export type DedicatedNicWord = z.infer<typeof DedicatedNicWord>;

export const DedicatedNicState = z.object({
  host_interface: z.string().min(1),
  state: DedicatedNicWord,
  detail: z.string().nullable(),
  /** ISO instant of the last change of `state`. */
  since: z.string(),
});
export type DedicatedNicState = z.infer<typeof DedicatedNicState>;

/** What the reference stores per WiFi vNIC whose bridge is built (docs/protocol.md §5.14): its keys, nothing else. */
export const ProxyArpConfig = z.object({
  veth_host: z.string().min(1),
  /** `eth1` as in the reference when the vPLC has no other LAN interface; otherwise a name Docker never gives (docs/host-nics.md). */
  veth_container: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/),
  ip_address: z.string().min(1),
  gateway: z.string().min(1),
  parent_interface: z.string().min(1),
});
export type ProxyArpConfig = z.infer<typeof ProxyArpConfig>;
