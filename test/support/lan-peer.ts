import { execFileSync, spawnSync } from 'node:child_process';

const sh = (...args: string[]): string => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * A device on a parent's LAN: the far end of the parent's veth pair moved into a namespace of its own, with an
 * address. It can take and give back further addresses (an IP conflict) and reach vPLCs on the LAN.
 */
export type LanPeer = {
  ns: string;
  mac: string;
  hold(cidr: string): void;
  release(cidr: string): void;
  /** One ping with a 1 s wait: whether `ip` answered. */
  reaches(ip: string): boolean;
  /** `ip neigh show` of one address in the peer's namespace. */
  neigh(ip: string): string;
  /** Drops the peer's neighbour entry of `ip`, so its next packet asks again who has it. */
  forget(ip: string): void;
  dispose(): void;
};

export function createLanPeer(run: string, tag: string, link: string, cidr: string): LanPeer {
  const ns = `vt-${run}-${tag}`;
  sh('ip', 'netns', 'add', ns);
  try {
    sh('ip', 'link', 'set', link, 'netns', ns);
    sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    sh('ip', '-n', ns, 'addr', 'add', cidr, 'dev', link);
    sh('ip', '-n', ns, 'link', 'set', link, 'up');
  } catch (err) {
    sh('ip', 'netns', 'del', ns);
    throw err;
  }
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(sh('ip', '-n', ns, 'link', 'show', link))?.[1] ?? '';
  return {
    ns,
    mac,
    hold: (c) => void sh('ip', '-n', ns, 'addr', 'add', c, 'dev', link),
    release: (c) => void sh('ip', '-n', ns, 'addr', 'del', c, 'dev', link),
    reaches: (ip) => spawnSync('ip', ['netns', 'exec', ns, '/bin/busybox', 'ping', '-c', '1', '-W', '1', ip], { stdio: 'ignore' }).status === 0,
    neigh: (ip) => sh('ip', '-n', ns, 'neigh', 'show', ip).trim(),
    forget: (ip) => void spawnSync('ip', ['-n', ns, 'neigh', 'flush', 'to', ip], { stdio: 'ignore' }),
    dispose: () => void spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }),
  };
}
