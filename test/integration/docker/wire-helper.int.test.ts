// The re-attach MAC helper's stdin protocol on a real engine (reattach/wire-helper.ts over docker/script-helper.ts):
// scripts run one at a time in the target's namespace, a script that reads stdin cannot swallow the next one, a
// second script while one runs is refused, and a helper that dies or overruns its timeout fails the step that waited (and a timeout removes it);
// one discarded after its attach stream ended is removed by id.
// Runtime: a few seconds.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { isNotFound } from '../../../electron/workers/orchestrator/docker/errors.js';
import { Label, ownLabels } from '../../../electron/workers/orchestrator/docker/labels.js';
import type { Logger, OrchestratorContext } from '../../../electron/workers/orchestrator/context.js';
import { Executor } from '../../../electron/workers/orchestrator/exec/executor.js';
import type { Step, StepResult } from '../../../electron/workers/orchestrator/exec/steps.js';
import { sweepStoppedHelpers } from '../../../electron/workers/orchestrator/lifecycle/helper-sweep.js';
import { WireHelper } from '../../../electron/workers/orchestrator/reattach/wire-helper.js';
import { docker, NETHELPER_IMAGE, removeByLabels } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const instance = randomUUID();
const vplc = `vt-${run}-wh`;
const quiet = (): void => undefined;
/** The executor's docker steps (what it was asked to do, and why). */
const steps: Array<Record<string, unknown>> = [];
const log: Logger = { debug: quiet, info: (msg, data = {}) => void (msg === 'docker step' && steps.push(data)), warn: quiet, error: quiet };
const engine = new Engine();

/** The executor, except that while `away` it refuses removals the way an engine that is not there does. */
class EngineAwayForRemovals extends Executor {
  away = false;
  override run<S extends Step>(s: S): Promise<StepResult<S>> {
    if (this.away && s.kind === 'remove') return Promise.reject(new Error('connect ENOENT /var/run/docker.sock'));
    return super.run(s);
  }
}
const exec = new EngineAwayForRemovals(engine, log);
let target = '';

let current: WireHelper | null = null;

/** The ids of this test's helper containers that are running. */
async function running(): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`${Label.instance}=${instance}`, `${Label.role}=helper`] } });
  return list.map((c) => c.Id);
}

beforeAll(async () => {
  const c = await docker.createContainer({ name: vplc, Image: NETHELPER_IMAGE, Cmd: ['sleep', '600'], Labels: ownLabels(instance, 'vplc', { vplc }) });
  await c.start();
  target = c.id;
});

afterAll(async () => {
  await removeByLabels({ instance });
});

/** A helper on the target once the previous test's helper has exited (Docker removes it), so `running` sees only this one. */
async function start(): Promise<WireHelper> {
  current?.close();
  await waitFor(running, (ids) => ids.length === 0, { timeoutMs: 10_000, what: 'the previous helper to exit' });
  current = await WireHelper.start(engine, exec, NETHELPER_IMAGE, instance, vplc, target);
  return current;
}

