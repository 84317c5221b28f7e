import { z } from 'zod';

/**
 * The local parent-interface policy (docs/parent-policy.md): which host interfaces may carry vNICs. It lives in the
 * settings file; no cloud request can widen it. Shared so the UI can show it.
 */
export const PARENT_PATTERN_RE = /^[A-Za-z0-9_.-]{1,15}\*?$/;
const Pattern = z.string().regex(PARENT_PATTERN_RE, 'Value must be an interface name, or a name prefix followed by *.');
const ZoneName = z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'Value must be a zone name (1-32 letters, digits, _ . -).');

export const ParentPolicy = z
  .object({
    /** Allowed parents (names or `prefix*`); absent means every physical Ethernet interface. */
    allow: z.array(Pattern).optional(),
    /** Zone name → its parents (names or `prefix*`). */
    zones: z.record(ZoneName, z.array(Pattern)).default({}),
    /** Zone pairs one vPLC may bridge. */
    allowBridging: z.array(z.tuple([ZoneName, ZoneName])).default([]),
  })
  .strict();
export type ParentPolicy = z.infer<typeof ParentPolicy>;
export type ParentPolicyInput = z.input<typeof ParentPolicy>;

/** Never a vNIC parent, whatever the allow-list says (besides our own MACVLAN children). */
export const FIXED_REFUSALS: readonly string[] = Object.freeze(['lo', 'docker0', 'br-*', 'veth*', 'virbr*', 'wg*', 'tun*', 'tap*']);

export function matchesPattern(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}
