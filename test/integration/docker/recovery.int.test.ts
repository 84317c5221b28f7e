// Crash recovery and self-destruct on a real dockerd: an agent that dies mid-create, a corrupt desired-state file,
// a DHCP-mode vNIC (attached; its DHCP client is tested in test/integration/netns), and removal of everything ours.
// Runtime: about 20-30 s on 2 cores.
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label, ownLabels } from '../../../electron/workers/orchestrator/docker/labels.js';
import { docker, NETHELPER_IMAGE, removeByLabels, wireLinks } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, TEST_LABEL, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
let parent: VethParent;
const fixtures: OrchestratorFixture[] = [];
const open = async (...args: Parameters<typeof openOrchestrator>): Promise<OrchestratorFixture> => {
  const fx = await openOrchestrator(...args);
  fixtures.push(fx);
  return fx;
};
const ownResources = async (instance: string): Promise<{ containers: number; networks: number }> => ({
  containers: (await docker.listContainers({ all: true, filters: { label: [`${Label.instance}=${instance}`] } })).length,
  networks: (await docker.listNetworks({ filters: { label: [`${Label.instance}=${instance}`] } })).length,
});

beforeAll(() => {
  parent = createVethParent(run, 9, `${lanAddress(slot, 9, 254)}/24`);
});

afterAll(async () => {
  await removeByLabels({ run });
  for (const fx of fixtures) await fx.dispose();
  parent?.dispose();
});

describe('one-shot helpers an engine or agent stop left behind', () => {
  it('are removed at the next agent start; a running helper (an operation in flight) is left alone, a warm probe helper is not', async () => {
    const fx = await open();
    const labels = { ...ownLabels(fx.orch.installationId, 'helper', { vplc: `vt-${run}-gone` }), [TEST_LABEL]: run };
    // Created and never started, and one that ran and exited: what an engine stop under a helper leaves.
    await docker.createContainer({ Image: NETHELPER_IMAGE, Cmd: ['true'], Labels: labels, name: `vt-${run}-helper-created` });
    const exited = await docker.createContainer({ Image: NETHELPER_IMAGE, Cmd: ['true'], Labels: labels, name: `vt-${run}-helper-exited` });
    await exited.start();
    await exited.wait();
    const running = await docker.createContainer({ Image: NETHELPER_IMAGE, Cmd: ['sleep', '60'], Labels: labels, name: `vt-${run}-helper-running` });
    await running.start();
    // A warm ARP probe helper an earlier agent or engine run left running: never this agent's, so it goes too.
    const warmLabels = { ...ownLabels(fx.orch.installationId, 'probe-helper'), [TEST_LABEL]: run };
    const warm = await docker.createContainer({ Image: NETHELPER_IMAGE, Cmd: ['sleep', '60'], Labels: warmLabels, name: `vt-${run}-probe-helper` });
    await warm.start();
    await fx.reopen();
    const warmLeft = await docker.listContainers({ all: true, filters: { label: [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=probe-helper`] } });
    expect(warmLeft).toEqual([]);
    const left = await docker.listContainers({ all: true, filters: { label: [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=helper`] } });
    expect(left.map((c) => c.Id)).toEqual([running.id]);
    await running.remove({ force: true });
  });
});

describe('an agent that dies in the middle of a create', () => {
  it('removes the partial resources on the next start and resumes the create from the stored spec', async () => {
    const name = `vt-${run}-interrupted`;
    let frozenAt: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (frozenAt = resolve));
    const fx = await open({}, {
      // The first agent freezes for good right before starting the container, like a process that was killed there.
      // The test goes on only once it got there: until then the first agent is still connecting the container.
      fault: (point) => {
        if (point !== 'before-start') return undefined;
        frozenAt();
        return new Promise<void>(() => undefined);
      },
    });
    expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, 9, 10), subnet: lanSubnet(slot, 9), dns: [] }] }, 'cli')).status).toBe('creating');
    await reached;
    const frozen = (await docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } }))[0];
    expect(frozen?.State).toBe('created');

    const second = await fx.reopen({ fault: () => undefined });
    expect(second.adoption?.resumeFromSpec).toEqual([name]);
    await second.startLifecycle({ sampleUsage: false });
    expect(await second.status(name)).toMatchObject({ status: 'creating', operation: 'create' });
    await second.settled(name);
    expect(await second.status(name)).toMatchObject({ status: 'success', is_running: true });
    const now = await docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } });
    expect(now).toHaveLength(1);
    expect(now[0]?.Id).not.toBe(frozen?.Id);
    await second.close({ graceMs: 1_000 });
  });
});

