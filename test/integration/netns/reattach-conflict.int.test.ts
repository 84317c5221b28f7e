// The ARP probe at re-attach (docs/decisions.md "ARP probe"): a static vPLC whose parent moves /24 → /23 while a device
// on the LAN holds its address stays off the new network, in error naming the address and the holder's MAC, without a
// restart; once the device gives the address back, the retry board attaches it (MAC and address verified on the wire,
// reported re-attached) and the device reaches it.
// Runtime: about 20-40 s on 2 cores (real netmon with its 3 s debounce, retry backoff 2 s doubling).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import { docker, wireLinks } from '../../support/docker.js';
import { readdressHost } from '../../support/lan.js';
import { createLanPeer, type LanPeer } from '../../support/lan-peer.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 12;
const ip = lanAddress(slot, LAN, 50);
const mac = '02:5a:12:00:00:02';
const name = `vt-${run}-rc`;
let parent: VethParent;
let peer: LanPeer;
let netmon: Netmon;
let fx: OrchestratorFixture;
const events: ReattachEvent[] = [];
const warningsOf = async (): Promise<string[]> => ((await fx.orch.status(name)).orchestrator_state as { warnings: string[] }).warnings;

beforeAll(async () => {
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  peer = createLanPeer(run, 'rcp', parent.peer, `${lanAddress(slot, LAN, 20)}/24`);
  netmon = startNetmon({ mode: 'builtin' });
  fx = await openOrchestrator({}, { interfaces: netmon.cache, readiness: netmon.cache });
  netmon.cache.onChange((d) => void fx.orch.onNetworkChange(d));
  fx.orch.onReattach((e) => events.push(e));
  await netmon.cache.whenReady();
  const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, dns: [], mac }] }, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
}, 90_000);

afterAll(async () => {
  netmon?.stop();
  await fx?.dispose();
  peer?.dispose();
  parent?.dispose();
});

describe('a static vNIC whose address another device holds when its parent moves', () => {
  const wide = (): string => `macvlan_${parent.name}_${lanAddress(slot, LAN, 0)}_23`;

  it('stays detached in error naming the address and the holder, the vPLC keeps running', async () => {
    const before = await docker.getContainer(name).inspect();
    peer.hold(`${ip}/24`);
    readdressHost(parent.name, `${lanAddress(slot, LAN, 254)}/24`, `${lanAddress(slot, LAN, 254)}/23`, null);
    const text = `vNIC 'lan' left off the LAN after its parent moved: IP ${ip} is already in use on ${parent.name} by the device with MAC ${peer.mac}; choose a free address or free that one; retrying until the address is free`;
    await waitFor(() => events, (e) => e.some((x) => x.result === 'detached' && x.message === text), { timeoutMs: 30_000, what: 'the vNIC left detached' });
    expect(events.filter((x) => x.result === 'reattached')).toEqual([]);
    expect(await warningsOf()).toContain(text);
    const after = await docker.getContainer(name).inspect();
    expect(Object.keys(after.NetworkSettings.Networks).some((n) => n.startsWith('macvlan_'))).toBe(false);
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(fx.orch.vnicRecords(name)[0]).toMatchObject({ docker_network_name: wide(), ip });
  });

  it('is attached by a retry once the address is free: verified, reported re-attached, reachable by the device', async () => {
    peer.release(`${ip}/24`);
    const ev = await waitFor(() => events.find((x) => x.result === 'reattached'), (e) => e !== undefined, { timeoutMs: 45_000, intervalMs: 250, what: 'the retry to attach the vNIC' });
    expect(ev).toMatchObject({ vplc: name, vnic: 'lan', network: wide() });
    const info = await docker.getContainer(name).inspect();
    expect(info.NetworkSettings.Networks[wide()]?.IPAddress).toBe(ip);
    expect((await wireLinks(info.Id, run)).find((l) => l.ipv4.includes(ip))?.mac).toBe(mac);
    expect((await warningsOf()).filter((w) => w.includes('left off the LAN'))).toEqual([]);
    await waitFor(() => peer.reaches(ip), (ok) => ok, { timeoutMs: 10_000, what: 'the device to reach the vPLC' });
    expect(peer.neigh(ip)).toContain(`lladdr ${mac}`);
  });
});
