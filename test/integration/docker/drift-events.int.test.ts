// The reconcile loop's Docker event source against the real engine: a container of ours that is created, started,
// stopped or removed by anyone nudges a cycle, including `docker rm` of a stopped vPLC (no die event, so the watchdog
// never sees it); another installation's containers do not. Runtime: a few seconds.
import { afterAll, describe, expect, it } from 'vitest';
import type { OrchestratorContext } from '../../../electron/workers/orchestrator/context.js';
import { ownLabels } from '../../../electron/workers/orchestrator/docker/labels.js';
import { DriftEvents } from '../../../electron/workers/orchestrator/reconcile/drift-events.js';
import { docker, NETHELPER_IMAGE, removeByLabels } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, TEST_LABEL, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const instance = `vt-drift-${run}`;
const noop = (): void => undefined;
const ctx = { engine: { docker }, store: { installationId: instance }, log: { debug: noop, info: noop, warn: noop, error: noop } } as unknown as OrchestratorContext;

afterAll(async () => {
  await removeByLabels({ run });
});

const container = (name: string, inst: string) =>
  docker.createContainer({ name, Image: NETHELPER_IMAGE, Cmd: ['sleep', '60'], Labels: { ...ownLabels(inst, 'vplc', { vplc: name }), [TEST_LABEL]: run } });

describe('reconcile drift events', () => {
  it('nudges on changes of our containers only, including the removal of a stopped one', async () => {
    let nudges = 0;
    const events = new DriftEvents(ctx, () => void (nudges += 1), 500);
    events.start();
    try {
      await waitFor(() => events.subscribed, (v) => v, { timeoutMs: 10_000, intervalMs: 50, what: 'the event stream' });
      const foreign = await container(`vt-${run}-foreign`, `vt-other-${run}`);
      await foreign.start();
      await foreign.remove({ force: true });
      const ours = await container(`vt-${run}-ours`, instance);
      await waitFor(() => nudges, (n) => n >= 1, { timeoutMs: 10_000, intervalMs: 50, what: 'a nudge for the create' });
      await ours.start();
      await ours.stop({ t: 0 });
      const beforeRemove = await waitFor(() => nudges, (n) => n >= 3, { timeoutMs: 10_000, intervalMs: 50, what: 'nudges for start and stop' });
      await ours.remove();
      await waitFor(() => nudges, (n) => n > beforeRemove, { timeoutMs: 10_000, intervalMs: 50, what: 'a nudge for the removal of a stopped container' });
      // Ours made five events (create, start, die, stop, destroy; a chunk may carry several); the foreign container's
      // four (create, start, die, destroy) came first on the same stream and would have made the count exceed five.
      expect(nudges).toBeLessThanOrEqual(5);
    } finally {
      await events.stop();
    }
    expect(events.subscribed).toBe(false);
  });
});
