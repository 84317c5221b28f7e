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
}

export type Spawn = (entry: string, opts: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number }) => WorkerHandle;

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
  /** A missed deadline of this many ms without an `alive` beat counts as a hang. */
  livenessMs: number;
  /** Running this long without a crash resets the backoff. */
  stableMs: number;
};

export const DEFAULT_SUPERVISION = {
  backoff: { baseMs: 1_000, maxMs: 30_000, jitter: 0.3 },
  loop: { maxCrashes: 5, windowMs: 600_000, slowRetryMs: 300_000 },
  livenessMs: 6_000,
  stableMs: 60_000,
} as const;
