import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PREWARM_MAX, startAhead, WarmMacHelpers } from '../../../../../../electron/workers/orchestrator/reattach/warm-mac-helpers.js';
import type { WireHelper } from '../../../../../../electron/workers/orchestrator/reattach/wire-helper.js';

/** What WarmMacHelpers uses of a helper: whether it is open, and discard. */
class FakeHelper {
  open = true;
  discarded = false;
  constructor(readonly containerId: string) {}
  discard(): void {
    this.discarded = true;
    this.open = false;
  }
}

const run = (Id: string, StartedAt = '2026-12-06T10:00:00Z'): { Id: string; State: { StartedAt: string } } => ({ Id, State: { StartedAt } });

describe('WarmMacHelpers', () => {
  let started: FakeHelper[];
  let failNext: boolean;
  let warm: WarmMacHelpers;

  beforeEach(() => {
    vi.useFakeTimers();
    started = [];
    failNext = false;
    warm = new WarmMacHelpers({
      ttlMs: 15_000,
      start: (_vplc, containerId) => {
        if (failNext) return Promise.reject(new Error('engine refused'));
        const h = new FakeHelper(containerId);
        started.push(h);
        return Promise.resolve(h as unknown as WireHelper);
      },
    });
  });

  afterEach(async () => {
    await warm.close();
    vi.useRealTimers();
  });

  it('hands the helper of the same container run to the move, once', async () => {
    warm.offer('plc1', run('c1'));
    warm.offer('plc1', run('c1'));
    expect(started).toHaveLength(1);
    const h = await warm.take('plc1', run('c1'));
    expect(h).toBe(started[0]);
    expect(started[0]?.discarded).toBe(false);
    expect(await warm.take('plc1', run('c1'))).toBeNull();
  });

  it('discards a helper of another container or an earlier run of it instead of handing it over', async () => {
    warm.offer('plc1', run('c1'));
    expect(await warm.take('plc1', run('c1', '2026-12-06T10:05:00Z'))).toBeNull();
    expect(started[0]?.discarded).toBe(true);
    warm.offer('plc2', run('c2'));
    expect(await warm.take('plc2', run('c9'))).toBeNull();
    expect(started[1]?.discarded).toBe(true);
    // A new run offered replaces the helper of the old one.
    warm.offer('plc3', run('c3'));
    warm.offer('plc3', run('c3', '2026-12-06T11:00:00Z'));
    await vi.advanceTimersByTimeAsync(0);
    expect(started.map((h) => h.discarded)).toEqual([true, true, true, false]);
    expect(await warm.take('plc3', run('c3', '2026-12-06T11:00:00Z'))).toBe(started[3]);
  });

  it('gives no helper that died meanwhile or could not start', async () => {
    warm.offer('plc1', run('c1'));
    if (started[0]) started[0].open = false;
    expect(await warm.take('plc1', run('c1'))).toBeNull();
    failNext = true;
    warm.offer('plc2', run('c2'));
    expect(await warm.take('plc2', run('c2'))).toBeNull();
  });

  it('discards a helper nobody took when its time is up; an offer for the same run meanwhile restarts that time', async () => {
    warm.offer('plc1', run('c1'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(warm.has('plc1', run('c1'))).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started[0]?.discarded).toBe(false);
    await vi.advanceTimersByTimeAsync(5_001);
    expect(started[0]?.discarded).toBe(true);
    expect(warm.size).toBe(0);
    expect(await warm.take('plc1', run('c1'))).toBeNull();
  });

  it('discards on request and at close, and starts nothing once closed', async () => {
    warm.offer('plc1', run('c1'));
    warm.offer('plc2', run('c2'));
    warm.discard('plc1');
    await vi.advanceTimersByTimeAsync(0);
    expect(started.map((h) => h.discarded)).toEqual([true, false]);
    await warm.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(started.map((h) => h.discarded)).toEqual([true, true]);
    warm.offer('plc3', run('c3'));
    expect(started).toHaveLength(2);
  });
});

describe('startAhead', () => {
  it('offers a helper to each running, unheld vPLC, at most PREWARM_MAX, checking the hold again after the inspect', async () => {
    const offered: string[] = [];
    const warm = { offer: (vplc: string) => (offered.push(vplc), true) } as unknown as WarmMacHelpers;
    const names = Array.from({ length: PREWARM_MAX + 5 }, (_, i) => `plc${i}`);
    const held = new Set(['plc0']);
    const logged: unknown[] = [];
    const log = { debug: () => undefined, info: (_m: string, d?: unknown) => void logged.push(d), warn: () => undefined, error: () => undefined };
    await startAhead(
      {
        warm,
        resolve: (n) => {
          // plc2 is taken by an operation while it is inspected; plc3 is stopped; plc4 has no container.
          if (n === 'plc2') held.add('plc2');
          if (n === 'plc4') return Promise.resolve(null);
          return Promise.resolve({ Id: `c-${n}`, State: { StartedAt: 't', Running: n !== 'plc3' } });
        },
        isBusy: (n) => held.has(n),
        log,
      },
      'ens37',
      names,
    );
    expect(offered).toEqual(names.slice(1, PREWARM_MAX + 1).filter((n) => !['plc2', 'plc3', 'plc4'].includes(n)));
    expect(logged).toEqual([{ parent: 'ens37', vplcs: PREWARM_MAX - 3 }]);
  });
});

