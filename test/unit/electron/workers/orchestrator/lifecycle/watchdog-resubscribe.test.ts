// The watchdog tells its owner when its Docker event stream opens again after it ended: events may have been missed
// meanwhile (the usage service then forgets every cached PID). The first subscription is not a resubscription.
import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import type { EngineHealth } from '../../../../../../electron/workers/orchestrator/docker/engine-health.js';
import type { AutoStartOutcome } from '../../../../../../electron/workers/orchestrator/lifecycle/control.js';
import type { CrashGuard } from '../../../../../../electron/workers/orchestrator/lifecycle/crash-guard.js';
import { Watchdog } from '../../../../../../electron/workers/orchestrator/lifecycle/watchdog.js';
import { waitFor } from '../../../../../support/run.js';

const dogs: Watchdog[] = [];
afterEach(() => {
  for (const d of dogs.splice(0)) d.stop();
});

it('calls onResubscribe when the event stream opens again, not when it first opens', async () => {
  const streams: PassThrough[] = [];
  const noop = (): void => undefined;
  const ctx = {
    engine: {
      docker: {
        getEvents: () => {
          const s = new PassThrough();
          streams.push(s);
          return Promise.resolve(s);
        },
      },
    },
    store: { installationId: 'test' },
    settings: { watchdog: { resubscribeMs: 1, pollMs: 60_000, delayMs: 1 } },
    log: { debug: noop, info: noop, warn: noop, error: noop },
  } as unknown as OrchestratorContext;
  const health = { onChange: () => noop, check: () => Promise.resolve(true), whenUp: () => Promise.resolve(), isUp: () => true, suspect: noop } as unknown as EngineHealth;
  let resubscribes = 0;
  const dog = new Watchdog({
    ctx,
    guard: {} as CrashGuard,
    health,
    restart: () => Promise.resolve<AutoStartOutcome>('started'),
    onStart: noop,
    onResubscribe: () => void (resubscribes += 1),
    isBusy: () => false,
    mayRun: () => false,
    shouldRun: () => false,
    stoppedByAgent: () => false,
  });
  dogs.push(dog);
  dog.start();
  await waitFor(() => streams.length, (n) => n === 1, { timeoutMs: 2_000, intervalMs: 5, what: 'the first subscription' });
  expect(resubscribes).toBe(0);
  streams[0]?.end();
  streams[0]?.resume();
  await waitFor(() => resubscribes, (n) => n === 1, { timeoutMs: 2_000, intervalMs: 5, what: 'onResubscribe' });
  expect(streams).toHaveLength(2);
});
