import { describe, expect, it } from 'vitest';
import { Supervisor, type WorkerHealth } from '../../../../../electron/core/supervisor/supervisor.js';
import type { WorkerName, WorkerSpec } from '../../../../../electron/core/supervisor/types.js';
import { FakeTimers, FakeWorker } from '../../../../support/fake-workers.js';

const spec = (name: WorkerName, livenessMs: number): WorkerSpec => ({
  name,
  entry: name,
  config: {},
  backoff: { baseMs: 1_000, maxMs: 30_000, jitter: 0.3 },
  loop: { maxCrashes: 5, windowMs: 600_000, slowRetryMs: 300_000 },
  livenessMs,
  stableMs: 60_000,
});

function setup(): { sup: Supervisor; timers: FakeTimers; workers: Map<string, FakeWorker[]>; health: WorkerHealth[] } {
  const timers = new FakeTimers();
  const workers = new Map<string, FakeWorker[]>();
  const health: WorkerHealth[] = [];
  const sup = new Supervisor([spec('netmon', 12_000), spec('orchestrator', 9_000)], {
    spawn: (entry) => {
      const w = new FakeWorker();
      workers.set(entry, [...(workers.get(entry) ?? []), w]);
      return w;
    },
    timers,
    random: () => 0.5,
    onHealth: (h) => health.push(h),
    onEvent: () => undefined,
    onRequest: () => undefined,
    onLog: () => undefined,
  });
  return { sup, timers, workers, health };
}

describe('Supervisor liveness clock', () => {
  it('watches every worker on one clock: a hung one is ended within 4/3 of its own liveness, the other keeps running', () => {
    const { sup, timers, workers, health } = setup();
    sup.startAll();
    for (const [, [w]] of workers) w?.say({ t: 'ready' });
    workers.get('orchestrator')?.[0]?.hang();
    timers.advance(9_000 + 3_000);
    expect(health.some((h) => h.name === 'orchestrator' && h.state.kind === 'unresponsive')).toBe(true);
    expect(health.some((h) => h.name === 'netmon' && h.state.kind === 'unresponsive')).toBe(false);
    // The netmon worker was never sent anything beyond its start: its loop kept waiting for work.
    expect(workers.get('netmon')?.[0]?.sent).toEqual([{ t: 'start', config: {} }]);
  });

  it('names each running worker\'s thread and heap', async () => {
    const { sup, workers } = setup();
    sup.startAll();
    for (const [, [w]] of workers) w?.say({ t: 'ready' });
    const asked = sup.threads(1_000);
    for (const [name, [w]] of workers) {
      const probe = w?.sent.at(-1) as { id: number };
      w?.say({ t: 'alive', id: probe.id, tid: name === 'netmon' ? 11 : 12, heapUsed: 1, heapTotal: 2 });
    }
    expect(await asked).toEqual([
      { name: 'netmon', tid: 11, heapUsed: 1, heapTotal: 2 },
      { name: 'orchestrator', tid: 12, heapUsed: 1, heapTotal: 2 },
    ]);
  });
});
