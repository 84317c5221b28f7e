// Reconnect delays of docs/protocol.md §2.4 (pure). Runtime: < 100 ms.
import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../../../../../electron/workers/cloudlink/backoff.js';
import { DEFAULT_TIMING } from '../../../../../electron/workers/cloudlink/types.js';

describe('reconnectDelay', () => {
  it('waits a fixed 5 s without jitter and leaves the counter alone until the first connect', () => {
    for (const r of [0, 0.5, 0.999]) expect(reconnectDelay(false, 3, DEFAULT_TIMING, () => r)).toEqual({ delayMs: 5_000, nextAttempt: 3 });
  });

  it('grows 1 s ×2 per attempt with ±30 % jitter, a 1 s floor and a 30 s cap after a connect', () => {
    const at = (attempt: number, r: number): number => reconnectDelay(true, attempt, DEFAULT_TIMING, () => r).delayMs;
    expect(at(0, 0)).toBe(1_000);
    expect(at(0, 1)).toBeCloseTo(1_300);
    expect(at(1, 0)).toBeCloseTo(1_400);
    expect(at(1, 1)).toBeCloseTo(2_600);
    expect(at(5, 0)).toBeCloseTo(21_000);
    expect(at(9, 1)).toBeCloseTo(39_000);
    expect(reconnectDelay(true, 4, DEFAULT_TIMING, () => 0.5).nextAttempt).toBe(5);
  });
});