describe('WireHelper', () => {
  it('runs scripts in order; a script reading stdin gets end of file instead of the next script', async () => {
    const h = await start();
    const first = await h.run('read line; echo "read:[$line]"', { timeoutMs: 5_000 });
    expect(first).toMatchObject({ exitCode: 0, stdout: 'read:[]\n' });
    const second = await h.run('echo two; exit 3', { last: true, timeoutMs: 5_000 });
    expect(second).toMatchObject({ exitCode: 3, stdout: 'two\n' });
    expect(h.open).toBe(false);
    await waitFor(running, (ids) => ids.length === 0, { timeoutMs: 10_000, what: 'the helper to exit once stdin closed' });
  });

  it('refuses a second script while one is in flight; the first one still completes', async () => {
    const h = await start();
    const first = h.run('sleep 1; echo one', { timeoutMs: 5_000 });
    await expect(h.run('echo two', { timeoutMs: 5_000 })).rejects.toThrow('MAC helper is still running a script');
    expect(await first).toMatchObject({ exitCode: 0, stdout: 'one\n' });
    expect(await h.run('echo three', { timeoutMs: 5_000 })).toMatchObject({ exitCode: 0, stdout: 'three\n' });
  });

  it('fails the waiting step when the helper dies before its marker, and is closed afterwards', async () => {
    const h = await start();
    const step = h.run('sleep 30', { timeoutMs: 20_000 }).then(
      () => null,
      (err: unknown) => err,
    );
    const [id] = await waitFor(running, (ids) => ids.length === 1, { timeoutMs: 5_000, what: 'the helper running' });
    await docker.getContainer(id ?? '').kill();
    expect(String(await step)).toMatch(/^Error: MAC helper exited early/);
    expect(h.open).toBe(false);
    await expect(h.run('echo late')).rejects.toThrow('MAC helper already closed');
  });

  it('fails the waiting step on a timeout and removes the helper container', async () => {
    const h = await start();
    const [id] = await waitFor(running, (ids) => ids.length === 1, { timeoutMs: 5_000, what: 'the helper running' });
    await expect(h.run('sleep 30', { timeoutMs: 300 })).rejects.toThrow('MAC helper timed out after 300 ms');
    expect(h.open).toBe(false);
    await expect(docker.getContainer(id ?? '').inspect()).rejects.toSatisfy(isNotFound);
  });

  it('removes by id a helper discarded after its attach stream ended (what an engine restart with live-restore leaves)', async () => {
    const h = await start();
    const [id] = await waitFor(running, (ids) => ids.length === 1, { timeoutMs: 5_000, what: 'the helper running' });
    const before = steps.length;
    (h as unknown as { stream: { destroy(): void } }).stream.destroy();
    await waitFor(() => Promise.resolve(h.ended), (e) => e, { timeoutMs: 5_000, what: 'the stream to end' });
    h.discard();
    await waitFor(running, (ids) => ids.length === 0, { timeoutMs: 10_000, what: 'the helper gone' });
    expect(steps.slice(before).filter((x) => x['step'] === 'remove')).toEqual([expect.objectContaining({ target: id?.slice(0, 12), reason: 'MAC helper lost its attach stream' })]);
    // A helper closed before its stream ended is left to exit on its own: no removal.
    const closed = await start();
    closed.close();
    closed.discard();
    expect(steps.slice(before).filter((x) => x['step'] === 'remove')).toHaveLength(1);
    // Gone by itself (stdin closed), before the next test counts running helpers.
    await waitFor(running, (ids) => ids.length === 0, { timeoutMs: 10_000, what: 'the closed helper to exit' });
  });

  it('notes a lost helper whose removal failed (engine away); the sweep after the outage removes a noted helper still running, and no other', async () => {
    const h = await start();
    const [id] = await waitFor(running, (ids) => ids.length === 1, { timeoutMs: 5_000, what: 'the helper running' });
    exec.away = true;
    (h as unknown as { stream: { destroy(): void } }).stream.destroy();
    await waitFor(() => Promise.resolve(h.ended), (e) => e, { timeoutMs: 5_000, what: 'the stream to end' });
    h.discard();
    const noted = await waitFor(() => Promise.resolve(engine.takeLeftoverHelpers()), (ids) => ids.length > 0, { timeoutMs: 5_000, what: 'the failed removal noted' });
    expect(noted).toEqual([id]);
    exec.away = false;
    // Destroying the stream from this side closed the helper's stdin, so it exited; an engine restart with live-restore
    // ends the stream with stdin still open, and the helper runs on. `lost` stands for that one, `busy` for the helper
    // of an operation in flight.
    await waitFor(running, (ids) => ids.length === 0, { timeoutMs: 10_000, what: 'the helper to exit' });
    const [lost, busy] = await Promise.all(
      [0, 1].map(async () => {
        const c = await docker.createContainer({ Image: NETHELPER_IMAGE, Cmd: ['sleep', '600'], Labels: ownLabels(instance, 'helper', { vplc }) });
        await c.start();
        return c.id;
      }),
    );
    for (const x of [id ?? '', lost ?? '']) engine.noteLeftoverHelper(x);
    const before = steps.length;
    const ctx = { engine, exec, store: { installationId: instance }, log } as unknown as OrchestratorContext;
    expect(await sweepStoppedHelpers(ctx, 'engine-recovery')).toBe(1);
    expect(await running()).toEqual([busy]);
    expect(steps.slice(before).filter((x) => x['step'] === 'remove')).toEqual([
      expect.objectContaining({ target: lost?.slice(0, 12), reason: 'a MAC helper that lost its attach stream while the engine was away' }),
    ]);
    // Each noted helper is handed out once; the one already gone is simply dropped.
    expect(engine.takeLeftoverHelpers()).toEqual([]);
    expect(await sweepStoppedHelpers(ctx, 'engine-recovery')).toBe(0);
    await docker.getContainer(busy ?? '').remove({ force: true });
  });
});
