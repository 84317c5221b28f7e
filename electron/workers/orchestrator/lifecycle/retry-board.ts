import { backoffDelay, type Backoff } from '../../../lib/time/backoff.js';

/**
 * Keyed retries with exponential backoff for repairs that must not be given up on (a MAC that is not on the wire yet):
 * one timer per key at a time, the attempt count kept until `done`. Timers never keep the process alive and all end
 * when the orchestrator shuts down.
 */
export class RetryBoard {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly signal: AbortSignal,
    private readonly backoff: Backoff = { baseMs: 2_000, maxMs: 300_000, jitter: 0.2 },
  ) {
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  /** How many retries of `key` ran since it last succeeded. */
  attempt(key: string): number {
    return this.attempts.get(key) ?? 0;
  }

  /** Runs `fn` again after the backoff for this key, unless a retry is already waiting. */
  later(key: string, fn: () => Promise<unknown>): void {
    if (this.timers.has(key) || this.signal.aborted) return;
    const attempt = this.attempt(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.attempts.set(key, attempt + 1);
      void fn().catch(() => undefined);
    }, backoffDelay(attempt, this.backoff));
    timer.unref();
    this.timers.set(key, timer);
  }

  /** The repair succeeded (or is no longer wanted): no retry waits, the count starts again. */
  done(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.attempts.delete(key);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
