// A parent deleted and created again on the same subnet, seen by the in-process orchestrator through the events it is
// handed (no netmon): a removal reports the vNIC detached and disconnects the dead endpoint; a parent that comes back
// with a new ifindex, even when no removal was seen, gets its endpoint re-created with the same MAC and IP.
// Runtime: about 20-30 s on 2 cores (one stand-in vPLC, two re-attachments).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetInterface, NetworkChangeData } from '../../../shared/netmon/events.js';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import { docker, removeByLabels, wireLinks } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 6;
const subnet = lanSubnet(slot, LAN);
const ip = lanAddress(slot, LAN, 50);
const mac = '02:5a:06:00:00:01';
const name = `vt-${run}-pr`;
let parent: VethParent;
let fx: OrchestratorFixture;
const events: ReattachEvent[] = [];

const ifindex = (ifname: string): number => Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8').trim());
const netName = (): string => `macvlan_${parent.name}_${subnet.replace('/', '_')}`;
/** What netmon reports for the parent as it is now. */
const present = (): NetInterface => ({
  interface: parent.name,
  index: ifindex(parent.name),
  operstate: 'UP',
  type: 'ethernet',
  gateway: null,
  timestamp: new Date().toISOString(),
  ipv4_addresses: [{ address: lanAddress(slot, LAN, 254), prefixlen: 24, subnet, network_address: subnet.split('/')[0] as string }],
});
const removed = (): NetworkChangeData => ({ interface: parent.name, ipv4_addresses: [], status: 'removed' });
const recreate = (): void => {
  parent.dispose();
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
};

async function expectOnTheWire(): Promise<void> {
  const info = await docker.getContainer(name).inspect();
  const lan = (await wireLinks(info.Id, run)).find((l) => l.ipv4.includes(ip));
  expect(lan?.mac).toBe(mac);
  expect(lan?.lowerIndex).toBe(ifindex(parent.name));
}

beforeAll(async () => {
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  fx = await openOrchestrator();
  fx.orch.onReattach((e) => events.push(e));
  const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, dns: [], mac }] }, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(name);
  // The re-attacher learns the parent as it is (a discovery would do the same); nothing moves.
  await fx.orch.onNetworkChange(present());
  expect(events).toEqual([]);
}, 120_000);

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
});

describe('a parent deleted and created again on the same subnet', () => {
  it('reports the vNIC detached while the parent is gone, and re-attaches it when the parent returns', async () => {
    const before = await docker.getContainer(name).inspect();
    recreate();
    await fx.orch.onNetworkChange(removed());
    const gone = await fx.orch.status(name);
    expect(gone).toMatchObject({ status: 'success', is_running: true, networks: {} });
    expect(gone.orchestrator_state?.warnings).toContain(`Parent interface ${parent.name} is gone: vNIC 'lan' is detached until it returns`);
    expect(events.at(-1)).toMatchObject({ vplc: name, vnic: 'lan', result: 'detached' });

    await fx.orch.onNetworkChange(present());
    expect(events.at(-1)).toMatchObject({ vplc: name, vnic: 'lan', result: 'reattached', network: netName() });
    const back = await fx.orch.status(name);
    expect(back.networks).toEqual({ [netName()]: expect.objectContaining({ ip_address: ip, mac_address: mac }) });
    expect(back.orchestrator_state?.warnings.filter((w) => w.includes(parent.name))).toEqual([]);
    await expectOnTheWire();
    expect((await docker.getContainer(name).inspect()).State.StartedAt).toBe(before.State.StartedAt);
  });

  it('re-creates the endpoint of a parent back with a new ifindex when its removal was never seen', async () => {
    const before = await docker.getContainer(name).inspect();
    const oldIndex = ifindex(parent.name);
    recreate();
    expect(ifindex(parent.name)).not.toBe(oldIndex);
    // Docker still lists the endpoint whose link died with the old parent.
    expect(Object.keys(before.NetworkSettings.Networks)).toContain(netName());
    const seen = events.length;
    await fx.orch.onNetworkChange(present());
    expect(events.slice(seen)).toEqual([expect.objectContaining({ vplc: name, vnic: 'lan', result: 'reattached', network: netName() })]);
    await expectOnTheWire();
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    // The same subnet and index again (netmon's rediscovery) changes nothing.
    await fx.orch.onNetworkChange(present());
    expect(events.length).toBe(seen + 1);
  });
});
