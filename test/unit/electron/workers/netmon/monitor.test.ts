import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NetmonEvent } from '../../../../../shared/netmon/events.js';
import { BuiltinMonitor, isOverflowLine, MONITOR_RCVBUF_BYTES, REDISCOVERY_MS, type MonitorChild } from '../../../../../electron/workers/netmon/monitor.js';
import type { IfaceState } from '../../../../../electron/workers/netmon/snapshot.js';
import { waitFor } from '../../../../support/run.js';

class FakeChild extends EventEmitter {
  stdout = new PassThrough();
  pid = Math.floor(Math.random() * 1e6);
  kill(): boolean {
    this.emit('exit', null, 'SIGTERM');
    return true;
  }
  line(s: string): void {
    this.stdout.write(`${s}\n`);
  }
}

const state = (name: string, addrs: string[], up = true, gateway: string | null = null): IfaceState => ({
  name,
  index: 2,
  operstate: up ? 'UP' : 'DOWN',
  up,
  mac: '02:00:00:00:00:01',
  type: 'ethernet',
  addresses: addrs.map((a) => ({ address: a.split('/')[0] as string, prefixlen: Number(a.split('/')[1]), subnet: '', network_address: '' })),
  gateway,
});

describe('BuiltinMonitor', () => {
  let children: FakeChild[];
  let kernel: IfaceState[];
  let events: NetmonEvent[];
  let mon: BuiltinMonitor;
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
    await mon.idle();
  };

  beforeEach(async () => {
    vi.useFakeTimers();
    children = [];
    kernel = [state('ens37', ['192.168.1.50/24']), state('veth123', [])];
    events = [];
    mon = new BuiltinMonitor({
      spawn: () => {
        const c = new FakeChild();
        children.push(c);
        return c as unknown as MonitorChild;
      },
      read: () => Promise.resolve(kernel.map((k) => ({ ...k }))),
      backoff: { baseMs: 100, maxMs: 1_000, resetAfterMs: 60_000 },
    });
    mon.on((e) => events.push(e));
    mon.start();
    await flush();
  });

  afterEach(() => {
    mon.stop();
    vi.useRealTimers();
  });

  it('starts with a network_discovery of the interfaces that are up, skipping veth', () => {
    expect(events).toHaveLength(1);
    const d = events[0] as Extract<NetmonEvent, { type: 'network_discovery' }>;
    expect(d.data.interfaces.map((i) => i.interface)).toEqual(['ens37']);
  });

  it('emits one full network_change 3 s after the last event on that interface', async () => {
    kernel = [state('ens37', ['10.0.0.5/24'], true, '10.0.0.1')];
    children[0]?.line('2: ens37    inet 10.0.0.5/24 scope global ens37');
    await vi.advanceTimersByTimeAsync(2_000);
    children[0]?.line('default via 10.0.0.1 dev ens37');
    await vi.advanceTimersByTimeAsync(2_999);
    expect(events).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ type: 'network_change', data: { interface: 'ens37', gateway: '10.0.0.1', ipv4_addresses: [{ address: '10.0.0.5', prefixlen: 24 }] } });
  });

  it('emits nothing when the re-read shows no difference', async () => {
    children[0]?.line('2: ens37    inet 192.168.1.50/24 scope global ens37');
    await vi.advanceTimersByTimeAsync(3_000);
    await flush();
    expect(events).toHaveLength(1);
  });

  it('sends link down and removal at once in the short form', async () => {
    children[0]?.line('2: ens37: <BROADCAST,MULTICAST> mtu 1500 state DOWN');
    expect(events[1]).toEqual({ type: 'network_change', data: { interface: 'ens37', ipv4_addresses: [], status: 'down' } });
    children[0]?.line('Deleted 2: ens37: <BROADCAST,MULTICAST> mtu 1500 state DOWN');
    expect(events[2]).toEqual({ type: 'network_change', data: { interface: 'ens37', ipv4_addresses: [], status: 'removed' } });
  });

  it('debounces each interface on its own timer', async () => {
    kernel = [state('ens37', ['10.0.0.5/24']), state('ens38', ['10.1.0.5/24'])];
    children[0]?.line('2: ens37    inet 10.0.0.5/24 scope global ens37');
    await vi.advanceTimersByTimeAsync(1_000);
    children[0]?.line('3: ens38    inet 10.1.0.5/24 scope global ens38');
    await vi.advanceTimersByTimeAsync(2_000);
    await flush();
    expect(events.slice(1).map((e) => (e.data as { interface: string }).interface)).toEqual(['ens37']);
    await vi.advanceTimersByTimeAsync(1_000);
    await flush();
    expect(events.slice(1).map((e) => (e.data as { interface: string }).interface)).toEqual(['ens37', 'ens38']);
  });

  it('restarts a dead monitor child with growing backoff and re-reads what changed meanwhile', async () => {
    kernel = [state('ens37', ['10.0.0.9/24'])];
    children[0]?.emit('exit', 1, null);
    await vi.advanceTimersByTimeAsync(99);
    expect(children).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(children).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'network_change', data: { interface: 'ens37' } });
    children[1]?.emit('exit', 1, null);
    await vi.advanceTimersByTimeAsync(199);
    expect(children).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(children).toHaveLength(3);
  });

  it('leaves an interface that is still settling to its own debounce during a rediscovery', async () => {
    await vi.advanceTimersByTimeAsync(REDISCOVERY_MS - 2_000);
    kernel = [state('ens37', ['10.0.0.5/24'])];
    children[0]?.line('2: ens37    inet 10.0.0.5/24 scope global ens37');
    await vi.advanceTimersByTimeAsync(2_000); // the rediscovery fires 2 s into the 3 s quiet period
    await flush();
    expect(events).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await flush();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ type: 'network_change', data: { interface: 'ens37', ipv4_addresses: [{ address: '10.0.0.5' }] } });
  });

  it('rediscovers every 5 min as a safety net and sends only interfaces that differ', async () => {
    await vi.advanceTimersByTimeAsync(REDISCOVERY_MS);
    await flush();
    expect(events).toHaveLength(1);
    kernel = [state('ens37', ['192.168.1.51/24'])];
    await vi.advanceTimersByTimeAsync(REDISCOVERY_MS);
    await flush();
    expect(events).toHaveLength(2);
  });

  it('does not fork `ip` again while no netlink line comes, until the safety rediscovery', async () => {
    expect(mon.rereads).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(mon.rereads).toBe(1);
    children[0]?.line('2: ens37    inet 192.168.1.50/24 scope global ens37');
    await vi.advanceTimersByTimeAsync(3_000);
    await flush();
    expect(mon.rereads).toBe(2);
    await vi.advanceTimersByTimeAsync(REDISCOVERY_MS - 63_000);
    await flush();
    expect(mon.rereads).toBe(3);
  });

  it('hints that an address is changing at the first line that adds or removes one, once per debounce period', async () => {
    const settling: string[] = [];
    mon.onSettling((iface) => settling.push(iface));
    // A lifetime refresh of the address already reported is no change.
    children[0]?.line('2: ens37    inet 192.168.1.50/24 scope global dynamic ens37\\       valid_lft 100sec preferred_lft 100sec');
    children[0]?.line('2: ens37    inet6 fe80::1/64 scope link');
    children[0]?.line('7: unknown0    inet 10.9.9.9/24 scope global unknown0');
    await flush();
    expect(settling).toEqual([]);
    kernel = [state('ens37', ['192.168.1.50/23'])];
    children[0]?.line('Deleted 2: ens37    inet 192.168.1.50/24 scope global ens37');
    children[0]?.line('2: ens37    inet 192.168.1.50/23 scope global ens37');
    await flush();
    expect(settling).toEqual(['ens37']);
    // The hint comes before the change, which still waits for the quiet period.
    expect(events).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3_000);
    await flush();
    expect(events.at(-1)).toMatchObject({ type: 'network_change', data: { interface: 'ens37' } });
    // A new change after the period is hinted again; the address now reported is the /23.
    children[0]?.line('2: ens37    inet 192.168.1.50/23 scope global ens37');
    await flush();
    expect(settling).toEqual(['ens37']);
    children[0]?.line('Deleted 2: ens37    inet 192.168.1.50/23 scope global ens37');
    await flush();
    expect(settling).toEqual(['ens37', 'ens37']);
  });

  it('gives no hint when the interface goes down, loses its address and comes back with the same one', async () => {
    const settling: string[] = [];
    mon.onSettling((iface) => settling.push(iface));
    children[0]?.line('2: ens37: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc fq_codel state DOWN group default');
    children[0]?.line('Deleted 2: ens37    inet 192.168.1.50/24 scope global ens37');
    await flush();
    expect(events.at(-1)).toMatchObject({ type: 'network_change', data: { interface: 'ens37', status: 'down' } });
    children[0]?.line('2: ens37: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default');
    children[0]?.line('2: ens37    inet 192.168.1.50/24 scope global ens37');
    await flush();
    expect(settling).toEqual([]);
    // Back up with another address: that is a change worth a head start.
    children[0]?.line('2: ens37    inet 192.168.7.50/24 scope global ens37');
    await flush();
    expect(settling).toEqual(['ens37']);
  });
});

