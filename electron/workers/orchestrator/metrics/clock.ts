import type { Clock } from '../../../lib/time/clock.js';
import { systemClock } from '../../../lib/time/clock.js';

/** Opaque handle returned by {@link SamplerClock.setInterval}. */
export type IntervalHandle = unknown;

/**
 * Wall clock plus interval timers, injected into the usage sampler so tests drive it with fake timers.
 * `now()` is ms since the epoch, as in electron/lib/time's Clock.
 */
export interface SamplerClock extends Pick<Clock, 'now'> {
  setInterval(fn: () => void, ms: number): IntervalHandle;
  clearInterval(handle: IntervalHandle): void;
}

/** The real clock and timers. Timers are unref'd: the sampler must never keep a process alive. */
export function createSystemSamplerClock(): SamplerClock {
  return {
    now: () => systemClock.now(),
    setInterval: (fn, ms) => {
      const t = setInterval(fn, ms);
      t.unref();
      return t;
    },
    clearInterval: (handle) => {
      clearInterval(handle as ReturnType<typeof setInterval>);
    },
  };
}
