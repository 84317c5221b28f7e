// A static vPLC through two host moves: /24 widened to /23 (MAC and IP kept, re-attached without a restart, and still
// so after an agent restart; a device on the LAN reaches it each time) and a move to a disjoint subnet (the vNIC stays
// detached in error, the vPLC keeps running).
// Runtime: about 30-45 s on 2 cores (real netmon with its 3 s debounce per move, stand-in runtime).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import { docker, removeByLabels, wireLinks } from '../../support/docker.js';
import { readdressHost } from '../../support/lan.js';
import { createLanPeer, type LanPeer } from '../../support/lan-peer.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const base = `198.18.${slot * 16 + 12}`;
const far = `198.18.${slot * 16 + 14}`;
const ip = `${base}.50`;
const mac = '02:5a:12:00:00:01';
const name = `vt-${run}-st`;
let parent: VethParent;
/** A device on the parent's LAN (the far end of its cable), which talked to the vPLC before each move. */
let peer: LanPeer;
let netmon: Netmon;
let fx: OrchestratorFixture;
/** The orchestrator netmon feeds: the first one, then the one opened after the agent restart. */
let orch: Orchestrator;
const events: ReattachEvent[] = [];

beforeAll(async () => {
  parent = createVethParent(run, 12, `${base}.254/24`);
  peer = createLanPeer(run, 'stp', parent.peer, `${base}.20/24`);
  netmon = startNetmon({ mode: 'builtin' });
  fx = await openOrchestrator({}, { interfaces: netmon.cache, readiness: netmon.cache });
  orch = fx.orch;
  netmon.cache.onChange((d) => void orch.onNetworkChange(d));
  orch.onReattach((e) => events.push(e));
  await netmon.cache.whenReady();
  const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, dns: [], mac }] }, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(name);
  await waitFor(() => peer.reaches(ip), (ok) => ok, { timeoutMs: 10_000, what: 'the device to reach the new vPLC' });
});

afterAll(async () => {
  netmon?.stop();
  await removeByLabels({ run });
  await fx?.dispose();
  peer?.dispose();
  parent?.dispose();
});

describe('static vPLC when its parent changes subnet', () => {
  it('keeps its MAC and IP through a /24 widened to /23, without a restart', async () => {
    const before = await docker.getContainer(name).inspect();
    readdressHost(parent.name, `${base}.254/24`, `${base}.254/23`, null);
    const wide = `macvlan_${parent.name}_${base}.0_23`;
    await waitFor(() => events, (e) => e.some((x) => x.network === wide && x.result === 'reattached'), { timeoutMs: 30_000, what: 're-attachment to the /23' });
    const after = await docker.getContainer(name).inspect();
    expect(Object.keys(after.NetworkSettings.Networks).filter((n) => n.startsWith('macvlan_'))).toEqual([wide]);
    expect(after.NetworkSettings.Networks[wide]?.IPAddress).toBe(ip);
    const links = await wireLinks(after.Id, run);
    expect(links.find((l) => l.ipv4.includes(ip))?.mac).toBe(mac);
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    const status = await orch.status(name);
    expect(status.networks).toMatchObject({ [wide]: { ip_address: ip, mac_address: mac } });
    await waitFor(() => peer.reaches(ip), (ok) => ok, { timeoutMs: 10_000, what: 'the device to reach the moved vPLC' });
    expect(peer.neigh(ip)).toContain(`lladdr ${mac}`);
    // Connecting again put Docker's default route back; the vNIC has no gateway, so the re-attach removed it.
    const routes = execFileSync('nsenter', ['-t', String(after.State.Pid), '-n', 'ip', '-4', 'route', 'show'], { encoding: 'utf8' });
    expect(routes.split('\n').filter((l) => l.startsWith('default'))).toEqual([]);
  });

  it('is the same after an agent restart: adopted as it runs, same container, MAC and IP on the wire', async () => {
    const before = await docker.getContainer(name).inspect();
    const wide = `macvlan_${parent.name}_${base}.0_23`;
    await orch.close({ graceMs: 5_000 });
    orch = await fx.reopen({ interfaces: netmon.cache, readiness: netmon.cache });
    orch.onReattach((e) => events.push(e));
    await orch.startLifecycle({ sampleUsage: false });
    await orch.restoredAtStart();
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(after.NetworkSettings.Networks[wide]?.IPAddress).toBe(ip);
    const links = await wireLinks(after.Id, run);
    expect(links.find((l) => l.ipv4.includes(ip))?.mac).toBe(mac);
    expect(await orch.status(name)).toMatchObject({ status: 'success', is_running: true, networks: { [wide]: { ip_address: ip, mac_address: mac } } });
    // The device asks afresh who holds the address: the vPLC answers with the same MAC.
    peer.forget(ip);
    await waitFor(() => peer.reaches(ip), (ok) => ok, { timeoutMs: 10_000, what: 'the device to reach the vPLC after the agent restart' });
    expect(peer.neigh(ip)).toContain(`lladdr ${mac}`);
  });

  it('stays running, detached and in error after a move to a disjoint subnet', async () => {
    const before = await docker.getContainer(name).inspect();
    readdressHost(parent.name, `${base}.254/23`, `${far}.254/24`, `${far}.1`);
    const text = `Static IP ${ip} of vNIC 'lan' is outside the new subnet ${far}.0/24; edit the vNIC`;
    await waitFor(() => events, (e) => e.some((x) => x.result === 'detached' && x.message === text), { timeoutMs: 30_000, what: 'the vNIC detached' });
    const status = await orch.status(name);
    expect(status).toMatchObject({ status: 'success', is_running: true, networks: {} });
    expect((status.orchestrator_state as { warnings: string[] }).warnings).toContain(text);
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(Object.keys(after.NetworkSettings.Networks).some((n) => n.startsWith('macvlan_'))).toBe(false);
  });
});
