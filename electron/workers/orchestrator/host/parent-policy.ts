import { FIXED_REFUSALS, matchesPattern, type ParentPolicy } from '../../../../shared/domain/parent-policy.js';
import { LinkFactsReader, type LinkFacts } from './link-facts.js';

/**
 * Parent checks of the local policy (shared/domain/parent-policy.ts; docs/parent-policy.md), in order: the fixed
 * refusal list (never overridable), our own MACVLAN children, then the allow-list (absent = physical Ethernet only).
 * Zones group parents; one vPLC may not bridge two zones unless that pair is allowed.
 */
export type { LinkFacts } from './link-facts.js';

/** The refusal every host shares (the fixed list), or null. */
export function fixedRefusal(name: string): string | null {
  const fixed = FIXED_REFUSALS.find((p) => matchesPattern(name, p));
  return fixed === undefined ? null : `${name} can never be a vNIC parent (it matches ${fixed})`;
}

/** Why `name` may not be a vNIC parent under `policy`, or null when it may. */
export function parentRefusal(name: string, policy: ParentPolicy, facts: LinkFacts | undefined): string | null {
  const fixed = fixedRefusal(name);
  if (fixed !== null) return fixed;
  if (facts?.kind === 'macvlan' || facts?.kind === 'macvtap') return `${name} is a MACVLAN child interface; use the interface it sits on`;
  if (policy.allow !== undefined) {
    return policy.allow.some((p) => matchesPattern(name, p)) ? null : `${name} is not in this orchestrator's list of allowed parent interfaces`;
  }
  // A physical WiFi NIC is allowed as a physical Ethernet one is: its vNICs are bridged with proxy ARP (docs/host-nics.md).
  return facts?.physical === true || facts?.wifi === true ? null : `${name} is not a physical Ethernet interface; allow it in the settings file to use it as a parent`;
}

export function zoneOf(name: string, policy: ParentPolicy): string | undefined {
  return Object.entries(policy.zones).find(([, members]) => members.some((p) => matchesPattern(name, p)))?.[0];
}

/** The index and text of the first parent that would bridge a zone with an earlier parent's zone, or null. */
export function zoneRefusal(parents: readonly string[], policy: ParentPolicy): { index: number; text: string } | null {
  const allowed = (a: string, b: string): boolean => policy.allowBridging.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  const seen: Array<{ parent: string; zone: string }> = [];
  for (const [index, parent] of parents.entries()) {
    const zone = zoneOf(parent, policy);
    if (zone === undefined) continue;
    const other = seen.find((s) => s.zone !== zone && !allowed(s.zone, zone));
    if (other) return { index, text: `${parent} (zone ${zone}) and ${other.parent} (zone ${other.zone}) are in different zones; this orchestrator does not let one vPLC bridge them` };
    seen.push({ parent, zone });
  }
  return null;
}

const readers = new Map<string, LinkFactsReader>();

/** Link kinds and the sysfs facts of every host interface (host/link-facts.ts; one reader per sysfs root). */
export async function readLinkFacts(sysNet = '/sys/class/net'): Promise<Map<string, LinkFacts>> {
  let reader = readers.get(sysNet);
  if (!reader) readers.set(sysNet, (reader = new LinkFactsReader(sysNet)));
  return reader.read();
}
