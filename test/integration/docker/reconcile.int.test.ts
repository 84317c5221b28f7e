// The desired-state loop on a real engine: one cycle repairs each kind of drift in priority order (a tombstoned
// leftover removed, a stopped vPLC that should run started, a missing container recreated from its stored spec), one
// change per vPLC; a running vPLC whose container differs from its spec is only reported as pending and not touched;
// a container without a desired record is adopted, never removed. Once the change is confirmed, the next cycle
// recreates the drifted vPLC with the stored spec, keeping its generated MAC on the wire. Runtime: about 30-45 s.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeByLabels, wireLinks } from '../../support/docker.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { StateStore } from '../../../electron/workers/orchestrator/store/state-store.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const [tomb, stopped, missing, drifted, orphan] = ['tomb', 'stop', 'miss', 'drift', 'orph'].map((s) => `vt-${run}-${s}`) as [string, string, string, string, string];
const slot = workerSlot();
let fx: OrchestratorFixture;
let orch: Orchestrator;
let parent: VethParent;
const inspect = (n: string) => docker.getContainer(n).inspect();
const exists = async (n: string): Promise<boolean> => inspect(n).then(() => true, () => false);

beforeAll(async () => {
  parent = createVethParent(run, 15, `${lanAddress(slot, 15, 254)}/24`);
  fx = await openOrchestrator();
  for (const name of [tomb, stopped, missing, orphan]) expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  const lan = { name: 'lan', parentInterface: parent.name, mode: 'static' as const, ip: lanAddress(slot, 15, 61), dns: [] };
  expect((await fx.orch.create({ name: drifted, runtimeVersion: 'latest', vnics: [lan] }, 'cli')).status).toBe('creating');
  await fx.orch.settled();
  // The drift is written while no agent runs (as a crash or a hand edit would leave it); the next agent finds it.
  await fx.orch.close({ graceMs: 5_000 });
  const store = new StateStore(fx.dataDir);
  await store.load();
  await store.patchDesired(tomb, { tombstone: true, desired_state: 'stopped' });
  execFileSync('docker', ['stop', '-t', '0', stopped], { stdio: 'ignore' });
  execFileSync('docker', ['rm', '-f', missing], { stdio: 'ignore' });
  const d = store.getDesired(drifted);
  await store.patchDesired(drifted, { spec: { ...d!.spec!, runtimeVersion: 'v2' }, runtime_image: 'vplc-test/openplc-runtime:v2' });
  await store.dropDesired(orphan);
  orch = await fx.reopen();
});

afterAll(async () => {
  await fx?.dispose();
  await removeByLabels({ run });
  parent?.dispose();
});

describe('one reconcile cycle', () => {
  let before: { id: string; startedAt: string };

  it('repairs in priority order, one change per vPLC, and reports what it may not change', async () => {
    const d = await inspect(drifted);
    before = { id: d.Id, startedAt: d.State.StartedAt };
    const r = await orch.reconcileOnce();
    expect(r?.actions.map((a) => [a.kind, a.vplc, a.result])).toEqual([
      ['remove-tombstoned', tomb, 'done'],
      ['start', stopped, 'done'],
      ['create', missing, 'done'],
    ]);
    expect(r?.outcome).toBe('repaired');
    expect(r?.pending).toEqual([{ vplc: drifted, reason: expect.stringContaining('differs from the stored spec') }]);
    expect(r?.adopted).toEqual([orphan]);
  });

  it('leaves Docker in the repaired state and the drifted and adopted vPLCs untouched', async () => {
    await orch.settled();
    expect(await exists(tomb)).toBe(false);
    expect((await inspect(stopped)).State.Running).toBe(true);
    expect(await orch.status(missing)).toMatchObject({ status: 'success', is_running: true });
    const d = await inspect(drifted);
    expect({ id: d.Id, startedAt: d.State.StartedAt }).toEqual(before);
    expect((await inspect(orphan)).State.Running).toBe(true);
  });

  it('finds nothing more to do on the next cycle', async () => {
    const r = await orch.reconcileOnce();
    expect(r?.actions).toEqual([]);
    expect(r?.outcome).toBe('in-sync');
    expect(r?.pending.map((p) => p.vplc)).toEqual([drifted]);
    expect(orch.reconcileStatus()).toMatchObject({ state: 'idle', cycles: 2 });
  });

  it('recreates the drifted vPLC once the change is confirmed, with the new image and the same MAC on the wire', async () => {
    const mac = orch.vnicRecords(drifted)[0]?.mac_address;
    expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const status = await orch.status(drifted);
    expect((status.orchestrator_state as { pending_changes: string[] }).pending_changes).toEqual([expect.stringContaining('differs from the stored spec')]);
    expect(await orch.applyPendingChanges(drifted, 'ui')).toEqual({ status: 'success', message: `Applying the pending changes of ${drifted}` });
    // The confirm started a cycle; this call joins it.
    const r = await orch.reconcileOnce();
    expect(r?.actions.map((a) => [a.kind, a.vplc, a.result])).toEqual([['redeploy', drifted, 'done']]);
    await orch.settled();
    const after = await inspect(drifted);
    expect(after.Id).not.toBe(before.id);
    expect(after.Config.Image).toBe('vplc-test/openplc-runtime:v2');
    expect(orch.vnicRecords(drifted)[0]?.mac_address).toBe(mac);
    expect((await wireLinks(after.Id, run)).map((l) => l.mac)).toContain(mac);
    const next = await orch.reconcileOnce();
    expect(next?.actions).toEqual([]);
    expect(next?.pending).toEqual([]);
  });
});
