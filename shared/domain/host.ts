import { z } from 'zod';

/** Whether a host NIC is wired or wireless (WiFi parents carry proxy-ARP vNICs, never MACVLAN: docs/host-nics.md). */
export const InterfaceType = z.enum(['ethernet', 'wifi']);
export type InterfaceType = z.infer<typeof InterfaceType>;

/** One IPv4 address of a host interface: the address, its prefix length and its subnet in CIDR form. */
export const HostIpv4 = z.object({ address: z.string(), prefix: z.number().int().min(0).max(32), subnet: z.string() });
export type HostIpv4 = z.infer<typeof HostIpv4>;

/**
 * A host network interface as the orchestrator knows it: read from the kernel with `ip -json`, or kept from netmon
 * events in the interface cache. `operstate` is lower-case (`up`, `down`, `unknown`).
 */
export const HostInterface = z.object({
  name: z.string(),
  index: z.number().int(),
  mac: z.string().nullable(),
  type: InterfaceType,
  operstate: z.string(),
  ipv4: z.array(HostIpv4),
  gateway: z.string().nullable(),
});
export type HostInterface = z.infer<typeof HostInterface>;

/**
 * The same interface as the local API (`netmon:interfaces`) shows it: the kernel index stays inside the agent; added
 * are whether it carries a default route of this PC (its uplink) and why the parent policy refuses it as a vNIC parent
 * (null when it may be one). Both are optional only so a client may still read an older agent's list.
 */
export const HostInterfaceView = HostInterface.omit({ index: true }).extend({
  is_uplink: z.boolean().optional(),
  policy_refusal: z.string().nullable().optional(),
  /** The vPLC this NIC is dedicated to (docs/host-nics.md); such a NIC is listed even while it lives inside the vPLC. */
  dedicated_to: z.string().optional(),
});
export type HostInterfaceView = z.infer<typeof HostInterfaceView>;
