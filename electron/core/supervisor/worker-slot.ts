import { FromWorker, type Envelope, type ThreadFacts, type WorkerRequest } from '../../lib/protocol/messages.js';
import { backoffDelay } from '../../lib/time/backoff.js';
import { ABANDONED_EXIT_CODE, DEFAULT_ANSWER_WITHIN_MS, DEFAULT_EXIT_WITHIN_MS, type Spawn, type Timers, type WorkerHandle, type WorkerSpec, type WorkerState } from './types.js';

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
 * - A worker is `running` only after `ready`; liveness is judged only while it starts or runs, by `checkLiveness`.
 * - Every request resolves exactly once: with the worker's answer, on its deadline, or when the worker goes away.
 */
export class WorkerSlot {
  private current?: WorkerHandle;
  private wanted: 'running' | 'stopped' = 'stopped';
  private attempt = 0;
  private crashes: number[] = [];
  private retry?: unknown;
  private stable?: unknown;
  /** The current thread's loop idle time at the last check that saw progress. */
  private lastIdle = 0;
  /** Checks in a row without progress, and checks since the thread last answered (a probe or a request). */
  private silentChecks = 0;
  private quietChecks = 0;
  /** Since the last check: any message from the thread, and an answer from it. */
  private heard = false;
  private answered = false;
  /** Idle time and other messages no longer count until the thread answers (quiet too long, or a request timed out). */
  private mustAnswer = false;
  /** An unanswered liveness probe is out. */
  private probing = false;
  private readonly hangChecks: number;
  private readonly quietLimit: number;
  private nextProbe = 1;
  private readonly probes = new Map<number, (facts: ThreadFacts | null) => void>();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests that arrived while the worker was (re)starting; they go out on `ready` or fail on their deadline. */
  private readonly waitingForReady = new Set<() => void>();
  private stoppedWaiter?: () => void;
  state: WorkerState = { kind: 'stopped' };
  /** Unexpected exits since the agent started (the metrics endpoint's restarts counter). */
  crashesTotal = 0;

