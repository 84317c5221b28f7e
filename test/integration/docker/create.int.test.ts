// Creates real vPLCs (the stand-in runtime) on a real dockerd with veth pairs as parent NICs.
// Runtime: about 40-60 s on 2 cores (each create waits for the stand-in's HTTPS API).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { cloudAck } from '../../../shared/api/errors.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import { docker, removeByLabels, wireLinks } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, TEST_LABEL, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const parents: VethParent[] = [];
let fx: OrchestratorFixture;

const staticVnic = (parent: VethParent, n: number, host: number, mac: string): VplcSpec['vnics'][number] => ({
  name: `lan${n}`,
  parentInterface: parent.name,
  mode: 'static',
  ip: lanAddress(slot, n, host),
  subnet: lanSubnet(slot, n),
  gateway: lanAddress(slot, n, 1),
  dns: [lanAddress(slot, n, 53)],
  mac,
});

async function createAndSettle(spec: VplcSpec): Promise<Record<string, unknown>> {
  const ack = await fx.orch.create(spec, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(spec.name);
  return fx.orch.status(spec.name);
}

beforeAll(async () => {
  for (let n = 1; n <= 4; n++) parents.push(createVethParent(run, n, `${lanAddress(slot, n, 254)}/24`));
  fx = await openOrchestrator();
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  for (const p of parents) p.dispose();
});

describe('create_new_runtime on a real engine', () => {
  it('runs a vPLC with one static vNIC whose requested MAC is on the wire, not Docker’s IP-derived one', async () => {
    const mac = '02:5a:00:00:01:01';
    const status = await createAndSettle({ name: `vt-${run}-one`, runtimeVersion: 'latest', vnics: [staticVnic(parents[0]!, 1, 10, mac)] });

    expect(status).toMatchObject({ status: 'success', is_running: true, container_status: 'running' });
    const info = await docker.getContainer(`vt-${run}-one`).inspect();
    const links = await wireLinks(info.Id, run);
    const lan = links.find((l) => l.ipv4.includes(lanAddress(slot, 1, 10)));
    expect(lan?.mac).toBe(mac);
    expect(status.networks).toEqual({
      [`macvlan_${parents[0]!.name}_${lanSubnet(slot, 1).replace('/', '_')}`]: { ip_address: lanAddress(slot, 1, 10), mac_address: mac, gateway: lanAddress(slot, 1, 1) },
    });
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no');
    // No device access without configured serial ports: no MKNOD, no cgroup device rules.
    expect(info.HostConfig.CapAdd).toEqual(['SYS_NICE']);
    expect(info.HostConfig.DeviceCgroupRules ?? []).toEqual([]);
    expect(info.HostConfig.Dns).toEqual([lanAddress(slot, 1, 53)]);
    expect(info.Config.Labels[Label.instance]).toBe(fx.orch.installationId);
  });

  it('reports the refused real-time ulimits as a degraded vPLC instead of failing', async () => {
    const status = await fx.orch.status(`vt-${run}-one`);
    const info = await docker.getContainer(`vt-${run}-one`).inspect();
    // This sandbox refuses rtprio/memlock at start; on hosts that allow them the container keeps the reference ulimits.
    if (info.HostConfig.Ulimits?.length) {
      expect(info.HostConfig.Ulimits).toEqual([{ Name: 'rtprio', Soft: 99, Hard: 99 }, { Name: 'memlock', Soft: -1, Hard: -1 }]);
    } else {
      expect((status.orchestrator_state as { warnings: string[] }).warnings).toContain('real-time limits unavailable on this host');
    }
  });

  it('puts each of three static vNICs on its own parent with its requested MAC on the wire', async () => {
    const macs = ['0a:5a:00:00:02:01', '0e:5a:00:00:02:02', '12:5a:00:00:02:03'];
    const spec: VplcSpec = {
      name: `vt-${run}-three`,
      runtimeVersion: 'latest',
      vnics: [staticVnic(parents[0]!, 1, 20, macs[0]!), staticVnic(parents[1]!, 2, 20, macs[1]!), staticVnic(parents[2]!, 3, 20, macs[2]!)],
    };
    const status = await createAndSettle(spec);
    expect(status).toMatchObject({ status: 'success', is_running: true });

    const info = await docker.getContainer(spec.name).inspect();
    const links = await wireLinks(info.Id, run);
    for (const [i, mac] of macs.entries()) {
      const link = links.find((l) => l.ipv4.includes(lanAddress(slot, i + 1, 20)));
      expect(link?.mac, `vNIC ${i + 1}`).toBe(mac);
    }
    expect(Object.keys(status.networks as object)).toHaveLength(3);
    expect((status.orchestrator_state as { warnings: string[] }).warnings.filter((w) => w.startsWith('MAC'))).toEqual([]);
  });

  it('reuses the parent’s MACVLAN network for a second vPLC on the same LAN', async () => {
    const nets = await docker.listNetworks({ filters: { label: [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=lan-net`] } });
    const onParent = nets.filter((n) => n.Options?.parent === parents[0]!.name);
    expect(onParent).toHaveLength(1);
  });

  it('reuses a network that appeared concurrently when Docker reports a pool overlap', async () => {
    const foreign = `vt-${run}-race`;
    const parent = parents[3]!;
    const subnet = lanSubnet(slot, 4);
    const racing = await openOrchestrator({}, {
      fault: async (point, key) => {
        if (point === 'before-lan-create' && key === parent.name) {
          await docker.createNetwork({ Name: foreign, Driver: 'macvlan', Options: { parent: parent.name }, IPAM: { Config: [{ Subnet: subnet }] }, Labels: { [TEST_LABEL]: run } });
        }
      },
    });
    try {
      const ack = await racing.orch.create({ name: `vt-${run}-race`, runtimeVersion: 'latest', vnics: [staticVnic(parent, 4, 30, '02:5a:00:00:04:01')] }, 'cli');
      expect(ack.status).toBe('creating');
      await racing.orch.settled(`vt-${run}-race`);
      const status = await racing.orch.status(`vt-${run}-race`);
      expect(status).toMatchObject({ status: 'success' });
      expect(Object.keys(status.networks as object)).toEqual([foreign]);
    } finally {
      await racing.dispose();
      await docker.getNetwork(foreign).remove().catch(() => undefined);
    }
  });

  it('refuses a duplicate name in the ack and records no error state', async () => {
    const ack = await fx.orch.create({ name: `vt-${run}-one`, runtimeVersion: 'latest', vnics: [] }, 'cli');
    // The local API gets the typed code and field; the cloud the ack exactly as before.
    expect(ack).toEqual({ status: 'error', error: 'Container name is already in use', code: 'CONFLICT', field: 'name' });
    expect(cloudAck(ack)).toEqual({ status: 'error', error: 'Container name is already in use' });
    expect(await fx.orch.status(`vt-${run}-one`)).toMatchObject({ status: 'success' });
  });

  it('refuses the name of an unmanaged container too', async () => {
    const name = `vt-${run}-foreign`;
    await docker.createContainer({ name, Image: 'vplc-test/nethelper:latest', Cmd: ['sleep', '60'], Labels: { [TEST_LABEL]: run } });
    const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli');
    expect(cloudAck(ack)).toEqual({ status: 'error', error: 'Container name is already in use' });
    expect(ack).toMatchObject({ code: 'CONFLICT', field: 'name' });
  });

  it('fails validation on a MAC that is already in use on the parent, leaving nothing behind', async () => {
    const name = `vt-${run}-macclash`;
    const status = await createAndSettle({ name, runtimeVersion: 'latest', vnics: [staticVnic(parents[0]!, 1, 40, '02:5a:00:00:01:01')] });
    expect(status).toMatchObject({ status: 'error', operation: 'create', error: 'MAC address 02:5a:00:00:01:01 is already in use.' });
    expect(await docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } })).toEqual([]);
  });

  it('fails validation on a static IP outside its subnet', async () => {
    const name = `vt-${run}-outside`;
    const vnic = { ...staticVnic(parents[1]!, 2, 41, '02:5a:00:00:05:01'), ip: '198.18.250.9' };
    const status = await createAndSettle({ name, runtimeVersion: 'latest', vnics: [vnic] });
    expect(status).toMatchObject({ status: 'error', error: `Static IP 198.18.250.9 of vNIC 'lan2' is outside subnet ${lanSubnet(slot, 2)}` });
  });

  it('fails on a runtime version that exists neither in a registry nor locally', async () => {
    const name = `vt-${run}-noimage`;
    const status = await createAndSettle({ name, runtimeVersion: 'no-such-tag', vnics: [] });
    expect(status.status).toBe('error');
    expect(String(status.error)).toMatch(/^(Runtime version 'no-such-tag' not found\. The image vplc-test\/openplc-runtime:no-such-tag does not exist in the registry or locally\.|Runtime image vplc-test\/openplc-runtime:no-such-tag is not on this PC and could not be pulled \(.+\)\.) /);
    // The fix is in the message: load the image from a file, or give the PC its registry (Docker Hub for this repository).
    expect(String(status.error)).toMatch(/Load it with `vplc-orchestrator image load FILE` \(or Runtime images → Load in the UI\), or connect this PC to docker\.io\.$/);
    expect(await docker.listNetworks({ filters: { name: [`${name}_internal`] } })).toEqual([]);
  });

  it('rolls back every resource of an operation that fails mid-pipeline', async () => {
    const failing = await openOrchestrator({}, {
      fault: (point) => {
        if (point === 'before-start') throw new Error('injected failure before start');
      },
    });
    const name = `vt-${run}-rollback`;
    try {
      const ack = await failing.orch.create({ name, runtimeVersion: 'latest', vnics: [staticVnic(parents[2]!, 3, 50, '02:5a:00:00:06:01')] }, 'cli');
      expect(ack.status).toBe('creating');
      await failing.orch.settled(name);
      expect(await failing.orch.status(name)).toMatchObject({ status: 'error', error: 'injected failure before start' });
      const label = `${Label.instance}=${failing.orch.installationId}`;
      // The warm ARP probe helper is the agent's, not the operation's (it exits when idle): everything else is gone.
      const left = await docker.listContainers({ all: true, filters: { label: [label] } });
      expect(left.filter((c) => c.Labels[Label.role] !== 'probe-helper')).toEqual([]);
      expect(left.filter((c) => c.Labels[Label.vplc] !== undefined)).toEqual([]);
      expect(await docker.listNetworks({ filters: { label: [label] } })).toEqual([]);
      expect(await failing.orch.list()).toEqual([]);
    } finally {
      await failing.dispose();
    }
  });

  it('clears the error state when the next operation on that name succeeds', async () => {
    const name = `vt-${run}-outside`;
    expect((await fx.orch.status(name)).status).toBe('error');
    const status = await createAndSettle({ name, runtimeVersion: 'v2', vnics: [staticVnic(parents[1]!, 2, 42, '02:5a:00:00:05:02')] });
    expect(status).toMatchObject({ status: 'success', is_running: true });
    const info = await waitFor(() => docker.getContainer(name).inspect(), (i) => i.State.Running, { timeoutMs: 5_000, what: 'running' });
    expect(info.Config.Image).toBe('vplc-test/openplc-runtime:v2');
  });
});
