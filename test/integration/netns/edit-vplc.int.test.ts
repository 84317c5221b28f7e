// Editing a vPLC (docs/editing.md) on a real engine: a static vNIC left detached by a subnet move is edited into the
// new subnet on the same container (same MAC on the wire, the device on the LAN reaches it), and reconcile leaves it
// alone afterwards; a quota edit of a running vPLC waits for its change window until `apply`, then recreates it with
// its MAC kept. Runtime: about 30-45 s on 2 cores (real netmon with its debounce, stand-in runtime).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
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
const newIp = `${far}.50`;
const mac = '02:5a:12:00:00:e1';
const name = `vt-${run}-ed`;
let parent: VethParent;
let peer: LanPeer;
let netmon: Netmon;
let fx: OrchestratorFixture;
const events: ReattachEvent[] = [];
const spec = (over: Partial<VplcSpec> = {}): VplcSpec => ({
  name,
  runtimeVersion: 'latest',
  vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: newIp, dns: [] }],
  ...over,
});

beforeAll(async () => {
  parent = createVethParent(run, 12, `${base}.254/24`);
  peer = createLanPeer(run, 'edp', parent.peer, `${base}.20/24`);
  netmon = startNetmon({ mode: 'builtin' });
  fx = await openOrchestrator({}, { interfaces: netmon.cache, readiness: netmon.cache });
  netmon.cache.onChange((d) => void fx.orch.onNetworkChange(d));
  fx.orch.onReattach((e) => events.push(e));
  await netmon.cache.whenReady();
  const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, dns: [], mac }] }, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(name);
});

afterAll(async () => {
  netmon?.stop();
  await removeByLabels({ run });
  await fx?.dispose();
  peer?.dispose();
  parent?.dispose();
});

describe('editing a vPLC', () => {
  it('re-attaches a detached static vNIC with its new IP on the same container, same MAC on the wire', async () => {
    const before = await docker.getContainer(name).inspect();
    readdressHost(parent.name, `${base}.254/24`, `${far}.254/24`, null);
    await waitFor(() => events, (e) => e.some((x) => x.result === 'detached' && x.vnic === 'lan'), { timeoutMs: 30_000, what: 'the vNIC detached' });

    // The Networks page keeps listing it, detached, with why and the way out.
    const text = `Static IP ${ip} of vNIC 'lan' is outside the new subnet ${far}.0/24; edit the vNIC`;
    expect((await fx.orch.vnics()).filter((v) => v.vplc === name)).toEqual([
      { vplc: name, vnic: 'lan', parent: parent.name, mode: 'static', mac, ip, network: expect.any(String), state: 'detached', reason: text, editable: true },
    ]);

    // An IP outside the parent's subnet is refused with its field, and nothing is stored.
    const refused = await fx.orch.edit(name, spec({ vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: `${base}.60`, dns: [] }] }), 'ui');
    expect(refused).toMatchObject({ status: 'error', code: 'VALIDATION', field: 'vnics[0]' });
    expect(fx.orch.storedSpec(name)?.spec.vnics[0]?.ip).toBe(ip);

    const ack = await fx.orch.edit(name, spec(), 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'now', path: 'same-container', diff: [`vnics[0].ip: ${ip} → ${newIp}`] });
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    const net = `macvlan_${parent.name}_${far}.0_24`;
    expect(after.NetworkSettings.Networks[net]?.IPAddress).toBe(newIp);
    const links = await wireLinks(after.Id, run);
    expect(links.find((l) => l.ipv4.includes(newIp))?.mac).toBe(mac);
    const status = await fx.orch.status(name);
    expect(status.networks).toMatchObject({ [net]: { ip_address: newIp, mac_address: mac } });
    expect((status.orchestrator_state as { warnings: string[] }).warnings.filter((w) => w.includes("vNIC 'lan'"))).toEqual([]);
    expect(fx.orch.storedSpec(name)?.spec.vnics[0]).toMatchObject({ ip: newIp, mac });
    expect((await fx.orch.vnics()).filter((v) => v.vplc === name)).toEqual([
      { vplc: name, vnic: 'lan', parent: parent.name, mode: 'static', mac, ip: newIp, network: net, state: 'attached', editable: false },
    ]);

    // The peer follows the host onto the new subnet and reaches the vPLC at its new address, under its MAC.
    peer.hold(`${far}.20/24`);
    await waitFor(() => peer.reaches(newIp), (ok) => ok, { timeoutMs: 10_000, what: 'the device to reach the edited vPLC' });
    expect(peer.neigh(newIp)).toContain(`lladdr ${mac}`);

    // Reconcile sees the edited spec as applied: no recreate.
    const cycle = await fx.orch.reconcileOnce();
    expect(cycle?.actions.filter((a) => a.vplc === name)).toEqual([]);
    expect(cycle?.pending.filter((p) => p.vplc === name)).toEqual([]);
    expect((await docker.getContainer(name).inspect()).Id).toBe(before.Id);
  });

  it('applies new addressing to a stopped vPLC on the same container; its start brings it up with the same MAC', async () => {
    expect(await fx.orch.stop(name, 'ui')).toMatchObject({ status: 'success' });
    const before = await docker.getContainer(name).inspect();
    const next = `${far}.70`;
    const ack = await fx.orch.edit(name, spec({ vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: next, dns: [] }] }), 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'now', path: 'same-container', diff: [`vnics[0].ip: ${newIp} → ${next}`] });
    expect((await fx.orch.reconcileOnce())?.actions.filter((a) => a.vplc === name && a.kind !== 'start')).toEqual([]);
    expect(await fx.orch.start(name, 'ui')).toMatchObject({ status: 'success' });
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    const links = await wireLinks(after.Id, run);
    expect(links.find((l) => l.ipv4.includes(next))?.mac).toBe(mac);
    // Running with that vNIC on the LAN, an address edit waits for the change window like any other change.
    expect(await fx.orch.edit(name, spec(), 'ui')).toMatchObject({ status: 'saved', applies: 'change-window', path: 'recreate' });
    expect((await fx.orch.reconcileOnce())?.pending.find((p) => p.vplc === name)?.reason).toMatch(/differs from the stored spec/);
    expect((await docker.getContainer(name).inspect()).Id).toBe(before.Id);
    // The same spec again changes nothing.
    expect(await fx.orch.edit(name, spec(), 'ui')).toMatchObject({ status: 'saved', applies: 'unchanged', diff: [] });
  });

  it('keeps a quota edit of a running vPLC pending until apply, then recreates it with the same MAC and the edited IP', async () => {
    const before = await docker.getContainer(name).inspect();
    // Pending already: the address edit of the test before, applied together with the quota.
    const ack = await fx.orch.edit(name, spec({ quotas: { cpus: 0.5 } }), 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'change-window', path: 'recreate', diff: ['quotas.cpus: (none) → 0.5'] });
    const cycle = await fx.orch.reconcileOnce();
    expect(cycle?.actions.filter((a) => a.vplc === name)).toEqual([]);
    expect(cycle?.pending.find((p) => p.vplc === name)?.reason).toMatch(/differs from the stored spec/);
    expect((await docker.getContainer(name).inspect()).Id).toBe(before.Id);

    expect(await fx.orch.applyPendingChanges(name, 'ui')).toMatchObject({ status: 'success' });
    await fx.orch.reconcileOnce();
    await fx.orch.settled(name);
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).not.toBe(before.Id);
    expect(after.HostConfig.NanoCpus).toBe(500_000_000);
    const links = await wireLinks(after.Id, run);
    expect(links.find((l) => l.ipv4.includes(newIp))?.mac).toBe(mac);
  });
});
