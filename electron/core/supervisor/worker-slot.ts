import { FromWorker, type Envelope, type WorkerRequest } from '../../lib/protocol/messages.js';
import { backoffDelay } from '../../lib/time/backoff.js';
import type { Spawn, Timers, WorkerHandle, WorkerSpec, WorkerState } from './types.js';

export type SlotDeps = {
  spawn: Spawn;
  timers: Timers;
  onState(state: WorkerState): void;
  onEvent(name: string, payload: unknown): void;
  /** A request this worker makes of another; `reply` carries the answer back to this very thread (never a successor). */
  onRequest(req: WorkerRequest, reply: (result: Envelope) => void): void;
  onLog(level: 'debug' | 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>): void;
  random?: () => number;
};

type Pending = { resolve: (e: Envelope) => void; timer: unknown };

const unavailable = (message: string): Envelope => ({ ok: false, error: { code: 'UNAVAILABLE', message } });

/**
 * One supervised worker (docs/architecture.md D2).
 *
 * INVARIANTS
 * - Only the current handle may change state; exits and messages from a replaced handle are ignored.
 * - At most one retry timer is pending; start() and stop() clear it before anything else.
 * - A worker is `running` only after `ready`; the liveness deadline runs only while running.
 * - Every request resolves exactly once: with the worker's answer, on its deadline, or when the worker goes away.
 */
export class WorkerSlot {
  private current?: WorkerHandle;
  private wanted: 'running' | 'stopped' = 'stopped';
  private attempt = 0;
  private crashes: number[] = [];
  private retry?: unknown;
  private liveness?: unknown;
  private stable?: unknown;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests that arrived while the worker was (re)starting; they go out on `ready` or fail on their deadline. */
  private readonly waitingForReady = new Set<() => void>();
  private stoppedWaiter?: () => void;
  state: WorkerState = { kind: 'stopped' };
  /** Unexpected exits since the agent started (the metrics endpoint's restarts counter). */
  crashesTotal = 0;

  constructor(
    private readonly spec: WorkerSpec,
    private readonly d: SlotDeps,
  ) {}

  private set(state: WorkerState): void {
    this.state = state;
    this.d.onState(state);
  }

  start(): void {
    this.d.timers.clearTimeout(this.retry);
    this.retry = undefined;
    this.wanted = 'running';
    this.attempt = 0;
    this.crashes = [];
    if (!this.current) this.spawn();
  }

  private spawn(): void {
    const handle = this.d.spawn(this.spec.entry, { maxOldGenerationSizeMb: this.spec.maxOldGenerationSizeMb, maxYoungGenerationSizeMb: this.spec.maxYoungGenerationSizeMb });
    this.current = handle;
    this.set({ kind: 'starting' });
    handle.onMessage((raw) => this.onMessage(handle, raw));
    handle.onExit((code) => this.onExit(handle, code));
    handle.postMessage({ t: 'start', config: this.spec.config });
    this.armLiveness(handle);
  }

  private armLiveness(handle: WorkerHandle): void {
    this.d.timers.clearTimeout(this.liveness);
    this.liveness = this.d.timers.setTimeout(() => {
      if (handle !== this.current) return;
      this.d.onLog('warn', `worker ${this.spec.name} missed its liveness deadline; terminating it`);
      this.set({ kind: 'unresponsive' });
      void handle.terminate();
    }, this.spec.livenessMs);
  }

