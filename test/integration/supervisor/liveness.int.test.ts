// Supervision of real worker_threads whose event loop keeps turning but that no longer hear the supervisor (their port
// closed, or their message listener removed): the slot must notice and replace them, although their loop idles. A
// thread blocked in a system call, which terminate() cannot end, is abandoned and replaced. Runtime: about 15 s.
// needs: nothing outside this process (worker_threads and `sleep`)
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnThread } from '../../../electron/core/supervisor/spawn.js';
import { Supervisor } from '../../../electron/core/supervisor/supervisor.js';
import { realTimers, type WorkerSpec } from '../../../electron/core/supervisor/types.js';
import { waitFor } from '../../support/run.js';

const testWorker = fileURLToPath(new URL('../../support/workers/test-worker.ts', import.meta.url));
const spec: WorkerSpec = {
  name: 'netmon',
  entry: testWorker,
  config: {},
  backoff: { baseMs: 200, maxMs: 1_000, jitter: 0 },
  loop: { maxCrashes: 5, windowMs: 60_000, slowRetryMs: 5_000 },
  livenessMs: 1_500,
  answerWithinMs: 1_000,
  exitWithinMs: 1_000,
  stableMs: 60_000,
};

const running: Supervisor[] = [];
afterAll(async () => {
  for (const s of running) await s.stopAll(2_000);
});

function supervised(states: string[], logs: string[] = []): Supervisor {
  const sup = new Supervisor([spec], {
    spawn: spawnThread,
    timers: realTimers,
    onHealth: (h) => states.push(h.state.kind),
    onEvent: () => undefined,
    onRequest: () => undefined,
    onLog: (_w, _level, msg) => void logs.push(msg),
  });
  running.push(sup);
  sup.startAll();
  return sup;
}

const isRunning = (sup: Supervisor, what: string): Promise<unknown> =>
  waitFor(() => sup.health()[0]?.state.kind, (k) => k === 'running', { timeoutMs: 20_000, what });

describe('a worker that stops hearing its supervisor', () => {
  it.each([
    ['closes its port', 'close'],
    ['removes its message listener', 'unlisten'],
  ] as const)('is replaced when it %s, although its loop idles', async (_what, how) => {
    const states: string[] = [];
    const sup = supervised(states);
    await isRunning(sup, 'netmon running');
    expect(await sup.request('netmon', 'deafen', how, 5_000)).toEqual({ ok: true, value: 'deaf' });
    await waitFor(() => states, (s) => s.includes('unresponsive'), { timeoutMs: 20_000, what: 'the deaf worker found unresponsive' });
    await isRunning(sup, 'a replacement running');
    expect(await sup.request('netmon', 'echo', 42, 5_000)).toEqual({ ok: true, value: 42 });
  });
});

describe('a worker that does not exit when terminated', () => {
  it('is abandoned after exitWithinMs and replaced, while its thread still sits in execFileSync', async () => {
    const states: string[] = [];
    const logs: string[] = [];
    const sup = supervised(states, logs);
    await isRunning(sup, 'netmon running');
    expect(await sup.request('netmon', 'block', 30, 5_000)).toEqual({ ok: true, value: 'blocking' });
    await waitFor(() => states, (s) => s.includes('unresponsive'), { timeoutMs: 20_000, what: 'the blocked worker found unresponsive' });
    await isRunning(sup, 'a replacement running');
    expect(logs).toContain('worker netmon did not exit within 1 s of being terminated; abandoning its thread');
    expect(await sup.request('netmon', 'echo', 7, 5_000)).toEqual({ ok: true, value: 7 });
  });
});
