// Ordered, health-gated start after a power cut (EXTEND depends_on): both containers are killed while no agent runs;
// at boot sync the dependent waits (and says so in its status) until its dependency's runtime API answers, which the
// `slow` stand-in does only 8 s after start. A dependency that is not meant to run keeps its dependent stopped, with
// a warning. A cycle is refused at create. Runtime: about 45-60 s.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const base = `vt-${run}-base`;
const dependent = `vt-${run}-dep`;
let fx: OrchestratorFixture;
let current: Orchestrator;

const powerCut = async (): Promise<void> => {
  await current.close({ graceMs: 5_000 });
  execFileSync('docker', ['stop', '-t', '0', base, dependent], { stdio: 'ignore' });
};
const warningsOf = async (name: string): Promise<string[]> => ((await current.status(name)).orchestrator_state as { warnings: string[] }).warnings;

beforeAll(async () => {
  fx = await openOrchestrator({ runtimeWaitMs: 30_000, dependencyWaitMs: 20_000 });
  current = fx.orch;
  expect((await current.create({ name: base, runtimeVersion: 'slow', vnics: [] }, 'cli')).status).toBe('creating');
  expect((await current.create({ name: dependent, runtimeVersion: 'latest', vnics: [], dependsOn: [base] }, 'cli')).status).toBe('creating');
  await current.settled();
  expect(await current.status(base)).toMatchObject({ status: 'success', is_running: true });
  expect(await current.status(dependent)).toMatchObject({ status: 'success', is_running: true });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('depends_on at boot', () => {
  it('refuses a create that would close a dependency cycle', async () => {
    const [a, b] = [`vt-${run}-cy1`, `vt-${run}-cy2`];
    // A dependency may be named before it exists; closing the loop is what is refused.
    expect((await current.create({ name: a, runtimeVersion: 'latest', vnics: [], dependsOn: [b] }, 'cli')).status).toBe('creating');
    expect(await current.create({ name: b, runtimeVersion: 'latest', vnics: [], dependsOn: [a] }, 'cli')).toEqual({ status: 'error', error: `depends_on would form a cycle: ${b} → ${a} → ${b}` });
    await current.settled();
    expect((await current.delete(a, 'cli')).status).not.toBe('error');
    await current.settled();
  });

  it('starts the dependent only after its dependency answers', async () => {
    await powerCut();
    current = await fx.reopen();
    const lifecycle = current.startLifecycle({ sampleUsage: false, reconcile: false });
    const waiting = await waitFor(() => warningsOf(dependent), (w) => w.some((x) => x.startsWith(`waiting for ${base} to be healthy`)), { timeoutMs: 30_000, intervalMs: 200, what: 'the dependent to report that it waits' });
    expect(waiting.length).toBeGreaterThan(0);
    expect((await docker.getContainer(base).inspect()).State.Running).toBe(true);
    expect((await docker.getContainer(dependent).inspect()).State.Running).toBe(false);
    expect(await lifecycle).toEqual(expect.arrayContaining([base, dependent]));
    const baseLog = (await docker.getContainer(base).logs({ stdout: true, stderr: true, timestamps: false })).toString('utf8');
    const listened = [...baseLog.matchAll(/(\d{4}-\d\d-\d\dT[\d:.]+Z) listening https :8443/g)].at(-1)?.[1];
    expect(listened).toBeDefined();
    const depStarted = (await docker.getContainer(dependent).inspect()).State.StartedAt;
    expect(Date.parse(depStarted)).toBeGreaterThanOrEqual(Date.parse(listened as string));
    expect(await warningsOf(dependent)).not.toContainEqual(expect.stringContaining('depends_on'));
  });

  it('leaves the dependent stopped, with a warning, when its dependency is not meant to run', async () => {
    expect(await current.stop(base, 'cli')).toMatchObject({ status: 'success' });
    await powerCut();
    current = await fx.reopen();
    expect(await current.startLifecycle({ sampleUsage: false, reconcile: false })).toEqual([]);
    expect((await docker.getContainer(dependent).inspect()).State.Running).toBe(false);
    expect(await warningsOf(dependent)).toContain(`not started: ${base} not healthy after 20 s (depends_on)`);
  });
});
