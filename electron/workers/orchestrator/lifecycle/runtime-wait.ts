import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';

/** The warning key of a runtime that did not answer in time; a later answer or a stop clears it. */
export const RUNTIME_WARNING = 'runtime';
const POLL_MS = 200;

export type WaitOutcome = 'answered' | 'waiting' | 'stopped';

/**
 * Waits for a started vPLC's runtime API with the probe create uses (docs/lifecycle.md "Start and restart wait for
 * the runtime"). While it waits, the operation state holds a runtime wait (step `waiting_for_runtime`), which the
 * status reports. The wait lasts at most `runtimeWaitMs` from its beginning; a caller may stop listening earlier
 * (`blockMs`) and the wait then goes on in the background, ending by itself: cleared when the runtime answers, or a
 * warning "runtime API not answering after N s" when the time runs out. A stop ends it at once (`cancel`).
 */
export class RuntimeWaiter {
  constructor(
    private readonly ctx: OrchestratorContext,
    private readonly probe: RuntimeProbe,
  ) {}

  /**
   * Marks the vPLC as waiting for its runtime; call right after the start, in the vPLC's queue, so that a stop queued
   * behind the start always ends this wait. Returns the token of this wait for `wait`.
   */
  begin(name: string): number {
    const token = this.ctx.ops.beginRuntimeWait(name);
    this.ctx.warnings.clear(name, RUNTIME_WARNING);
    this.ctx.emit({ kind: 'changed', name, reason: 'waiting_for_runtime' });
    return token;
  }

  /**
   * `answered` within `blockMs`; `waiting`: not yet, the wait goes on in the background; `stopped`: a stop (or a newer
   * start, or the agent's shutdown) ended it first.
   */
  async wait(name: string, token: number, blockMs: number): Promise<WaitOutcome> {
    const { ctx } = this;
    const began = ctx.clock.monotonic();
    const endMs = began + ctx.settings.runtimeWaitMs;
    if (await this.poll(name, token, Math.min(endMs, began + Math.max(0, blockMs)))) {
      this.settle(name, token, true);
      return 'answered';
    }
    if (!this.current(name, token) || ctx.shutdown.aborted) return 'stopped';
    void this.poll(name, token, endMs)
      .catch(() => false)
      .then((answered) => this.settle(name, token, answered));
    return 'waiting';
  }

  /** A start that need not block on the runtime (automatic starts): the status still shows it until it answers. */
  watch(name: string): void {
    void this.wait(name, this.begin(name), 0).catch((err: unknown) => this.ctx.log.warn('runtime wait failed', { vplc: name, err: (err as Error).message }));
  }

  /** The vPLC was stopped: nothing to wait for, and a runtime warning from its last start no longer applies. */
  cancel(name: string): void {
    this.ctx.ops.endRuntimeWait(name);
    this.ctx.warnings.clear(name, RUNTIME_WARNING);
  }

  private current(name: string, token: number): boolean {
    return this.ctx.ops.runtimeWait(name)?.token === token;
  }

  private async poll(name: string, token: number, untilMs: number): Promise<boolean> {
    const { ctx } = this;
    for (;;) {
      if (!this.current(name, token) || ctx.shutdown.aborted) return false;
      const ip = ctx.store.getClient(name)?.ip;
      if (ip && (await this.probe(name, ip).catch(() => false))) return true;
      if (ctx.clock.monotonic() >= untilMs) return false;
      await sleep(POLL_MS, ctx.shutdown).catch(() => undefined);
    }
  }

  private settle(name: string, token: number, answered: boolean): void {
    const { ctx } = this;
    // A stop, a newer start or the agent's shutdown ended this wait; whoever did so owns the state now.
    if (!this.current(name, token)) return;
    ctx.ops.endRuntimeWait(name, token);
    if (!answered && !ctx.shutdown.aborted) {
      const secs = Math.round(ctx.settings.runtimeWaitMs / 1000);
      ctx.warnings.set(name, RUNTIME_WARNING, `runtime API not answering after ${secs} s`);
      ctx.log.warn('runtime API not answering after a start', { vplc: name, waitedSec: secs });
    }
    ctx.emit({ kind: 'changed', name, reason: answered ? 'started' : 'waiting_for_runtime' });
  }
}
