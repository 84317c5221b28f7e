import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quiet = (fn: () => unknown): void => {
  try {
    fn();
  } catch {
    // already gone
  }
};

/**
 * A simulated plant LAN: a network namespace with a bridge (`.1`, the router), busybox udhcpd and httpd on it, and a
 * peer host in its own namespace (`.20`). Servers run only inside these namespaces and are killed by PID.
 */
export type Lan = {
  ns: string;
  peerNs: string;
  /** `a.b.c` of the /24. */
  base: string;
  subnet: string;
  router: string;
  peer: string;
  /** Moves a host veth end (`b` of a parent pair) onto this LAN's bridge. */
  plug(link: string, fromNs?: string): void;
  /** Restarts udhcpd with an empty lease file and the pool `.start`-`.end` (a renumbered LAN). */
  restartDhcp(start: number, end: number): Promise<void>;
  /** Runs a command inside the peer namespace; returns its exit status. */
  peerRun(...args: string[]): number;
  dispose(): void;
};

export function createLan(run: string, tag: string, base: string, opts: { dhcp?: boolean } = {}): Lan {
  const ns = `vt-${run}-${tag}`;
  const peerNs = `vt-${run}-${tag}p`;
  const dir = mkdtempSync(path.join(tmpdir(), `vt-lan-${tag}-`));
  const pids: ChildProcess[] = [];
  const router = `${base}.1`;
  const peer = `${base}.20`;
  const inNs = (n: string, ...args: string[]): string => ip('-n', n, ...args);
  const dispose = (): void => {
    for (const c of pids) quiet(() => c.pid && process.kill(c.pid, 'SIGKILL'));
    quiet(() => ip('netns', 'del', peerNs));
    quiet(() => ip('netns', 'del', ns));
    rmSync(dir, { recursive: true, force: true });
  };
  let udhcpd: ChildProcess | null = null;
  const startDhcp = (start: number, end: number): void => {
    const conf = path.join(dir, 'udhcpd.conf');
    const leases = path.join(dir, 'udhcpd.leases');
    writeFileSync(leases, '');
    writeFileSync(
      conf,
      [`start ${base}.${start}`, `end ${base}.${end}`, 'interface br0', `lease_file ${leases}`, `pidfile ${path.join(dir, 'udhcpd.pid')}`,
        `option subnet 255.255.255.0`, `option router ${router}`, `option dns ${router}`, 'option domain lan.test', 'option lease 600', ''].join('\n'),
    );
    udhcpd = spawn('ip', ['netns', 'exec', ns, '/bin/busybox', 'udhcpd', '-f', conf], { stdio: 'ignore' });
    pids.push(udhcpd);
  };
  try {
    ip('netns', 'add', ns);
    ip('netns', 'add', peerNs);
    inNs(ns, 'link', 'set', 'lo', 'up');
    inNs(peerNs, 'link', 'set', 'lo', 'up');
    inNs(ns, 'link', 'add', 'br0', 'type', 'bridge');
    inNs(ns, 'addr', 'add', `${router}/24`, 'dev', 'br0');
    inNs(ns, 'link', 'set', 'br0', 'up');
    inNs(ns, 'link', 'add', 'pe0', 'type', 'veth', 'peer', 'name', 'pe1');
    inNs(ns, 'link', 'set', 'pe1', 'netns', peerNs);
    inNs(ns, 'link', 'set', 'pe0', 'master', 'br0');
    inNs(ns, 'link', 'set', 'pe0', 'up');
    inNs(peerNs, 'addr', 'add', `${peer}/24`, 'dev', 'pe1');
    inNs(peerNs, 'link', 'set', 'pe1', 'up');
    inNs(peerNs, 'route', 'add', 'default', 'via', router);
    writeFileSync(path.join(dir, 'index.html'), `peer of ${tag}\n`);
    pids.push(spawn('ip', ['netns', 'exec', peerNs, '/bin/busybox', 'httpd', '-f', '-p', '80', '-h', dir], { stdio: 'ignore' }));
    if (opts.dhcp !== false) startDhcp(100, 150);
  } catch (err) {
    dispose();
    throw err;
  }
  return {
    ns,
    peerNs,
    base,
    subnet: `${base}.0/24`,
    router,
    peer,
    plug(link, fromNs) {
      if (fromNs) ip('-n', fromNs, 'link', 'set', link, 'netns', ns);
      else ip('link', 'set', link, 'netns', ns);
      inNs(ns, 'link', 'set', link, 'master', 'br0');
      inNs(ns, 'link', 'set', link, 'up');
    },
    async restartDhcp(start, end) {
      const old = udhcpd;
      if (old?.pid && old.exitCode === null && old.signalCode === null) {
        // udhcpd binds port 67 in the namespace: the new one starts once the old one is gone.
        const gone = once(old, 'exit');
        quiet(() => process.kill(old.pid as number, 'SIGKILL'));
        await gone;
      }
      startDhcp(start, end);
    },
    peerRun(...args) {
      try {
        execFileSync('ip', ['netns', 'exec', peerNs, ...args], { stdio: 'ignore', timeout: 10_000 });
        return 0;
      } catch (err) {
        return (err as { status?: number }).status ?? 1;
      }
    },
    dispose,
  };
}

/** Re-addresses the host end of a parent (address and a default route with a high metric, never the host's main one). */
export function readdressHost(parent: string, from: string | null, to: string, gateway: string | null): void {
  if (from) quiet(() => ip('addr', 'del', from, 'dev', parent));
  quiet(() => ip('route', 'del', 'default', 'dev', parent));
  ip('addr', 'add', to, 'dev', parent);
  // A metric unique to this parent: test files run in parallel, and two IPv4 default routes with one metric clash.
  const metric = String(4000 + Number(readFileSync(`/sys/class/net/${parent}/ifindex`, 'utf8').trim()));
  if (gateway) ip('route', 'add', 'default', 'via', gateway, 'dev', parent, 'metric', metric);
}
