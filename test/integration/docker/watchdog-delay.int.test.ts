// The crash-loop guard with a watchdog delay longer than the reconcile nudge (the production 3 s against 1 s): a `die`
// event nudges reconcile, which must leave the crashed vPLC to the watchdog so that every restart is counted.
// Runtime: about 20-30 s on 2 cores.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { NUDGE_MS } from '../../../electron/workers/orchestrator/reconcile/reconciler.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
let parent: VethParent;
let fx: OrchestratorFixture;

const watchdog = { delayMs: 2_500, settleMs: 100, pollMs: 2_000, resubscribeMs: 500, maxRestarts: 3, windowMs: 600_000 };

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

it('counts every restart of a crash-looping vPLC and suspends it, though reconcile is nudged first', async () => {
  expect(watchdog.delayMs).toBeGreaterThan(NUDGE_MS);
  const name = `vt-${run}-crashd`;
  const spec: VplcSpec = {
    name,
    runtimeVersion: 'crashy',
    vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, 8, 12), subnet: lanSubnet(slot, 8), dns: [] }],
  };
  expect((await fx.orch.create(spec, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  const status = await waitFor(() => fx.orch.status(name), (s) => (s.orchestrator_state as { restart_suspended?: boolean } | undefined)?.restart_suspended === true, {
    timeoutMs: 45_000,
    intervalMs: 500,
    what: 'restart_suspended',
  });
  expect(status.orchestrator_state).toMatchObject({ restarts_in_window: watchdog.maxRestarts, restart_suspended: true });
  // Suspended means nobody starts it again: neither the watchdog's poll nor a reconcile cycle.
  const exitedAt = (await docker.getContainer(name).inspect()).State.FinishedAt;
  await new Promise((r) => setTimeout(r, watchdog.pollMs + watchdog.delayMs + NUDGE_MS + 500));
  const after = await docker.getContainer(name).inspect();
  expect(after.State.Running).toBe(false);
  expect(after.State.FinishedAt).toBe(exitedAt);
});
