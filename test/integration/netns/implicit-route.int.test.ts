// A static vNIC without a gateway gets no default route (docs/networking.md): Docker's IPAM gives the MACVLAN network
// the subnet's first address as gateway and puts a default route through it into the container; the agent removes it
// after every start. A static vNIC with a gateway keeps its route. Helper containers are named after their vPLC and
// role (the DHCP client of a vNIC here), their labels unchanged.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 9;
let parent: VethParent;
let fx: OrchestratorFixture;

const routes = async (name: string): Promise<string> => {
  const pid = (await docker.getContainer(name).inspect()).State.Pid;
  return execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', '-4', 'route', 'show'], { encoding: 'utf8' });
};
const defaults = async (name: string): Promise<string[]> => (await routes(name)).split('\n').filter((l) => l.startsWith('default'));

const staticSpec = (name: string, host: number, gateway?: string): VplcSpec => ({
  name,
  runtimeVersion: 'latest',
  vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, LAN, host), subnet: lanSubnet(slot, LAN), ...(gateway ? { gateway } : {}), dns: [] }],
});

beforeAll(async () => {
  // The host end has an address but no default route through it: the parent offers no gateway to fill in.
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  fx = await openOrchestrator();
}, 60_000);

afterAll(async () => {
  await fx?.dispose();
  parent?.dispose();
});

describe('a static vNIC without a gateway', () => {
  const name = `vt-${run}-nogw`;

  it('has no default route inside the vPLC, only its own subnet', async () => {
    expect((await fx.orch.create(staticSpec(name, 40), 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    const all = await waitFor(() => routes(name), (r) => !r.includes('default'), { timeoutMs: 15_000, what: 'the default route to go' });
    expect(all).toContain(lanSubnet(slot, LAN));
    expect(await defaults(name)).toEqual([]);
    // The status says so too: no gateway, although Docker records the network's first address as one.
    const networks = Object.values(((await fx.orch.status(name)) as { networks?: Record<string, { gateway: string | null }> }).networks ?? {});
    expect(networks.map((n) => n.gateway)).toEqual([null]);
  });

  it('still has none after a restart (Docker adds it again on every start)', async () => {
    expect(await fx.orch.restart(name, 'cli')).toMatchObject({ status: 'success' });
    expect(await defaults(name)).toEqual([]);
    expect(await routes(name)).toContain(lanSubnet(slot, LAN));
  });
});

describe('a static vNIC with a gateway', () => {
  it('keeps its default route through that gateway', async () => {
    const name = `vt-${run}-gw`;
    const gw = lanAddress(slot, LAN, 1);
    expect((await fx.orch.create(staticSpec(name, 41, gw), 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    expect((await defaults(name)).join('\n')).toContain(`default via ${gw}`);
    const networks = Object.values(((await fx.orch.status(name)) as { networks?: Record<string, { gateway: string | null }> }).networks ?? {});
    expect(networks.map((n) => n.gateway)).toEqual([gw]);
  });
});

describe('helper containers', () => {
  it('are named after their vPLC and role; the DHCP client also names its vNIC', async () => {
    const name = `vt-${run}-dhcp`;
    expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'dhcp', dns: [] }] }, 'cli')).status).toBe('creating');
    const helpers = await waitFor(
      () => docker.listContainers({ all: true, filters: { label: [`${Label.role}=dhcp`, `${Label.vplc}=${name}`] } }),
      (l) => l.length === 1,
      { timeoutMs: 30_000, what: 'the DHCP helper' },
    );
    expect(helpers[0]?.Names).toEqual([expect.stringMatching(new RegExp(`^/${name}-dhcp-lan-[0-9a-f]{6}$`))]);
    expect(helpers[0]?.Labels).toMatchObject({ [Label.role]: 'dhcp', [Label.vplc]: name, [Label.vnic]: 'lan', [Label.instance]: fx.orch.installationId });
    await fx.orch.settled(name);
  });
});
