import { afterEach, describe, expect, it, vi } from 'vitest';
import { RetryBoard } from '../../../../../../electron/workers/orchestrator/lifecycle/retry-board.js';

afterEach(() => vi.useRealTimers());

describe('RetryBoard', () => {
  it('retries with doubling delays, one timer per key, until done; the count starts again after', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    const board = new RetryBoard(stop.signal, { baseMs: 1_000, maxMs: 4_000, jitter: 0 });
    const runs: number[] = [];
    const fn = async (): Promise<void> => {
      runs.push(Date.now());
      if (runs.length < 4) board.later('k', fn);
      else board.done('k');
    };
    const t0 = Date.now();
    board.later('k', fn);
    board.later('k', fn); // already waiting: no second timer
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runs.map((t) => t - t0)).toEqual([1_000, 3_000, 7_000, 11_000]);
    expect(board.attempt('k')).toBe(0);
  });

  it('runs nothing once the orchestrator shuts down', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    const board = new RetryBoard(stop.signal, { baseMs: 1_000, maxMs: 4_000, jitter: 0 });
    let ran = 0;
    board.later('k', async () => void ran++);
    stop.abort();
    board.later('j', async () => void ran++);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ran).toBe(0);
  });
});
