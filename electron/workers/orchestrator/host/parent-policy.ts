import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { FIXED_REFUSALS, matchesPattern, type ParentPolicy } from '../../../../shared/domain/parent-policy.js';

const run = promisify(execFile);

/**
 * Parent checks of the local policy (shared/domain/parent-policy.ts; docs/parent-policy.md), in order: the fixed
 * refusal list (never overridable), our own MACVLAN children, then the allow-list (absent = physical Ethernet only).
 * Zones group parents; one vPLC may not bridge two zones unless that pair is allowed.
 */
export type LinkFacts = {
  /** Backed by a device, ARP type Ethernet (1), not wireless. */
  physical: boolean;
  /** The kernel link kind (`veth`, `macvlan`, `bridge`, …); undefined for a plain device. */
  kind: string | undefined;
};

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
  return facts?.physical === true ? null : `${name} is not a physical Ethernet interface; allow it in the settings file to use it as a parent`;
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

const IpLinkDetails = z.array(z.object({ ifname: z.string(), linkinfo: z.object({ info_kind: z.string().optional() }).loose().optional() }).loose());

/** Reads link kinds (`ip -details -json link`) and the sysfs facts of every host interface. */
export async function readLinkFacts(sysNet = '/sys/class/net'): Promise<Map<string, LinkFacts>> {
  const { stdout } = await run('ip', ['-details', '-json', 'link', 'show']);
  const out = new Map<string, LinkFacts>();
  for (const l of IpLinkDetails.parse(JSON.parse(stdout))) {
    const dir = path.join(sysNet, l.ifname);
    let type = '';
    try {
      type = readFileSync(path.join(dir, 'type'), 'utf8').trim();
    } catch {
      // gone meanwhile: not physical
    }
    const wireless = existsSync(path.join(dir, 'wireless')) || existsSync(path.join(dir, 'phy80211'));
    out.set(l.ifname, { physical: existsSync(path.join(dir, 'device')) && type === '1' && !wireless, kind: l.linkinfo?.info_kind });
  }
  return out;
}
