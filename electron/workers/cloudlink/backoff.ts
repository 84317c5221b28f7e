import type { LinkTiming } from './types.js';

/**
 * Reconnect delay of docs/protocol.md §2.4: a fixed delay (no jitter, counter untouched) until the first successful
 * connect; afterwards `c = min(base × 2^attempt, cap)`, `delay = max(floor, c + U(−0.3c, +0.3c))`, then attempt += 1.
 */
export function reconnectDelay(
  everConnected: boolean,
  attempt: number,
  timing: Pick<LinkTiming, 'firstConnectRetryMs' | 'backoffBaseMs' | 'backoffCapMs' | 'backoffFloorMs'>,
  random: () => number = Math.random,
): { delayMs: number; nextAttempt: number } {
  if (!everConnected) return { delayMs: timing.firstConnectRetryMs, nextAttempt: attempt };
  const c = Math.min(timing.backoffBaseMs * 2 ** Math.min(attempt, 30), timing.backoffCapMs);
  const jitter = (random() * 2 - 1) * 0.3 * c;
  return { delayMs: Math.max(timing.backoffFloorMs, c + jitter), nextAttempt: attempt + 1 };
}
