import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';

/** The warning key of a runtime that did not answer in time; a later answer or a stop clears it. */
export const RUNTIME_WARNING = 'runtime';
const POLL_MS = 200;

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

  /** Resolves true when the runtime answered within `blockMs`; false leaves the wait running in the background. */
  async wait(name: string, blockMs: number): Promise<boolean> {
    const { ctx } = this;
    const token = ctx.ops.beginRuntimeWait(name);
    ctx.warnings.clear(name, RUNTIME_WARNING);
    ctx.emit({ kind: 'changed', name, reason: 'waiting_for_runtime' });
    const began = ctx.clock.monotonic();
    const endMs = began + ctx.settings.runtimeWaitMs;
    if (await this.poll(name, token, Math.min(endMs, began + Math.max(0, blockMs)))) {
      this.settle(name, token, true);
      return true;
    }
    void this.poll(name, token, endMs)
      .catch(() => false)
      .then((answered) => this.settle(name, token, answered));
    return false;
  }

  /** A start that need not block on the runtime (automatic starts): the status still shows it until it answers. */
  watch(name: string): void {
    void this.wait(name, 0).catch((err: unknown) => this.ctx.log.warn('runtime wait failed', { vplc: name, err: (err as Error).message }));
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
