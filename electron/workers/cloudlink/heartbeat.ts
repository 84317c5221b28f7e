import type { HeartbeatPayload } from '../../../shared/cloud/heartbeat.js';
import type { HostMetrics } from '../../../shared/domain/host-sample.js';
import { naiveLocalIso } from '../../lib/time/clock.js';
import type { HeartbeatSource, Logger } from './types.js';

/** Monotonic time and timers, injectable so unit tests drive the loop with fake timers. */
export interface LoopClock {
  monotonic(): number;
  wallMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemLoopClock: LoopClock = {
  monotonic: () => performance.now(),
  wallMs: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const ZERO: HostMetrics = { cpu_usage: 0, memory_usage: 0, memory_total: 0, disk_usage: 0, disk_total: 0 };

/** Builds the docs/protocol.md §2.6 payload, keys in MATCH order; a missing sample sends the last good one (or zeros). */
export class HeartbeatBuilder {
  private lastGood: HostMetrics = ZERO;
  constructor(private readonly source: HeartbeatSource) {}

  build(agentId: string, wallMs: number): HeartbeatPayload {
    let m: HostMetrics | null;
    try {
      m = this.source.latest();
    } catch {
      m = null;
    }
    if (m) this.lastGood = m;
    const g = this.lastGood;
    return {
      agent_id: agentId,
      cpu_usage: g.cpu_usage,
      memory_usage: g.memory_usage,
      memory_total: g.memory_total,
      disk_usage: g.disk_usage,
      disk_total: g.disk_total,
      uptime: Math.max(0, Math.floor(this.source.uptimeSeconds())),
      status: 'active',
      timestamp: naiveLocalIso(wallMs),
    };
  }
}

export interface HeartbeatLoopOptions {
  intervalMs: number;
  failureLimit: number;
  agentId: () => string | null;
  builder: HeartbeatBuilder;
  /** Whether the connection can take a packet now (socket connected and engine open). */
  writable(): boolean;
  /** Plain emit, never volatile (docs/protocol.md §2.6). May throw. */
  send(payload: HeartbeatPayload): void;
  /** Called once when `failureLimit` consecutive beats failed; the link then closes the socket. */
  onFailureLimit(): void;
  clock?: LoopClock;
  log: Logger;
}

/**
 * The heartbeat of one connection: a fixed-rate timer on a monotonic clock. Beat n is due at start + n × interval,
 * so neither sampling nor a slow tick can make it drift; a tick that comes late after an event-loop stall sends one
 * beat and re-aligns to the grid instead of bursting.
 *
 * INVARIANTS
 * - At most one timer is pending; stop() clears it and no tick runs after stop().
 * - A beat never waits for anything: it reads the latest sample synchronously.
 * - `onFailureLimit` fires at most once per loop.
 */
export class HeartbeatLoop {
  private timer: unknown = null;
  private startedAt = 0;
  private beat = 0;
  private failures = 0;
  private stopped = false;
  private tripped = false;
  sent = 0;
  private readonly clock: LoopClock;

  constructor(private readonly opts: HeartbeatLoopOptions) {
    this.clock = opts.clock ?? systemLoopClock;
  }

  get running(): boolean {
    return !this.stopped && this.timer !== null;
  }

  /** The first beat goes out one interval after start (docs/protocol.md §2.6: 5 s after connect). */
  start(): void {
    this.startedAt = this.clock.monotonic();
    this.beat = 0;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.clock.monotonic();
    this.beat += 1;
    let due = this.startedAt + this.beat * this.opts.intervalMs;
    if (due < now) {
      this.beat = Math.ceil((now - this.startedAt) / this.opts.intervalMs);
      due = this.startedAt + this.beat * this.opts.intervalMs;
    }
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, due - now));
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    const ok = this.sendOne();
    this.failures = ok ? 0 : this.failures + 1;
    if (this.failures >= this.opts.failureLimit && !this.tripped) {
      this.tripped = true;
      this.opts.log.warn('heartbeat failed repeatedly; reconnecting', { failures: this.failures });
      this.opts.onFailureLimit();
    }
    this.schedule();
  }

  private sendOne(): boolean {
    const agentId = this.opts.agentId();
    if (agentId === null || !this.opts.writable()) return false;
    try {
      this.opts.send(this.opts.builder.build(agentId, this.clock.wallMs()));
      this.sent += 1;
      return true;
    } catch (err) {
      this.opts.log.warn('heartbeat emit failed', { err: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }
}
