// hostSubnets reads the kernel's FIB at every call: it must match iproute2, see a route the moment it exists, and never
// lose a stable route while others are added and deleted (the FIB dump is served in pieces).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostSubnets } from '../../../electron/workers/orchestrator/host/routes.js';
import { requireRoot } from '../../support/require.js';
import { lanSubnet, newRunId, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireRoot();

const run = newRunId();
const parents: VethParent[] = [];

const cleanup: Array<() => void> = [];

afterAll(() => {
  parents.forEach((p) => p.dispose());
  cleanup.splice(0).reverse().forEach((f) => f());
});

function iprouteSubnets(): Set<string> {
  const routes = JSON.parse(execFileSync('ip', ['-json', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })) as Array<{ dst: string }>;
  return new Set(routes.map((r) => r.dst).filter((d) => d !== 'default' && !d.includes(':')).map((d) => (d.includes('/') ? d : `${d}/32`)));
}

describe('host routes from /proc/net/fib_trie', () => {
  it('lists what `ip route show table all` lists (IPv4, default left out)', async () => {
    const ours = new Set(await hostSubnets());
    const theirs = iprouteSubnets();
    // Other tests change routes meanwhile: compare twice before calling it a difference.
    const stable = [...theirs].every((d) => ours.has(d)) && [...ours].every((d) => theirs.has(d));
    if (!stable) {
      const again = new Set(await hostSubnets());
      const theirs2 = iprouteSubnets();
      expect([...theirs2].filter((d) => !again.has(d))).toEqual([]);
      expect([...again].filter((d) => !theirs2.has(d))).toEqual([]);
    }
  });

  it('sees an address and its subnet route as soon as they are added, and not after they are removed (no stale cache)', async () => {
    const subnet = lanSubnet(workerSlot(), 14);
    const host = subnet.replace('.0/24', '.1');
    const p = createVethParent(run, 1);
    parents.push(p);
    await hostSubnets(); // a cache would be filled here
    execFileSync('ip', ['addr', 'add', `${host}/24`, 'dev', p.name]);
    const withAddr = await hostSubnets();
    expect(withAddr).toContain(subnet);
    expect(withAddr).toContain(`${host}/32`);
    execFileSync('ip', ['addr', 'del', `${host}/24`, 'dev', p.name]);
    const without = await hostSubnets();
    expect(without).not.toContain(subnet);
    expect(without).not.toContain(`${host}/32`);
  });
});

/** A process in `ns` (its /proc/<pid>/net is the namespace's), once it has entered it. */
async function inNetns(ns: string): Promise<ChildProcess & { pid: number }> {
  const child = spawn('ip', ['netns', 'exec', ns, 'sleep', '600'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('ip netns exec did not start');
  cleanup.push(() => child.kill());
  for (let i = 0; i < 100; i++) {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') return Object.assign(child, { pid });
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('ip netns exec did not reach sleep');
}

describe('host routes under route churn', () => {
  it('never misses a stable route while other routes are added and deleted during the read', async () => {
    const ns = `vt-${run}-fib`;
    execFileSync('ip', ['netns', 'add', ns]);
    cleanup.push(() => execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }));
    // About 3000 routes (a dump of ~200 KB, many kernel read pieces), all blackholes: no device, no traffic.
    const stable: string[] = [];
    for (let i = 0; i < 256; i++) for (const j of [0, 64, 128, 192]) stable.push(`198.19.${i}.${j}/26`);
    for (let i = 0; i < 128; i++) for (let j = 0; j < 256; j += 16) stable.push(`198.18.${i}.${j}/28`);
    const dir = path.join(tmpdir(), `vt-${run}-fib`);
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(path.join(dir, 'stable'), stable.map((d) => `route add blackhole ${d}\n`).join(''));
    execFileSync('ip', ['-n', ns, '-batch', path.join(dir, 'stable')]);
    // Churn near the start of the walk (198.18.130-137 sorts before the 198.19 routes), so later lines shift.
    const churn = Array.from({ length: 8 }, (_, k) => `198.18.${130 + k}.0/24`);
    writeFileSync(path.join(dir, 'churn'), [...churn.map((d) => `route add blackhole ${d}\n`), ...churn.map((d) => `route del blackhole ${d}\n`)].join(''));
    const churner = spawn('sh', ['-c', `while :; do ip -n ${ns} -force -batch ${path.join(dir, 'churn')}; done`], { stdio: 'ignore', detached: true });
    cleanup.push(() => {
      if (churner.pid !== undefined) process.kill(-churner.pid, 'SIGKILL');
    });
    const holder = await inNetns(ns);
    const fib = `/proc/${holder.pid}/net/fib_trie`;

    const missed: string[][] = [];
    // A bounded number of reads (no timing): the single-read code missed stable routes in most of them.
    for (let i = 0; i < 150; i++) {
      const got = new Set(await hostSubnets(fib, ns));
      const lost = stable.filter((d) => !got.has(d));
      if (lost.length > 0) missed.push(lost);
    }
    expect(missed.length, `reads that missed stable routes, first: ${missed[0]?.slice(0, 5).join(' ')}`).toBe(0);
  });
});