describe('BuiltinMonitor with a stand-in `ip`', () => {
  let dir: string;
  let mon: BuiltinMonitor | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'netmon-ip-'));
  });
  afterEach(() => {
    mon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every interface again when `ip monitor` reports a netlink overflow on stderr, and asks for a large buffer', async () => {
    // Records its arguments, reports the overflow the way iproute2 does (it then keeps listening), and stays up.
    const ip = join(dir, 'ip');
    writeFileSync(ip, `#!/bin/sh\necho "$@" > ${dir}/args\necho 'netlink receive error No buffer space available (105)' >&2\nexec sleep 600\n`, { mode: 0o755 });
    let kernel = [state('ens37', ['192.168.1.50/24'])];
    const events: NetmonEvent[] = [];
    const logs: string[] = [];
    let reads = 0;
    let firstReadDone = (): void => undefined;
    const firstRead = new Promise<void>((r) => (firstReadDone = r));
    mon = new BuiltinMonitor({
      ipCommand: ip,
      read: async () => {
        reads += 1;
        if (reads === 1) {
          // The change lands while the first read is being answered, so only a second read can see it.
          const out = kernel.map((k) => ({ ...k }));
          kernel = [state('ens37', ['10.0.0.5/24'])];
          firstReadDone();
          return out;
        }
        return kernel.map((k) => ({ ...k }));
      },
      log: (level, msg) => void logs.push(`${level}: ${msg}`),
    });
    mon.on((e) => events.push(e));
    mon.start();
    await firstRead;
    await waitFor(() => events.length, (n) => n >= 2, { timeoutMs: 5_000, intervalMs: 20, what: 'the network_change after the overflow' });
    await mon.idle();
    expect(events[1]).toMatchObject({ type: 'network_change', data: { interface: 'ens37', ipv4_addresses: [expect.objectContaining({ address: '10.0.0.5' })] } });
    expect(reads).toBe(2);
    expect(logs).toContain('warn: ip monitor lost netlink events (receive buffer overflow); reading all interfaces again');
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe(`-rc ${MONITOR_RCVBUF_BYTES} -o monitor address route link`);
  });

  it('tells an overflow from other stderr lines', () => {
    expect(isOverflowLine('netlink receive error No buffer space available (105)')).toBe(true);
    expect(isOverflowLine('Cannot open netlink socket: Operation not permitted')).toBe(false);
  });
});
