// When the reconcile loop runs (docs/lifecycle.md "Reconcile"): a nudge (a Docker or vPLC event) makes a cycle
// shortly, once for a burst; an in-sync loop otherwise waits for its 60 s safety sweep; anything left to do (a
// confirm not yet spent, a failed repair, an engine outage) keeps the 10 s cadence. Fake timers drive the loop.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import { NUDGE_MS, RECONCILE_INTERVAL_MS, RECONCILE_SAFETY_MS, Reconciler, type ReconcilerDeps } from '../../../../../../electron/workers/orchestrator/reconcile/reconciler.js';

const noop = (): void => undefined;

function loop(paused: () => boolean = () => false): { r: Reconciler; lists: () => number } {
  let lists = 0;
  const ctx = {
    store: { installationId: 'test', desiredNames: () => [], getDesired: () => undefined },
    engine: { docker: { listContainers: () => ((lists += 1), Promise.resolve([])) } },
    log: { debug: noop, info: noop, warn: noop, error: noop },
  } as unknown as OrchestratorContext;
  const deps = {
    paused,
    signal: new AbortController().signal,
    ctx,
    track: <T>(p: Promise<T>) => p,
    changeDecision: () => ({ allowed: true, reason: null }),
  } as unknown as ReconcilerDeps;
  return { r: new Reconciler(deps), lists: () => lists };
}

/** Lets the cycle's promises settle after a timer fired. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('reconcile cadence', () => {
  const loops: Reconciler[] = [];
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => {
    for (const r of loops.splice(0)) r.stop();
    vi.useRealTimers();
  });
  const started = (paused?: () => boolean): { r: Reconciler; lists: () => number } => {
    const l = loop(paused);
    loops.push(l.r);
    l.r.start();
    return l;
  };

  it('waits for the safety sweep while in sync: one Docker list per minute instead of six', async () => {
    const { r, lists } = started();
    expect(r.nextDueInMs()).toBe(RECONCILE_INTERVAL_MS);
    await vi.advanceTimersByTimeAsync(RECONCILE_INTERVAL_MS);
    await settle();
    expect(lists()).toBe(1);
    expect(r.nextDueInMs()).toBe(RECONCILE_SAFETY_MS);
    await vi.advanceTimersByTimeAsync(5 * RECONCILE_SAFETY_MS);
    await settle();
    expect(lists()).toBe(6);
  });

  it('runs one cycle shortly after a burst of nudges, then goes back to the safety sweep', async () => {
    const { r, lists } = started();
    await vi.advanceTimersByTimeAsync(RECONCILE_INTERVAL_MS);
    await settle();
    r.nudge();
    r.nudge();
    r.nudge();
    expect(r.nextDueInMs()).toBe(NUDGE_MS);
    await vi.advanceTimersByTimeAsync(NUDGE_MS);
    await settle();
    expect(lists()).toBe(2);
    expect(r.nextDueInMs()).toBe(RECONCILE_SAFETY_MS);
  });

  it('keeps the 10 s cadence while a confirm waits to be spent', async () => {
    const { r } = started();
    await vi.advanceTimersByTimeAsync(RECONCILE_INTERVAL_MS);
    await settle();
    r.confirm('plc1');
    r.nudge();
    await vi.advanceTimersByTimeAsync(NUDGE_MS);
    await settle();
    expect(r.nextDueInMs()).toBe(RECONCILE_INTERVAL_MS);
  });

  it('keeps the 10 s cadence while paused (an engine outage), and a nudge then does not spin', async () => {
    let paused = false;
    const { r, lists } = started(() => paused);
    await vi.advanceTimersByTimeAsync(RECONCILE_INTERVAL_MS);
    await settle();
    paused = true;
    r.nudge();
    await vi.advanceTimersByTimeAsync(NUDGE_MS);
    await settle();
    expect(lists()).toBe(1);
    expect(r.nextDueInMs()).toBe(RECONCILE_INTERVAL_MS);
  });

  it('does nothing on a nudge once stopped', () => {
    const { r } = started();
    r.stop();
    r.nudge();
    expect(r.nextDueInMs()).toBeNull();
  });
});