describe('a corrupt desired-state file', () => {
  it('is quarantined and reported, and the running vPLC is adopted as it is, not removed', async () => {
    const fx = await open();
    const name = `vt-${run}-corrupt`;
    await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli');
    await fx.orch.settled(name);
    const startedAt = (await docker.getContainer(name).inspect()).State.StartedAt;
    await fx.orch.close();
    writeFileSync(path.join(fx.dataDir, 'vplc_state.json'), '{"truncated": ');

    const second = await fx.reopen({});
    await second.startLifecycle({ sampleUsage: false });
    expect(readdirSync(fx.dataDir).some((f) => /^vplc_state\.json\.corrupt-\d+$/.test(f))).toBe(true);
    expect((await second.hostWarnings()).some((w) => w.includes('vplc_state.json was corrupt'))).toBe(true);
    const status = await second.status(name);
    expect(status).toMatchObject({ status: 'success', is_running: true });
    expect((status.orchestrator_state as { warnings: string[] }).warnings[0]).toMatch(/^unknown to the desired state/);
    expect((await docker.getContainer(name).inspect()).State.StartedAt).toBe(startedAt);

    // Its explicit stop is persisted even without a record, so nothing automatic undoes it.
    expect(await second.stop(name, 'ui')).toMatchObject({ status: 'success', container_status: 'exited' });
    await second.close({ graceMs: 1_000 });
    const third = await fx.reopen({});
    await third.startLifecycle({ sampleUsage: false });
    await third.settled();
    expect((await docker.getContainer(name).inspect()).State.Running).toBe(false);
    expect(await third.start(name, 'ui')).toMatchObject({ status: 'success', container_status: 'running' });
  });
});

describe('a delete that fails before the container is removed', () => {
  it('leaves the vPLC managed and running, with no tombstone for the next start to act on', async () => {
    const name = `vt-${run}-keepme`;
    const fx = await open({}, {
      fault: (point) => {
        if (point === 'before-container-removed') throw new Error('injected delete failure');
      },
    });
    await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli');
    await fx.orch.settled(name);
    await fx.orch.delete(name, 'cloud');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'error', operation: 'delete', error: 'injected delete failure' });
    expect(await fx.orch.start(name, 'ui')).toMatchObject({ status: 'success' });
    await fx.orch.close({ graceMs: 1_000 });

    const second = await fx.reopen({ fault: () => undefined });
    expect(second.adoption?.resumeDeletes).toEqual([]);
    await second.startLifecycle({ sampleUsage: false });
    await second.settled();
    expect(await second.status(name)).toMatchObject({ status: 'success', is_running: true, orchestrator_state: { desired_state: 'running' } });
  });
});

describe('a DHCP-mode vNIC', () => {
  it('attaches with its requested MAC on the wire, runs a DHCP helper in its namespace and keeps no Docker address on a LAN without a server', async () => {
    const fx = await open();
    const name = `vt-${run}-dhcp`;
    const mac = '02:5a:00:00:09:01';
    await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'plant', parentInterface: parent.name, mode: 'dhcp', dns: [], mac }] }, 'cli');
    await fx.orch.settled(name);
    const status = await fx.orch.status(name);
    expect(status).toMatchObject({ status: 'success', is_running: true });
    const [net] = Object.values(status.networks as Record<string, { ip_address: string | null; mac_address: string }>);
    // Docker's IPAM address on a DHCP vNIC is never reported, nor left on the plant LAN.
    expect(net).toMatchObject({ ip_address: null, mac_address: mac });
    const links = await wireLinks((await docker.getContainer(name).inspect()).Id, run);
    expect(links.find((l) => l.mac === mac)?.ipv4).toEqual([]);
    const helpers = await docker.listContainers({ filters: { label: [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=dhcp`, `${Label.vplc}=${name}`] } });
    expect(helpers).toHaveLength(1);
    expect(helpers[0]?.HostConfig.NetworkMode).toBe(`container:${(await docker.getContainer(name).inspect()).Id}`);
  });
});

describe('self-destruct', () => {
  it('removes every resource of this installation and its state, and nothing else', async () => {
    const fx = await open();
    await fx.orch.create({ name: `vt-${run}-sd1`, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, 9, 40), subnet: lanSubnet(slot, 9), dns: [] }] }, 'cli');
    await fx.orch.create({ name: `vt-${run}-sd2`, runtimeVersion: 'latest', vnics: [] }, 'cli');
    await fx.orch.settled();
    const bystander = await docker.createContainer({ name: `vt-${run}-bystander`, Image: 'vplc-test/nethelper:latest', Cmd: ['sleep', '300'], Labels: { [TEST_LABEL]: run } });
    await bystander.start();

    let removedSelf = false;
    expect(fx.orch.selfDestruct(async () => void (removedSelf = true))).toEqual({
      status: 'accepted',
      message: "Self-destruct initiated. Poll get_device_status with device_id='__orchestrator__' for progress.",
      poll_device_id: '__orchestrator__',
    });
    expect(await fx.orch.create({ name: `vt-${run}-late`, runtimeVersion: 'latest', vnics: [] }, 'cloud')).toEqual({ status: 'error', error: 'Self-destruct operation in progress' });
    expect(fx.orch.selfDestruct(async () => undefined)).toEqual({ status: 'error', error: 'Self-destruct operation already in progress' });
    expect(await fx.orch.status('__orchestrator__')).toMatchObject({ status: 'deleting', operation: 'delete' });
    await fx.orch.settled();

    expect(removedSelf).toBe(true);
    expect(await fx.orch.status('__orchestrator__')).toEqual({ status: 'not_found', device_id: '__orchestrator__', message: 'Container __orchestrator__ does not exist' });
    expect(await ownResources(fx.orch.installationId)).toEqual({ containers: 0, networks: 0 });
    expect(readdirSync(fx.dataDir).filter((f) => f.endsWith('.json') && f !== 'installation.json')).toEqual([]);
    expect((await bystander.inspect()).State.Running).toBe(true);
  });
});
