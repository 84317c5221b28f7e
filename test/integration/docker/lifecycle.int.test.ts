// Lifecycle on a real dockerd: delete, watchdog restarts, crash-loop guard, explicit stop, re-adoption after a restart.
// Runtime: about 40-70 s on 2 cores (watchdog delays are shortened through settings, not faked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudAck } from '../../../shared/api/errors.js';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, TEST_LABEL, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
let parent: VethParent;
let fx: OrchestratorFixture;

const watchdog = { delayMs: 300, settleMs: 100, pollMs: 2_000, resubscribeMs: 500, maxRestarts: 3, windowMs: 600_000 };

const spec = (name: string, host: number, version = 'latest'): VplcSpec => ({
  name,
  runtimeVersion: version,
  vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, 8, host), subnet: lanSubnet(slot, 8), dns: [] }],
});

async function created(name: string, host: number, version?: string): Promise<void> {
  expect((await fx.orch.create(spec(name, host, version), 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
}

const startedAt = async (name: string): Promise<string> => (await docker.getContainer(name).inspect()).State.StartedAt;
const running = async (name: string): Promise<boolean> => (await docker.getContainer(name).inspect()).State.Running;

beforeAll(async () => {
  parent = createVethParent(run, 8, `${lanAddress(slot, 8, 254)}/24`);
  fx = await openOrchestrator({ watchdog });
  await fx.orch.startLifecycle({ sampleUsage: false });
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
});

describe('watchdog', () => {
  it('restarts a vPLC whose runtime exits', async () => {
    const name = `vt-${run}-wd`;
    await created(name, 10);
    const before = await startedAt(name);
    const res = await fx.orch.runCommand({ device_id: name, method: 'POST', api: '/standin/exit', params: { code: 3 } });
    expect(res.status).toBe('success');
    await waitFor(() => startedAt(name), (s) => s !== before, { timeoutMs: 20_000, what: 'a new StartedAt' });
    expect(await running(name)).toBe(true);
    expect((await fx.orch.status(name)).orchestrator_state).toMatchObject({ restarts_in_window: 1, restart_suspended: false });
  });

  it('respects an explicit stop', async () => {
    const name = `vt-${run}-wd`;
    expect(await fx.orch.stop(name, 'ui')).toMatchObject({ status: 'success', container_status: 'exited', message: expect.stringMatching(new RegExp(`^Container ${name} stopped cleanly in `)) });
    // Two poll periods: the watchdog had every chance to undo the stop.
    await new Promise((r) => setTimeout(r, watchdog.pollMs * 2 + watchdog.delayMs));
    expect(await running(name)).toBe(false);
    expect((await fx.orch.status(name)).orchestrator_state).toMatchObject({ desired_state: 'stopped' });
    expect(await fx.orch.start(name, 'ui')).toMatchObject({ status: 'success', container_status: 'running' });
  });

  it('pauses restarts of a crash-looping vPLC and reports it', async () => {
    const name = `vt-${run}-crashy`;
    await created(name, 11, 'crashy');
    const status = await waitFor(() => fx.orch.status(name), (s) => (s.orchestrator_state as { restart_suspended?: boolean } | undefined)?.restart_suspended === true, {
      timeoutMs: 45_000,
      intervalMs: 500,
      what: 'restart_suspended',
    });
    expect(status.orchestrator_state).toMatchObject({ restarts_in_window: watchdog.maxRestarts, restart_suspended: true });
    expect(status.is_running).toBe(false);
    const exitedAt = (await docker.getContainer(name).inspect()).State.FinishedAt;
    await new Promise((r) => setTimeout(r, watchdog.pollMs + watchdog.delayMs + 500));
    expect(await running(name)).toBe(false);
    expect((await docker.getContainer(name).inspect()).State.FinishedAt).toBe(exitedAt);
  });
});

describe('delete', () => {
  it('removes a managed vPLC, its internal network, its records and the unused MACVLAN network', async () => {
    const name = `vt-${run}-del`;
    await created(name, 12);
    expect(await fx.orch.delete(name, 'cli')).toEqual({ status: 'deleting', device_id: name, message: `Container deletion started for ${name}` });
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toEqual({ status: 'not_found', device_id: name, message: `Container ${name} does not exist` });
    expect(await docker.listNetworks({ filters: { name: [`${name}_internal`] } })).toEqual([]);
    expect((await fx.orch.list()).map((v) => v.name)).not.toContain(name);
  });

  it('refuses an unmanaged container of the same name and leaves it untouched', async () => {
    const name = `vt-${run}-unmanaged`;
    const c = await docker.createContainer({ name, Image: 'vplc-test/nethelper:latest', Cmd: ['sleep', '300'], Labels: { [TEST_LABEL]: run } });
    await c.start();
    const ack = await fx.orch.delete(name, 'cloud');
    expect(cloudAck(ack)).toEqual({ status: 'error', error: `Container ${name} is not managed by this orchestrator` });
    expect(ack).toMatchObject({ code: 'FORBIDDEN' });
    expect((await c.inspect()).State.Running).toBe(true);
  });

  it('keeps the MACVLAN network of a stopped vPLC when a neighbour on the same parent is deleted', async () => {
    const stopped = `vt-${run}-sleeper`;
    const neighbour = `vt-${run}-neighbour`;
    await created(stopped, 13);
    await created(neighbour, 14);
    expect(await fx.orch.stop(stopped, 'ui')).toMatchObject({ status: 'success' });
    await fx.orch.delete(neighbour, 'cli');
    await fx.orch.settled(neighbour);
    expect(await fx.orch.start(stopped, 'ui')).toMatchObject({ status: 'success', container_status: 'running' });
    expect(Object.keys((await fx.orch.status(stopped)).networks as object)).toEqual([`macvlan_${parent.name}_${lanSubnet(slot, 8).replace('/', '_')}`]);
  });

  it('garbage-collects the MACVLAN network once no managed vPLC uses it', async () => {
    for (const v of await fx.orch.list()) {
      await fx.orch.delete(v.name, 'cli');
      await fx.orch.settled(v.name);
    }
    const label = [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=lan-net`];
    expect(await docker.listNetworks({ filters: { label } })).toEqual([]);
  });
});

describe('re-adoption after an agent restart', () => {
  it('adopts running vPLCs without restarting them', async () => {
    const names = [`vt-${run}-keep1`, `vt-${run}-keep2`];
    await created(names[0]!, 20);
    await created(names[1]!, 21);
    const before = await Promise.all(names.map(startedAt));
    await fx.orch.close();

    const second = await fx.reopen({});
    expect(second.installationId).toBe(fx.orch.installationId);
    expect([...(second.adoption?.adopted ?? [])].sort()).toEqual([...names].sort());
    await second.startLifecycle({ sampleUsage: false });
    expect(await Promise.all(names.map(startedAt))).toEqual(before);
    for (const n of names) expect(await second.status(n)).toMatchObject({ status: 'success', is_running: true });
    await second.close();
  });
});
