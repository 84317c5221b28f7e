import type { MacOutcome } from '../net/wire-mac.js';
import type { VnicMove } from './plan.js';

export type Attach = Extract<VnicMove, { action: 'attach' }>;

/** Whether a re-attached vNIC may be reported re-attached; if not, why (the reason the user sees). */
export type AttachCheck = { vnic: string; verified: true } | { vnic: string; verified: false; reason: string };

/** What was seen after the connect: the wire as measured in the vPLC's namespace (or why it could not be) and DHCP starts. */
export type AttachFacts = {
  wire: readonly MacOutcome[] | { error: string };
  /** The warnings of restarting the DHCP clients of the moved DHCP vNICs (empty when every client started). */
  dhcpWarnings: readonly string[];
};

function dhcpProblem(vnic: string, warnings: readonly string[]): string | null {
  // A warning naming no vNIC (the whole restart failed) concerns every DHCP vNIC of the batch.
  const hit = warnings.find((w) => w.includes(`vNIC '${vnic}'`)) ?? warnings.find((w) => !w.includes("vNIC '"));
  return hit ?? null;
}

/**
 * docs/protocol.md §8 "Verified before reported": a re-attached vNIC is verified when its requested MAC is on an
 * interface in the vPLC's namespace and, for a static vNIC, its address is on that same interface; for a DHCP vNIC,
 * when its client was restarted on the new endpoint (the lease comes later, from the LAN's server, and is reported
 * on its own as `dhcp-lease`).
 */
export function checkAttached(moved: readonly Attach[], facts: AttachFacts): AttachCheck[] {
  return moved.map((m): AttachCheck => {
    if ('error' in facts.wire) return { vnic: m.vnic, verified: false, reason: `MAC and IP could not be verified on the wire: ${facts.wire.error}` };
    const o = facts.wire.find((x) => x.vnic === m.vnic);
    if (!o?.honoured) {
      return { vnic: m.vnic, verified: false, reason: `MAC ${m.mac} is not on the wire (measured ${o?.wire ?? 'no interface'})` };
    }
    if (m.ip && !o.ipv4.includes(m.ip)) {
      return { vnic: m.vnic, verified: false, reason: `IP ${m.ip} is not on ${o.ifname ?? 'its interface'} (found ${o.ipv4.join(', ') || 'none'})` };
    }
    const dhcp = m.dhcp ? dhcpProblem(m.vnic, facts.dhcpWarnings) : null;
    if (dhcp) return { vnic: m.vnic, verified: false, reason: dhcp };
    return { vnic: m.vnic, verified: true };
  });
}

/** The message of a vNIC that is connected but not verified: never "re-attached". */
export const unverifiedMessage = (vnic: string, network: string, reason: string): string =>
  `vNIC '${vnic}' is connected to ${network} but not verified: ${reason}; retrying`;
