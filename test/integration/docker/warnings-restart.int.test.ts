// vPLC warnings survive an agent restart (docs/lifecycle.md "Warnings across agent restarts"): a real create on a host
// that reaches no registry says "using the local copy"; the next agent on the same data dir still says so, and a
// deleted vPLC's warnings are gone from the file. Runtime: about 15 s on 2 cores.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { WARNINGS_FILE } from '../../../electron/workers/orchestrator/status/warnings-file.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const kept = `vt-${run}-warn`;
const gone = `vt-${run}-gone`;
const LOCAL_COPY = /using the local copy/;
let fx: OrchestratorFixture;
const warningsOf = async (o: Orchestrator, name: string): Promise<string[]> => ((await o.status(name)).orchestrator_state?.warnings ?? []);

beforeAll(async () => {
  fx = await openOrchestrator();
  for (const name of [kept, gone]) {
    expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
  }
}, 120_000);

afterAll(async () => {
  await fx?.dispose();
});

describe('warnings across an agent restart', () => {
  it('"using the local copy" is still reported by the next agent; a deleted vPLC leaves nothing behind', async () => {
    expect((await warningsOf(fx.orch, kept)).some((w) => LOCAL_COPY.test(w))).toBe(true);
    expect((await fx.orch.delete(gone, 'cli')).status).toBe('deleting');
    await fx.orch.settled(gone);
    await fx.orch.close({ graceMs: 5_000 });

    const again = await fx.reopen();
    await again.startLifecycle({ sampleUsage: false, reconcile: false });
    await again.restoredAtStart();
    expect((await warningsOf(again, kept)).some((w) => LOCAL_COPY.test(w))).toBe(true);
    expect(await again.status(gone)).toMatchObject({ status: 'not_found' });
    const file = JSON.parse(readFileSync(path.join(fx.dataDir, WARNINGS_FILE), 'utf8')) as { warnings: Record<string, unknown> };
    expect(Object.keys(file.warnings)).toEqual([kept]);
    // The running vPLC was adopted as it runs: the restart did not touch it.
    expect(await again.status(kept)).toMatchObject({ status: 'success', is_running: true });
  }, 60_000);
});
