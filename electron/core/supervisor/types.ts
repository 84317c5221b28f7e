import type { Backoff } from '../../lib/time/backoff.js';
import type { WorkerName } from '../../lib/protocol/messages.js';

export type { WorkerName } from '../../lib/protocol/messages.js';

export type WorkerState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running'; since: number }
  | { kind: 'unresponsive' }
  | { kind: 'backoff'; exitCode: number; retryAt: number; crashes: number }
  | { kind: 'failed'; exitCode: number; retryAt: number; crashes: number }
  | { kind: 'stopping' };

/** The thread (or process) behind a slot; `spawn` makes one, tests fake it. */
export interface WorkerHandle {
  postMessage(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  onExit(cb: (code: number) => void): void;
  terminate(): Promise<void>;
  /** How long the thread's event loop has waited for work so far, in ms (0 before its loop started). */
  loopIdleMs(): number;
  /** Lets go of a thread that would not exit: it no longer keeps the process alive, and its exit is of no interest. */
  abandon(): void;
}

export type Spawn = (entry: string, opts: { name: WorkerName; maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number }) => WorkerHandle;

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type WorkerSpec = {
  name: WorkerName;
  entry: string;
  config: unknown;
  maxOldGenerationSizeMb?: number;
  /** V8 young generation cap of the thread (see spawn.ts for the measurement behind it). */
  maxYoungGenerationSizeMb?: number;
  backoff: Backoff;
  loop: { maxCrashes: number; windowMs: number; slowRetryMs: number };
  /**
   * This many ms in which the thread's event loop never waited for work and did not answer a probe count as a hang.
   * The supervisor looks every third of it, so a hang ends the thread within 4/3 of it.
   */
  livenessMs: number;
  /**
   * A thread that has answered nothing (no probe, no request) for this long must answer a probe to count as alive,
   * whatever its event loop does: at most one probe per this period to an idle thread. Default DEFAULT_ANSWER_WITHIN_MS.
   */
  answerWithinMs?: number;
  /** A terminated thread still there after this long is abandoned and replaced. Default DEFAULT_EXIT_WITHIN_MS. */
  exitWithinMs?: number;
  /** Running this long without a crash resets the backoff. */
  stableMs: number;
};

export const DEFAULT_ANSWER_WITHIN_MS = 60_000;
export const DEFAULT_EXIT_WITHIN_MS = 10_000;
/** The exit code a slot records for a thread it abandoned because it would not exit. */
export const ABANDONED_EXIT_CODE = -1;

export const DEFAULT_SUPERVISION = {
  backoff: { baseMs: 1_000, maxMs: 30_000, jitter: 0.3 },
  loop: { maxCrashes: 5, windowMs: 600_000, slowRetryMs: 300_000 },
  livenessMs: 12_000,
  stableMs: 60_000,
} as const;
