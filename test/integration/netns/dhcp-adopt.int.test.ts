// DHCP helpers survive an agent restart: a DHCP vPLC leases, the orchestrator closes (helpers keep running, nobody
// follows them), a new orchestrator opens on the same data dir and adopts the running helper; the LAN is then
// renumbered and the client forced to lease again, and the new lease must reach the vNIC record and status.
// Runtime: about 30-60 s on 2 cores (stand-in runtime start, udhcpc discover timing).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../../electron/workers/orchestrator/store/state-store.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { createLan, readdressHost, type Lan } from '../../support/lan.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const base = `198.18.${slot * 16 + 7}`;
const name = `vt-${run}-adopt`;
const mac = '02:5a:10:00:00:07';
let lan: Lan;
let parent: VethParent;
let fx: OrchestratorFixture;
let reopened: Orchestrator;

type Net = { ip_address: string | null };
const leaseIn = async (orch: Orchestrator, from: number, to: number): Promise<string | null> => {
  const nets = ((await orch.status(name)).networks ?? {}) as Record<string, Net>;
  const ip = Object.values(nets).map((n) => n.ip_address ?? '').find((a) => a.startsWith(`${base}.`));
  const host = ip ? Number(ip.split('.')[3]) : NaN;
  return ip && host >= from && host <= to ? ip : null;
};
const helperIds = async (): Promise<string[]> =>
  (await docker.listContainers({ filters: { label: [`${Label.role}=dhcp`, `${Label.vplc}=${name}`] } })).map((c) => c.Id);

beforeAll(async () => {
  lan = createLan(run, 'd', base);
  parent = createVethParent(run, 7);
  lan.plug(parent.peer);
  readdressHost(parent.name, null, `${base}.254/24`, null);
  fx = await openOrchestrator();
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
  lan?.dispose();
});

describe('DHCP helpers across an agent restart', () => {
  it('records a lease changed after the restart, from the helper the previous agent started', async () => {
    const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'dhcp', dns: [], mac }] }, 'cli');
    expect(ack.status).toBe('creating');
    await fx.orch.settled(name);
    const first = await waitFor(() => leaseIn(fx.orch, 100, 150), (ip) => ip !== null, { timeoutMs: 60_000, what: 'a lease from the first pool' });
    const [helper] = await helperIds();
    expect(helper).toBeDefined();
    const before = await docker.getContainer(name).inspect();

    await fx.orch.close({ graceMs: 5_000 });
    reopened = await fx.reopen();
    expect(await helperIds()).toEqual([helper]);
    expect(await leaseIn(reopened, 100, 150)).toBe(first);

    // Renumber the LAN, then make udhcpc release its lease and start over (SIGUSR2, SIGUSR1).
    await lan.restartDhcp(160, 190);
    execFileSync('docker', ['kill', '--signal', 'USR2', helper as string], { stdio: 'ignore' });
    execFileSync('docker', ['kill', '--signal', 'USR1', helper as string], { stdio: 'ignore' });

    const second = await waitFor(() => leaseIn(reopened, 160, 190), (ip) => ip !== null, { timeoutMs: 60_000, what: 'the new lease recorded after the restart' });
    const vnic = reopened.vnicRecords(name).find((v) => v.name === 'lan');
    expect(vnic?.dhcp_ip).toBe(second);
    expect(await helperIds()).toEqual([helper]);
    const after = await docker.getContainer(name).inspect();
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
  });

  it('removes a helper whose vPLC is gone', async () => {
    const [helper] = await helperIds();
    expect(helper).toBeDefined();
    // The vPLC disappears while no agent runs (removed by hand, records gone).
    await reopened.close({ graceMs: 5_000 });
    await docker.getContainer(name).remove({ force: true });
    const store = new StateStore(fx.dataDir);
    await store.load();
    await store.dropVnics(name);
    await store.dropDesired(name);
    // Orchestrator.open adopts the running DHCP helpers before it returns.
    await fx.reopen();
    const all = await docker.listContainers({ all: true, filters: { label: [`${Label.role}=dhcp`, `${Label.vplc}=${name}`] } });
    expect(all.map((c) => c.Id)).not.toContain(helper);
  });
});
