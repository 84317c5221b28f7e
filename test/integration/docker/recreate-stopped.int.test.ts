// A stopped vPLC stays stopped through a recreate (docs/editing.md "When an edit applies"): an edit of a stopped vPLC
// that needs a new container is applied at once by reconcile, and the new container is created but not started, so
// the PLC the operator stopped does not run its program again on its own. Runtime: about 10-20 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-rs`;
let fx: OrchestratorFixture;
const container = async (): Promise<{ id: string; running: boolean; startedAt: string; nanoCpus: number } | null> => {
  const c = await docker.getContainer(name).inspect().catch(() => null);
  return c ? { id: c.Id, running: c.State.Running, startedAt: c.State.StartedAt, nanoCpus: c.HostConfig.NanoCpus ?? 0 } : null;
};

beforeAll(async () => {
  fx = await openOrchestrator({ stopTimeoutSec: 2 });
  expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
}, 120_000);

afterAll(async () => {
  await fx?.dispose();
});

describe('a recreate of a stopped vPLC', () => {
  it('creates the new container with the edit and leaves it stopped', async () => {
    const before = await container();
    expect(before?.running).toBe(false);
    const spec = fx.orch.storedSpec(name)?.spec;
    expect(spec).toBeDefined();
    const ack = await fx.orch.edit(name, { ...spec!, quotas: { cpus: 1 } }, 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'now', path: 'recreate' });
    const after = await waitFor(
      async () => {
        const c = await container();
        if (c?.id === before?.id || c === null) await fx.orch.reconcileOnce();
        return c;
      },
      (c) => c !== null && c.id !== before?.id,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the vPLC recreated with the edit' },
    );
    await fx.orch.settled(name);
    expect(after?.nanoCpus).toBe(1e9);
    expect(await container()).toMatchObject({ id: after?.id, running: false, startedAt: '0001-01-01T00:00:00Z' });
    expect(fx.orch.desiredRecord(name)?.desired_state).toBe('stopped');
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: false });
    // Nothing more to do: a further cycle neither starts nor recreates it.
    expect((await fx.orch.reconcileOnce())?.actions).toEqual([]);
    expect((await container())?.running).toBe(false);
  }, 90_000);
});