  /** `checkEveryMs`: the period at which the supervisor calls `checkLiveness`; deadlines are counted in these periods. */
  constructor(
    private readonly spec: WorkerSpec,
    private readonly d: SlotDeps,
    checkEveryMs = spec.livenessMs / 3,
  ) {
    this.hangChecks = Math.max(1, Math.round(spec.livenessMs / checkEveryMs));
    this.quietLimit = Math.max(1, Math.ceil((spec.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS) / checkEveryMs));
  }

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
    const handle = this.d.spawn(this.spec.entry, { name: this.spec.name, maxOldGenerationSizeMb: this.spec.maxOldGenerationSizeMb, maxYoungGenerationSizeMb: this.spec.maxYoungGenerationSizeMb });
    this.current = handle;
    this.set({ kind: 'starting' });
    handle.onMessage((raw) => this.onMessage(handle, raw));
    handle.onExit((code) => this.onExit(handle, code));
    handle.postMessage({ t: 'start', config: this.spec.config });
    this.fresh(handle);
  }

  private progressed(handle: WorkerHandle): void {
    this.lastIdle = handle.loopIdleMs();
    this.silentChecks = 0;
    this.probing = false;
  }

  private fresh(handle: WorkerHandle): void {
    this.heard = this.answered = this.mustAnswer = false;
    this.quietChecks = 0;
    this.progressed(handle);
  }

  /**
   * Called on the supervisor's clock. A running thread whose event loop waited for work, or that sent anything, since
   * the last look is alive, with no message sent to it. One that did neither is busy or hung: it gets a probe, which a
   * busy loop answers between tasks. An idle loop does not show that messages still reach the thread (it may have closed
   * its port or dropped its listener), so a thread that has not answered for `answerWithinMs`, or let a request time
   * out, must answer a probe whatever its loop does; so must a starting thread. `livenessMs` without progress ends it.
   */
  checkLiveness(): void {
    const handle = this.current;
    if (!handle || (this.state.kind !== 'running' && this.state.kind !== 'starting')) return;
    const { heard, answered } = this;
    this.heard = this.answered = false;
    if (answered) {
      this.quietChecks = 0;
      this.mustAnswer = false;
    } else if (++this.quietChecks >= this.quietLimit) this.mustAnswer = true;
    const strict = this.mustAnswer || this.state.kind === 'starting';
    if (answered || (!strict && (heard || handle.loopIdleMs() > this.lastIdle))) return this.progressed(handle);
    if (++this.silentChecks >= this.hangChecks) {
      this.d.onLog('warn', `worker ${this.spec.name} missed its liveness deadline; terminating it`);
      this.set({ kind: 'unresponsive' });
      void this.end(handle);
      return;
    }
    if (!this.probing) {
      this.probing = true;
      handle.postMessage({ t: 'probe', id: this.nextProbe++ });
    }
  }

  /** The thread's id and heap, asked of it now; null when it is not running or does not answer within `timeoutMs`. */
  threadFacts(timeoutMs: number): Promise<ThreadFacts | null> {
    const handle = this.current;
    if (!handle || this.state.kind !== 'running') return Promise.resolve(null);
    const id = this.nextProbe++;
    return new Promise((resolve) => {
      const timer = this.d.timers.setTimeout(() => this.answerProbe(id, null), timeoutMs);
      this.probes.set(id, (facts) => {
        this.d.timers.clearTimeout(timer);
        resolve(facts);
      });
      handle.postMessage({ t: 'probe', id });
    });
  }

  private answerProbe(id: number, facts: ThreadFacts | null): void {
    const waiter = this.probes.get(id);
    this.probes.delete(id);
    waiter?.(facts);
  }

  private onMessage(handle: WorkerHandle, raw: unknown): void {
    if (handle !== this.current) return;
    const parsed = FromWorker.safeParse(raw);
    if (!parsed.success) {
      this.d.onLog('warn', `worker ${this.spec.name} sent a malformed message`, { issue: parsed.error.issues[0]?.message });
      return;
    }
    const m = parsed.data;
    this.heard = true;
    // An answer shows that messages still reach the thread, which its idle loop alone does not.
    if (m.t === 'ready' || m.t === 'alive' || m.t === 'res') this.answered = true;
    switch (m.t) {
      case 'ready':
        this.set({ kind: 'running', since: this.d.timers.now() });
        for (const go of [...this.waitingForReady]) go();
        this.fresh(handle);
        this.stable = this.d.timers.setTimeout(() => {
          this.attempt = 0;
        }, this.spec.stableMs);
        return;
      case 'alive': {
        const { tid, heapUsed, heapTotal } = m;
        this.answerProbe(m.id, { tid, heapUsed, heapTotal });
        return;
      }
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
    this.d.timers.clearTimeout(this.stable);
    for (const id of [...this.probes.keys()]) this.answerProbe(id, null);
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
        // A thread that lets a request time out may no longer receive messages: its idle loop stops counting as alive.
        if (handle === this.current) this.mustAnswer = true;
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
    if (this.current === handle) await this.end(handle);
  }

  /**
   * Terminates the thread, within `exitWithinMs`. A thread blocked in a system call (execSync, a D-state read) does not
   * exit on terminate until the call returns, maybe never: past the deadline the slot lets go of it and goes on as if it
   * had exited (a replacement starts with the usual backoff, or the slot is stopped).
   */
  private async end(handle: WorkerHandle): Promise<void> {
    const ms = this.spec.exitWithinMs ?? DEFAULT_EXIT_WITHIN_MS;
    let timer: unknown;
    const late = new Promise<'late'>((resolve) => (timer = this.d.timers.setTimeout(() => resolve('late'), ms)));
    const outcome = await Promise.race([handle.terminate().then(() => 'exited' as const), late]);
    this.d.timers.clearTimeout(timer);
    if (outcome === 'exited' || this.current !== handle) return;
    this.d.onLog('error', `worker ${this.spec.name} did not exit within ${Math.round(ms / 1000)} s of being terminated; abandoning its thread`);
    handle.abandon();
    this.onExit(handle, ABANDONED_EXIT_CODE);
  }
}
