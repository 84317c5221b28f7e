// A watchdog's surroundings without an engine: a context whose Docker event subscriptions are PassThrough streams the
// test writes event lines to (one per subscription, in order), and an engine health that is always up.
import { PassThrough } from 'node:stream';
import type { OrchestratorContext } from '../../electron/workers/orchestrator/context.js';
import type { EngineHealth } from '../../electron/workers/orchestrator/docker/engine-health.js';
import type { AutoStartOutcome } from '../../electron/workers/orchestrator/lifecycle/control.js';
import type { CrashGuard } from '../../electron/workers/orchestrator/lifecycle/crash-guard.js';
import type { WatchdogDeps } from '../../electron/workers/orchestrator/lifecycle/watchdog.js';

export const noop = (): void => undefined;

export function eventStreamContext(watchdog: { resubscribeMs: number; pollMs: number; delayMs: number }): { ctx: OrchestratorContext; streams: PassThrough[] } {
  const streams: PassThrough[] = [];
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
    settings: { watchdog },
    log: { debug: noop, info: noop, warn: noop, error: noop },
  } as unknown as OrchestratorContext;
  return { ctx, streams };
}

/** Up, answering, and recording what it is told to suspect. */
export function upHealth(suspected: string[] = []): EngineHealth {
  return { onChange: () => noop, check: () => Promise.resolve(true), whenUp: () => Promise.resolve(), isUp: () => true, suspect: (r: string) => void suspected.push(r) } as unknown as EngineHealth;
}

/** Watchdog deps that start, restart and allow nothing unless `over` says otherwise. */
export function watchdogDeps(ctx: OrchestratorContext, health: EngineHealth, over: Partial<WatchdogDeps> = {}): WatchdogDeps {
  return {
    ctx,
    guard: {} as CrashGuard,
    health,
    restart: () => Promise.resolve<AutoStartOutcome>('started'),
    onStart: noop,
    isBusy: () => false,
    mayRun: () => false,
    shouldRun: () => false,
    stoppedByAgent: () => false,
    ...over,
  };
}
