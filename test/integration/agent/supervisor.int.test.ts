// Real worker_threads under the supervisor: crash → restart with backoff while the other worker carries on; a hung
// worker is terminated by the liveness deadline while a busy one that still turns its loop is kept; each worker names
// its thread; typed errors cross the thread boundary. Runtime: about 20 s.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnThread } from '../../../electron/core/supervisor/spawn.js';
import { Supervisor, type WorkerHealth } from '../../../electron/core/supervisor/supervisor.js';
import { realTimers, type WorkerSpec } from '../../../electron/core/supervisor/types.js';
import { requireDocker } from '../../support/require.js';

// The agent's integration layer runs where Docker runs; this suite itself needs only worker_threads.
requireDocker();

const entry = fileURLToPath(new URL('../../support/workers/test-worker.ts', import.meta.url));
const spec = (name: WorkerSpec['name']): WorkerSpec => ({
  name,
  entry,
  config: {},
  backoff: { baseMs: 200, maxMs: 1_000, jitter: 0.3 },
  loop: { maxCrashes: 5, windowMs: 60_000, slowRetryMs: 5_000 },
  livenessMs: 2_500,
  stableMs: 60_000,
});
const health: WorkerHealth[] = [];
const sup = new Supervisor([spec('netmon'), spec('orchestrator')], {
  spawn: spawnThread,
  timers: realTimers,
  onHealth: (h) => health.push(h),
  onEvent: () => undefined,
  onRequest: () => undefined,
  onLog: () => undefined,
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; health ${JSON.stringify(sup.health())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const running = (name: string) => (): boolean => sup.health().some((h) => h.name === name && h.state.kind === 'running');

afterAll(async () => {
  await sup.stopAll(1_000);
});

describe('Supervisor with real worker threads', () => {
  it('starts every worker and round-trips a request', async () => {
    sup.startAll();
    await until(running('netmon'), 'netmon running');
    await until(running('orchestrator'), 'orchestrator running');
    expect(await sup.request('orchestrator', 'echo', { a: 1 }, 2_000)).toEqual({ ok: true, value: { a: 1 } });
  });

  it('carries a typed error with its field across the thread boundary', async () => {
    expect(await sup.request('netmon', 'nope', {}, 2_000)).toEqual({ ok: false, error: { code: 'UNKNOWN_OP', message: 'no op nope', field: 'op' } });
  });

  it('restarts a crashed worker with backoff while the other keeps answering', async () => {
    const before = await sup.request('orchestrator', 'pid', {}, 2_000);
    const crashed = await sup.request('orchestrator', 'crash', {}, 2_000);
    expect(crashed).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(health.some((h) => h.name === 'orchestrator' && h.state.kind === 'backoff')).toBe(true);
    expect(await sup.request('netmon', 'echo', 'still here', 2_000)).toEqual({ ok: true, value: 'still here' });
    await until(running('orchestrator'), 'orchestrator restarted');
    const after = await sup.request('orchestrator', 'pid', {}, 2_000);
    expect(after).not.toEqual(before);
  });

  it('names each worker\'s own OS thread and its heap', async () => {
    const threads = await sup.threads(2_000);
    expect(threads.map((t) => t.name).sort()).toEqual(['netmon', 'orchestrator']);
    const tasks = readdirSync('/proc/self/task').map(Number);
    for (const t of threads) {
      expect(tasks).toContain(t.tid);
      expect(t.tid).not.toBe(process.pid);
      expect(t.heapUsed).toBeGreaterThan(0);
      expect(t.heapTotal).toBeGreaterThanOrEqual(t.heapUsed);
    }
    expect(new Set(threads.map((t) => t.tid)).size).toBe(2);
  });

  it('keeps a worker whose loop is busy past its liveness deadline but still turns (it answers the probe)', async () => {
    const tid = async (): Promise<number | undefined> => (await sup.threads(2_000)).find((t) => t.name === 'orchestrator')?.tid;
    const before = await tid();
    expect(await sup.request('orchestrator', 'spin', { ms: 6_000 }, 10_000)).toEqual({ ok: true, value: 'spun' });
    expect(health.some((h) => h.name === 'orchestrator' && h.state.kind === 'unresponsive')).toBe(false);
    // The same thread, never replaced.
    expect(await tid()).toBe(before);
  });

  it('terminates a worker whose event loop hangs and starts a fresh one', async () => {
    void sup.request('netmon', 'hang', {}, 10_000);
    await until(() => health.some((h) => h.name === 'netmon' && h.state.kind === 'unresponsive'), 'netmon unresponsive');
    await until(running('netmon'), 'netmon running again');
    expect(await sup.request('netmon', 'echo', 1, 2_000)).toEqual({ ok: true, value: 1 });
  });
});
