// The crash-loop window survives an agent restart: a vPLC whose restarts were suspended stays suspended (same count,
// same resume time) when the orchestrator is closed and opened again on the same data dir, and is not started by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { STANDIN_CRASHY_IMAGE } from '../../images/build.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-loop`;
const watchdog = { delayMs: 300, settleMs: 100, pollMs: 1_000, resubscribeMs: 500, maxRestarts: 3, windowMs: 600_000 };
type GuardState = { restarts_in_window?: number; restart_suspended?: boolean; restarts_resume_at?: string };
const guardState = async (o: Orchestrator): Promise<GuardState> => ((await o.status(name)).orchestrator_state ?? {}) as GuardState;
let fx: OrchestratorFixture;

beforeAll(async () => {
  expect(STANDIN_CRASHY_IMAGE.endsWith(':crashy')).toBe(true);
  fx = await openOrchestrator({ watchdog });
  await fx.orch.startLifecycle({ sampleUsage: false });
  expect((await fx.orch.create({ name, runtimeVersion: 'crashy', vnics: [] }, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success' });
}, 120_000);

afterAll(async () => {
  await fx?.dispose();
});

describe('crash-loop window across an agent restart', () => {
  it('stays suspended with the same count and resume time, and the new agent does not start it', async () => {
    const before = await waitFor(() => guardState(fx.orch), (s) => s.restart_suspended === true, { timeoutMs: 60_000, intervalMs: 500, what: 'the crash loop to be suspended' });
    expect(before.restarts_in_window).toBe(watchdog.maxRestarts);
    await fx.orch.close({ graceMs: 5_000 });
    const finishedAt = (await docker.getContainer(name).inspect()).State.FinishedAt;

    const again = await fx.reopen();
    await again.startLifecycle({ sampleUsage: false });
    const after = await guardState(again);
    expect(after).toMatchObject({ restart_suspended: true, restarts_in_window: watchdog.maxRestarts });
    // The same instant, give or take the rounding of the wall clock through the file.
    expect(Math.abs(Date.parse(after.restarts_resume_at ?? '') - Date.parse(before.restarts_resume_at ?? ''))).toBeLessThan(1_000);
    // Boot sync and two watchdog polls later, nothing started it.
    await new Promise((r) => setTimeout(r, watchdog.pollMs * 3));
    const info = await docker.getContainer(name).inspect();
    expect(info.State.Running).toBe(false);
    expect(info.State.FinishedAt).toBe(finishedAt);
  });
});
