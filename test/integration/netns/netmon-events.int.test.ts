// The built-in monitor against real netlink on a veth pair: debounced full events, the immediate short form, and
// 50 kills of the `ip monitor` child with events still flowing.
// Runtime: about 25-35 s (real 3 s debounce in the first suite; a short debounce in the kill loop).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetmonEvent, NetworkChangeData } from '../../../shared/netmon/events.js';
import { BuiltinMonitor } from '../../../electron/workers/netmon/index.js';
import { requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireRoot();

const run = newRunId();
const slot = workerSlot();
const base = `198.18.${slot * 16 + 13}`;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

type Seen = { at: number; data: NetworkChangeData };
const changesFor = (seen: Seen[], iface: string, since: number): Seen[] => seen.filter((s) => s.data.interface === iface && s.at >= since);
const addrs = (d: NetworkChangeData): string[] => d.ipv4_addresses.map((a) => `${a.address}/${a.prefixlen}`);

describe('built-in monitor on real netlink', () => {
  let parent: VethParent;
  let mon: BuiltinMonitor;
  const seen: Seen[] = [];
  let discovery: NetmonEvent | undefined;

  beforeAll(async () => {
    parent = createVethParent(run, 13);
    mon = new BuiltinMonitor();
    mon.on((e) => {
      if (e.type === 'network_discovery') discovery = e;
      if (e.type === 'network_change') seen.push({ at: Date.now(), data: e.data });
    });
    mon.start();
    await waitFor(() => discovery, (d) => d !== undefined, { timeoutMs: 10_000, what: 'network_discovery' });
  });

  afterAll(() => {
    mon?.stop();
    parent?.dispose();
  });

  it('reports the parent in network_discovery with its MAC and type, and skips veth/docker names', () => {
    const d = discovery as Extract<NetmonEvent, { type: 'network_discovery' }>;
    const mine = d.data.interfaces.find((i) => i.interface === parent.name);
    expect(mine).toMatchObject({ operstate: 'UP', type: 'ethernet', ipv4_addresses: [], gateway: null });
    expect(mine?.mac_address).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(d.data.interfaces.some((i) => /^(veth|docker|br-|lo)/.test(i.interface))).toBe(false);
  });

  it('debounces a burst of address changes into one full network_change with the final state', async () => {
    const t0 = Date.now();
    ip('addr', 'add', `${base}.5/24`, 'dev', parent.name);
    ip('addr', 'add', `${base}.6/24`, 'dev', parent.name);
    ip('addr', 'del', `${base}.6/24`, 'dev', parent.name);
    await waitFor(() => changesFor(seen, parent.name, t0), (s) => s.length > 0, { timeoutMs: 10_000, what: 'network_change after add' });
    // A fence instead of a pause: events of one interface come in order, so anything the burst still caused arrives
    // before the fence's own event.
    ip('addr', 'add', `${base}.8/24`, 'dev', parent.name);
    const got = await waitFor(() => changesFor(seen, parent.name, t0), (s) => s.some((x) => addrs(x.data).includes(`${base}.8/24`)), { timeoutMs: 10_000, what: 'the fence event' });
    expect(got.map((x) => addrs(x.data))).toEqual([[`${base}.5/24`], [`${base}.5/24`, `${base}.8/24`]]);
    const unfenced = Date.now();
    ip('addr', 'del', `${base}.8/24`, 'dev', parent.name);
    await waitFor(() => changesFor(seen, parent.name, unfenced), (s) => s.some((x) => !addrs(x.data).includes(`${base}.8/24`)), { timeoutMs: 10_000, what: 'the fence removed' });
    const d = got[0]?.data as Extract<NetworkChangeData, { index: number }>;
    expect(d).toMatchObject({ interface: parent.name, operstate: 'UP', type: 'ethernet', gateway: null });
    expect(d.ipv4_addresses).toEqual([{ address: `${base}.5`, prefixlen: 24, subnet: `${base}.0/24`, network_address: `${base}.0` }]);
    expect(typeof d.index).toBe('number');
    expect(d.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('reports an address change (replace) and a gateway change', async () => {
    const t0 = Date.now();
    ip('addr', 'del', `${base}.5/24`, 'dev', parent.name);
    ip('addr', 'add', `${base}.7/23`, 'dev', parent.name);
    ip('route', 'add', 'default', 'via', `${base}.1`, 'dev', parent.name, 'metric', '4243');
    const [ev] = await waitFor(() => changesFor(seen, parent.name, t0), (s) => s.length > 0, { timeoutMs: 10_000, what: 'network_change after replace' });
    expect(addrs(ev?.data as NetworkChangeData)).toEqual([`${base}.7/23`]);
    expect(ev?.data).toMatchObject({ gateway: `${base}.1` });
  });

  it('reports an address removal as a full event with no addresses', async () => {
    const t0 = Date.now();
    ip('addr', 'del', `${base}.7/23`, 'dev', parent.name);
    const [ev] = await waitFor(() => changesFor(seen, parent.name, t0), (s) => s.length > 0, { timeoutMs: 10_000, what: 'network_change after del' });
    expect(ev?.data).toMatchObject({ interface: parent.name, operstate: 'UP', ipv4_addresses: [], gateway: null });
  });

  it('sends link down at once in the short form', async () => {
    const t0 = Date.now();
    ip('link', 'set', parent.name, 'down');
    const [ev] = await waitFor(() => changesFor(seen, parent.name, t0), (s) => s.length > 0, { timeoutMs: 2_500, intervalMs: 50, what: 'short down form before the debounce' });
    expect(ev?.data).toEqual({ interface: parent.name, ipv4_addresses: [], status: 'down' });
    console.log(`[netmon] link down reported after ${(ev?.at ?? 0) - t0} ms`);
  });

  it('sends removal at once in the short form', async () => {
    const up = Date.now();
    ip('link', 'set', parent.name, 'up');
    await waitFor(() => changesFor(seen, parent.name, up), (s) => s.some((x) => 'operstate' in x.data && x.data.operstate === 'UP'), { timeoutMs: 10_000, what: 'up again' });
    const t0 = Date.now();
    parent.dispose();
    // Deleting a veth may first report its carrier going down; the removal follows at once either way.
    const got = await waitFor(() => changesFor(seen, parent.name, t0), (s) => s.some((x) => 'status' in x.data && x.data.status === 'removed'), { timeoutMs: 2_500, intervalMs: 50, what: 'short removed form' });
    expect(got.at(-1)?.data).toEqual({ interface: parent.name, ipv4_addresses: [], status: 'removed' });
  });
});

describe('built-in monitor when its ip monitor child is killed', () => {
  let parent: VethParent;
  let mon: BuiltinMonitor;
  const seen: Seen[] = [];

  beforeAll(async () => {
    parent = createVethParent(run, 14);
    mon = new BuiltinMonitor({ debounceMs: 150, backoff: { baseMs: 20, maxMs: 200, resetAfterMs: 1_000 } });
    let ready = false;
    mon.on((e) => {
      if (e.type === 'network_discovery') ready = true;
      if (e.type === 'network_change') seen.push({ at: Date.now(), data: e.data });
    });
    mon.start();
    await waitFor(() => ready, (r) => r, { timeoutMs: 10_000, what: 'discovery' });
  });

  afterAll(() => {
    mon?.stop();
    parent?.dispose();
  });

  it('keeps emitting events through 50 kills of the monitor child', async () => {
    const t0 = Date.now();
    for (let k = 1; k <= 50; k++) {
      const pid = await waitFor(() => mon.childPid, (p) => p !== undefined, { timeoutMs: 10_000, intervalMs: 10, what: `monitor child #${k}` });
      process.kill(pid as number, 'SIGKILL');
      await waitFor(() => mon.childPid, (p) => p !== undefined && p !== pid, { timeoutMs: 10_000, intervalMs: 10, what: `respawn after kill #${k}` });
      if (k % 10 === 0) {
        const since = Date.now();
        ip('addr', 'add', `${base}.${100 + k}/24`, 'dev', parent.name);
        await waitFor(() => changesFor(seen, parent.name, since), (s) => s.some((x) => addrs(x.data).includes(`${base}.${100 + k}/24`)), { timeoutMs: 10_000, what: `event after kill #${k}` });
      }
    }
    expect(mon.spawns).toBeGreaterThanOrEqual(51);
    const since = Date.now();
    ip('addr', 'flush', 'dev', parent.name);
    await waitFor(() => changesFor(seen, parent.name, since), (s) => s.some((x) => x.data.ipv4_addresses.length === 0), { timeoutMs: 10_000, what: 'event after the last kill' });
    console.log(`[netmon] 50 kills with 5 checked changes in ${Date.now() - t0} ms`);
  });
});
