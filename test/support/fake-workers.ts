// Deterministic stand-ins for the supervisor's timers and worker threads (unit tests of the slot and the bus).
import type { Timers, WorkerHandle } from '../../electron/core/supervisor/types.js';

/** Deterministic timers: time moves only when the test says so. */
export class FakeTimers implements Timers {
  t = 0;
  private queue: Array<{ at: number; fn: () => void; id: number }> = [];
  private id = 0;
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.id;
    this.queue.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.queue = this.queue.filter((q) => q.id !== h);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

/** A thread whose event loop waits for work between any two looks, unless `hang()` stopped it. */
export class FakeWorker implements WorkerHandle {
  sent: unknown[] = [];
  private idle = 0;
  private hung = false;
  private msg: (m: unknown) => void = () => undefined;
  private exit: (c: number) => void = () => undefined;
  postMessage(m: unknown): void {
    this.sent.push(m);
  }
  onMessage(cb: (m: unknown) => void): void {
    this.msg = cb;
  }
  onExit(cb: (c: number) => void): void {
    this.exit = cb;
  }
  abandoned = false;
  private wedged = false;
  terminate(): Promise<void> {
    if (this.wedged) return new Promise(() => undefined);
    this.exit(1);
    return Promise.resolve();
  }
  abandon(): void {
    this.abandoned = true;
  }
  /** From now on terminate() never ends the thread (blocked in a system call). */
  wedge(): void {
    this.wedged = true;
  }
  loopIdleMs(): number {
    if (!this.hung) this.idle += 1;
    return this.idle;
  }
  /** From now on the loop never waits for work: busy, or stuck (whether it answers probes is up to the test). */
  hang(): void {
    this.hung = true;
  }
  say(m: unknown): void {
    this.msg(m);
  }
  crash(code = 1): void {
    this.exit(code);
  }
}
