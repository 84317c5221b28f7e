import { execFileSync } from 'node:child_process';

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export type VethParent = { name: string; peer: string; dispose(): void };

/**
 * A veth pair whose `a` end serves as a vPLC parent NIC (the `dummy` link type does not exist here).
 * The host address puts the parent "on a LAN" so subnet auto-detection has something to find.
 */
export function createVethParent(run: string, n: number, hostCidr?: string): VethParent {
  const name = `vt${run}${n}a`;
  const peer = `vt${run}${n}b`;
  if (name.length > 15) throw new Error(`interface name ${name} exceeds IFNAMSIZ`);
  try {
    ip('link', 'del', name);
  } catch {
    // not there: fine
  }
  ip('link', 'add', name, 'type', 'veth', 'peer', 'name', peer);
  ip('link', 'set', name, 'up');
  ip('link', 'set', peer, 'up');
  if (hostCidr) ip('addr', 'add', hostCidr, 'dev', name);
  return {
    name,
    peer,
    dispose: () => {
      try {
        ip('link', 'del', name);
      } catch {
        // already gone
      }
    },
  };
}