  private onMessage(handle: WorkerHandle, raw: unknown): void {
    if (handle !== this.current) return;
    const parsed = FromWorker.safeParse(raw);
    if (!parsed.success) {
      this.d.onLog('warn', `worker ${this.spec.name} sent a malformed message`, { issue: parsed.error.issues[0]?.message });
      return;
    }
    const m = parsed.data;
    switch (m.t) {
      case 'ready':
        this.set({ kind: 'running', since: this.d.timers.now() });
        for (const go of [...this.waitingForReady]) go();
        this.armLiveness(handle);
        this.stable = this.d.timers.setTimeout(() => {
          this.attempt = 0;
        }, this.spec.stableMs);
        return;
      case 'alive':
        if (this.state.kind === 'running' || this.state.kind === 'starting') this.armLiveness(handle);
        return;
      case 'res': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.d.timers.clearTimeout(p.timer);
        p.resolve(m.result);
        return;
      }
      case 'event':
        this.d.onEvent(m.name, m.payload);
        return;
      case 'req':
        this.d.onRequest(m, (result) => {
          if (handle === this.current) handle.postMessage({ t: 'res', id: m.id, result });
        });
        return;
      case 'log':
        this.d.onLog(m.level, `[${this.spec.name}] ${m.msg}`, m.data);
        return;
      case 'stopped':
        this.stoppedWaiter?.();
        return;
    }
  }

  private onExit(handle: WorkerHandle, code: number): void {
    if (handle !== this.current) return;
    this.current = undefined;
    this.d.timers.clearTimeout(this.liveness);
    this.d.timers.clearTimeout(this.stable);
    for (const [id, p] of this.pending) {
      this.d.timers.clearTimeout(p.timer);
      p.resolve(unavailable(`worker ${this.spec.name} exited before answering`));
      this.pending.delete(id);
    }
    this.stoppedWaiter?.();
    if (this.wanted === 'stopped') return this.set({ kind: 'stopped' });
    this.crashesTotal++;
    const now = this.d.timers.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.spec.loop.windowMs), now];
    const looping = this.crashes.length >= this.spec.loop.maxCrashes;
    // A crash loop pauses fast restarts but never gives up: it keeps retrying slowly and says so.
    const delay = looping ? this.spec.loop.slowRetryMs : backoffDelay(this.attempt++, this.spec.backoff, this.d.random);
    this.d.onLog(looping ? 'error' : 'warn', `worker ${this.spec.name} exited with code ${code}; restarting in ${Math.round(delay / 1000)} s`, {
      crashesInWindow: this.crashes.length,
    });
    this.set({ kind: looping ? 'failed' : 'backoff', exitCode: code, retryAt: now + delay, crashes: this.crashes.length });
    this.retry = this.d.timers.setTimeout(() => {
      this.retry = undefined;
      if (this.wanted === 'running' && !this.current) this.spawn();
    }, delay);
  }

  /**
   * Sends one request; always resolves (never rejects) with the worker's envelope or an UNAVAILABLE/TIMEOUT one.
   * While the worker is (re)starting the request waits for it, within the same deadline.
   */
  request(op: string, input: unknown, timeoutMs: number): Promise<Envelope> {
    // A stopping worker still answers: the cloud link drains its in-flight acks through these requests.
    if ((this.state.kind === 'running' || this.state.kind === 'stopping') && this.current) return this.send(this.current, op, input, timeoutMs);
    if (this.wanted !== 'running' || this.state.kind === 'failed') return Promise.resolve(unavailable(`worker ${this.spec.name} is ${this.state.kind}`));
    const started = this.d.timers.now();
    return new Promise((resolve) => {
      const go = (): void => {
        this.waitingForReady.delete(go);
        this.d.timers.clearTimeout(timer);
        const left = timeoutMs - (this.d.timers.now() - started);
        resolve(this.current && left > 0 ? this.send(this.current, op, input, left) : unavailable(`worker ${this.spec.name} is ${this.state.kind}`));
      };
      const timer = this.d.timers.setTimeout(() => {
        this.waitingForReady.delete(go);
        resolve(unavailable(`worker ${this.spec.name} did not become ready within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waitingForReady.add(go);
    });
  }

  private send(handle: WorkerHandle, op: string, input: unknown, timeoutMs: number): Promise<Envelope> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = this.d.timers.setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { code: 'TIMEOUT', message: `worker ${this.spec.name} did not answer ${op} within ${timeoutMs} ms` } });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      handle.postMessage({ t: 'req', id, op, input });
    });
  }

  /** Asks the worker to stop within `graceMs`, then terminates it. */
  async stop(graceMs: number): Promise<void> {
    // The protocol carries whole milliseconds; a fractional budget (from performance.now()) would be refused as malformed.
    graceMs = Math.max(1, Math.round(graceMs));
    this.d.timers.clearTimeout(this.retry);
    this.retry = undefined;
    this.wanted = 'stopped';
    const handle = this.current;
    if (!handle) return this.set({ kind: 'stopped' });
    this.set({ kind: 'stopping' });
    const done = new Promise<void>((resolve) => {
      this.stoppedWaiter = resolve;
      this.d.timers.setTimeout(resolve, graceMs);
    });
    handle.postMessage({ t: 'stop', graceMs });
    await done;
    this.stoppedWaiter = undefined;
    if (this.current === handle) await handle.terminate();
  }
}
