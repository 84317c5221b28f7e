// Start and restart answer `success` only once the runtime API answers (docs/lifecycle.md "Start and restart wait for
// the runtime"), against real stand-ins: `slow` opens its ports 8 s after its start, `nolisten` never does.
// Runtime: about 50 s on 2 cores (two creates that wait for their runtime, three restarts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestratorTarget } from '../../../electron/workers/orchestrator/cloud/adapter.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
type StateView = { starting?: { step: string; since: string }; warnings?: string[] };
const stateOf = async (o: Orchestrator, name: string): Promise<StateView> => ((await o.status(name)).orchestrator_state ?? {}) as StateView;

/** Polls the status while `action` runs; returns the action's result and every `starting` step seen meanwhile. */
async function watchingStatus<T>(o: Orchestrator, name: string, action: () => Promise<T>): Promise<{ result: T; steps: string[] }> {
  const steps: string[] = [];
  let done = false;
  const watcher = (async () => {
    while (!done) {
      const s = await stateOf(o, name);
      if (s.starting) steps.push(s.starting.step);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    return { result: await action(), steps };
  } finally {
    done = true;
    await watcher;
  }
}

/** True when a request reaches the runtime API through the agent's own proxy. */
async function runtimeAnswers(o: Orchestrator, name: string): Promise<boolean> {
  const res = await o.runCommand({ device_id: name, method: 'GET', api: '/binary', params: { size: 1 } });
  return 'http_response' in res;
}

describe('a runtime that answers late', () => {
  const name = `vt-${run}-slow`;
  let fx: OrchestratorFixture;

  beforeAll(async () => {
    fx = await openOrchestrator({ runtimeWaitMs: 30_000 });
    expect((await fx.orch.create({ name, runtimeVersion: 'slow', vnics: [] }, 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
  }, 90_000);

  afterAll(async () => {
    await fx?.dispose();
  });

  it('restart: success only after the runtime answered, with waiting_for_runtime visible meanwhile', async () => {
    const { result, steps } = await watchingStatus(fx.orch, name, () => fx.orch.restart(name, 'cli'));
    expect(result).toMatchObject({ status: 'success', container_status: 'running' });
    expect(steps).toContain('waiting_for_runtime');
    expect(await runtimeAnswers(fx.orch, name)).toBe(true);
    expect((await stateOf(fx.orch, name)).starting).toBeUndefined();
  }, 60_000);

  it('start after a stop: the same', async () => {
    expect(await fx.orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    const { result, steps } = await watchingStatus(fx.orch, name, () => fx.orch.start(name, 'cli'));
    expect(result).toMatchObject({ status: 'success', container_status: 'running', message: `Container ${name} started` });
    expect(steps).toContain('waiting_for_runtime');
    expect(await runtimeAnswers(fx.orch, name)).toBe(true);
  }, 60_000);
});

describe('a runtime that never answers', () => {
  const name = `vt-${run}-mute`;
  let fx: OrchestratorFixture;
  const runtimeWaitMs = 6_000;

  beforeAll(async () => {
    fx = await openOrchestrator({ runtimeWaitMs, controlBudgetMs: 2_000 });
    expect((await fx.orch.create({ name, runtimeVersion: 'nolisten', vnics: [] }, 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
  }, 90_000);

  afterAll(async () => {
    await fx?.dispose();
  });

  it('the local API answers `starting`; the status shows the wait, which ends by itself with a warning', async () => {
    const result = await fx.orch.restart(name, 'cli');
    expect(result).toMatchObject({ status: 'starting', container_status: 'running' });
    expect(result.status === 'starting' && result.message).toContain('still starting');
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true, orchestrator_state: { starting: { step: 'waiting_for_runtime' } } });
    expect((await fx.orch.list()).find((v) => v.name === name)?.operation).toBe('starting');

    const after = await waitFor(() => stateOf(fx.orch, name), (s) => s.starting === undefined, { timeoutMs: runtimeWaitMs + 10_000, intervalMs: 250, what: 'the runtime wait to end' });
    expect(after.warnings).toContain(`runtime API not answering after ${runtimeWaitMs / 1000} s`);
    expect((await fx.orch.list()).find((v) => v.name === name)?.operation).toBeNull();
  }, 60_000);

  it('the cloud ack keeps its vocabulary: success, running, and a message saying the runtime is still starting', async () => {
    const target = orchestratorTarget({ orchestrator: fx.orch, interfaces: { list: () => Promise.resolve([]) }, allowRemoteRemoval: () => false, removeSelf: () => Promise.resolve() });
    const ack = await target.execute('restart_device', { device_id: name });
    expect(ack).toMatchObject({ status: 'success', device_id: name, container_status: 'running' });
    expect(String(ack['message'])).toMatch(/still starting \(no answer within \d+ s\)/);
    // A new start cleared the old warning; a stop ends the wait at once.
    expect((await stateOf(fx.orch, name)).warnings).not.toContain(`runtime API not answering after ${runtimeWaitMs / 1000} s`);
    expect(await fx.orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    expect((await stateOf(fx.orch, name)).starting).toBeUndefined();
    // The background wait it ended leaves no warning on the stopped vPLC once its time has passed.
    await new Promise((r) => setTimeout(r, runtimeWaitMs + 1_000));
    expect((await stateOf(fx.orch, name)).warnings?.filter((w) => w.startsWith('runtime API'))).toEqual([]);
  }, 60_000);
});
