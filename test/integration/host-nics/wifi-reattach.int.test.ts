// A static WiFi vNIC when its WiFi parent changes subnet, as a MACVLAN one: a /24 widened to /23 keeps the address and
// the bridge is built again on the new prefix (the LAN still reaches the runtime, the container is not restarted); a
// move to a disjoint subnet leaves it without a bridge and in error until the vNIC is edited, the vPLC running.
// Runtime: about 20-30 s on 2 cores (real netmon with its debounce per move, stand-in runtime).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { readdressHost } from '../../support/lan.js';
import { createLanPeer, type LanPeer } from '../../support/lan-peer.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { hostVethName } from '../../../electron/workers/orchestrator/wifi/naming.js';
import { createWifiParent, hostSnapshot, httpFromPeer, type WifiParent } from '../../support/wifi-parent.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const base = `198.18.${slot * 16 + 8}`;
const far = `198.18.${slot * 16 + 11}`;
const ip = `${base}.50`;
const name = `vt-${run}-wr`;
/** The host ends of this file's bridges (one WiFi vNIC per vPLC). */
const ours = [name].map((n) => hostVethName(n, 'wifi', 1));
let wlx: WifiParent;
let peer: LanPeer;
let netmon: Netmon;
let fx: OrchestratorFixture;
const events: ReattachEvent[] = [];

beforeAll(async () => {
  wlx = createWifiParent(run, 8, `${base}.254/24`);
  peer = createLanPeer(run, 'wr', wlx.peer, `${base}.20/24`);
  netmon = startNetmon({ mode: 'builtin' });
  fx = await openOrchestrator({ parentPolicy: { allow: ['vt*', `wlx${run}*`] } }, { interfaces: netmon.cache, readiness: netmon.cache });
  netmon.cache.onChange((d) => void fx.orch.onNetworkChange(d));
  fx.orch.onReattach((e) => events.push(e));
  await netmon.cache.whenReady();
  const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: wlx.name, mode: 'static', ip, gateway: `${base}.1`, dns: [] }] }, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(name);
  await waitFor(() => httpFromPeer(peer.ns, ip), (c) => c > 0, { timeoutMs: 15_000, what: 'the WiFi LAN to reach the new vPLC' });
});

afterAll(async () => {
  netmon?.stop();
  await removeByLabels({ run });
  await fx?.dispose();
  peer?.dispose();
  wlx?.dispose();
});

describe('a WiFi vNIC when its parent changes subnet', () => {
  it('keeps a bridge that still fits: a new agent told of an extra address on the WiFi NIC neither rebuilds nor reports', async () => {
    // An agent restart: the new agent has processed no report of the parent yet.
    await fx.orch.close({ graceMs: 5_000 });
    const second = await fx.reopen();
    const seen: ReattachEvent[] = [];
    second.onReattach((e) => seen.push(e));
    const index = Number(execFileSync('cat', [`/sys/class/net/${wlx.name}/ifindex`], { encoding: 'utf8' }).trim());
    // What the monitor reports once an address of another network is added after the WiFi NIC's own.
    await second.onNetworkChange({
      interface: wlx.name, index, operstate: 'UP', type: 'wifi', gateway: null, timestamp: new Date().toISOString(),
      ipv4_addresses: [
        { address: `${base}.254`, prefixlen: 24, subnet: `${base}.0/24`, network_address: `${base}.0` },
        { address: `${far}.254`, prefixlen: 24, subnet: `${far}.0/24`, network_address: `${far}.0` },
      ],
    });
    // Closing waits for the re-attachments in flight.
    await second.close({ graceMs: 5_000 });
    expect(seen.filter((e) => e.vnic === 'wifi')).toEqual([]);
    fx.orch = await fx.reopen();
    fx.orch.onReattach((e) => events.push(e));
    expect(await waitFor(() => httpFromPeer(peer.ns, ip), (c) => c > 0, { timeoutMs: 15_000, what: 'the WiFi LAN to reach the vPLC' })).toBeGreaterThan(0);
  });

  it('keeps its address through a /24 widened to /23: bridged again on the new prefix, without a restart', async () => {
    const before = await docker.getContainer(name).inspect();
    readdressHost(wlx.name, `${base}.254/24`, `${base}.254/23`, null);
    await waitFor(() => events, (e) => e.some((x) => x.vnic === 'wifi' && x.result === 'reattached'), { timeoutMs: 30_000, what: 'the WiFi vNIC bridged again' });
    const after = await docker.getContainer(name).inspect();
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    const addrs = execFileSync('nsenter', ['-t', String(after.State.Pid), '-n', 'ip', '-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
    expect(addrs).toContain(`${ip}/23`);
    expect(fx.orch.vnicRecords(name)[0]).toMatchObject({ subnet: `${base.replace(/\.\d+$/, (m) => `.${Number(m.slice(1)) & ~1}`)}.0/23` });
    peer.forget(ip);
    expect(await waitFor(() => httpFromPeer(peer.ns, ip), (c) => c > 0, { timeoutMs: 15_000, what: 'the LAN to reach the vPLC after the move' })).toBeGreaterThan(0);
  });

  it('is left without a bridge, in error, after a move to a disjoint subnet; the vPLC keeps running', async () => {
    const before = await docker.getContainer(name).inspect();
    readdressHost(wlx.name, `${base}.254/23`, `${far}.254/24`, `${far}.1`);
    const text = `Static IP ${ip} of vNIC 'wifi' is outside the new subnet ${far}.0/24; edit the vNIC`;
    await waitFor(() => events, (e) => e.some((x) => x.result === 'detached' && x.message === text), { timeoutMs: 30_000, what: 'the WiFi vNIC detached' });
    const status = await fx.orch.status(name);
    expect(status).toMatchObject({ status: 'success', is_running: true, orchestrator_state: { health: 'degraded' } });
    expect((status.orchestrator_state as { warnings: string[] }).warnings).toContain(text);
    expect(status.networks).toEqual({ [`wifi_${wlx.name}_wifi`]: { ip_address: ip, mac_address: null, gateway: `${base}.1` } });
    const snap = hostSnapshot(wlx.name, ip, ours);
    expect(snap.routes).toEqual([]);
    expect(snap.proxies).toEqual([]);
    expect(snap.forward).toEqual([]);
    expect((await docker.getContainer(name).inspect()).State.StartedAt).toBe(before.State.StartedAt);
  });
});
