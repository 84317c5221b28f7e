import type { Clock } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';
import { Label, ownFilter } from '../docker/labels.js';

export type RuntimeAnswer = { answered: boolean; at: string };

/** Each running runtime is probed about this often when nothing else heard from it (docs/status.md "Runtime answers"). */
export const RUNTIME_PROBE_PERIOD_MS = 300_000;

type Target = { name: string; ip: string };

/**
 * The last result of every runtime probe per vPLC: the create and start waits' probes (wrapped here), the PLC
 * monitor's answered polls, and a periodic probe of the running vPLCs (one TLS connection per vPLC per period, 1 s
 * timeout). A cycle leaves out a runtime that answered elsewhere since the previous cycle began: its fact is already
 * younger than the cycle would make it (docs/status.md "Runtime answers").
 *
 * A TLS connection costs the agent about 2 ms of CPU, so a cycle spreads its probes evenly over the period: every
 * wake-up carries at most one handshake, and an idle minute costs the same whichever minute it is. The first cycle
 * after start probes back to back, so that every runtime has its fact at once.
 *
 * INVARIANTS
 * - One probe at a time (cycle and doubt probes alike); `stop()` ends the cycles and waits for the probe in flight.
 * - A probe that throws counts as not answering; nothing throws out of a cycle.
 * - A cycle skips only a runtime that answered outside the cycles since the previous cycle began and did not fail
 *   there after that (`record` false, `doubt`): none goes unprobed for two cycles unless it answered in between.
 * - A doubt about a runtime whose fact says it answers probes it now (once while that doubt is pending), so a runtime
 *   that stopped answering PLC polls is not called answering for a whole period.
 */
export class RuntimeAnswers {
  private readonly last = new Map<string, RuntimeAnswer>();
  /** Runtimes whose last result recorded outside the cycles, since the current cycle began, was an answer. */
  private readonly answeredElsewhere = new Set<string>();
  /** Runtimes with a doubt probe queued. */
  private readonly doubted = new Set<string>();
  private halt: AbortController | null = null;
  private cycles: Promise<void> | null = null;
  private probes: Promise<void> = Promise.resolve();
  private probe: RuntimeProbe | null = null;
  /** The address to probe a runtime at now, or undefined when it must be left alone (not running, busy). */
  private current: (name: string) => string | undefined = () => undefined;

  constructor(private readonly clock: Clock) {}

  /** A result from outside the periodic cycles (a create or start wait, a PLC poll that got an answer). */
  record(name: string, answered: boolean): void {
    this.note(name, answered);
    if (answered) this.answeredElsewhere.add(name);
    else this.answeredElsewhere.delete(name);
  }

  /**
   * Something outside the cycles failed to reach the runtime (a PLC poll): the next cycle probes it, whatever came
   * before; if its fact says it answers, it is probed now.
   */
  doubt(name: string): void {
    this.answeredElsewhere.delete(name);
    if (!this.halt || this.halt.signal.aborted || this.last.get(name)?.answered !== true || this.doubted.has(name)) return;
    this.doubted.add(name);
    void this.serially(async () => {
      this.doubted.delete(name);
      const ip = this.current(name);
      if (ip !== undefined) await this.probeNow(name, ip);
    });
  }

  private note(name: string, answered: boolean): void {
    this.last.set(name, { answered, at: new Date(this.clock.now()).toISOString() });
  }

  get(name: string): RuntimeAnswer | null {
    const a = this.last.get(name);
    return a ? { ...a } : null;
  }

  forget(name: string): void {
    this.last.delete(name);
    this.answeredElsewhere.delete(name);
  }

  /** The same probe, recording each result. */
  wrap(probe: RuntimeProbe): RuntimeProbe {
    return async (vplc, ip) => {
      const ok = await probe(vplc, ip).catch(() => false);
      this.record(vplc, ok);
      return ok;
    };
  }

  /**
   * Probes every target `targets()` names (running vPLCs not busy elsewhere) once per `periodMs`, the first cycle now.
   * `current` gives a target's address right before its probe, or undefined when it is no longer to be probed.
   */
  start(periodMs: number, targets: () => Promise<Target[]>, probe: RuntimeProbe, current: (name: string) => string | undefined): void {
    if (this.halt) return;
    this.halt = new AbortController();
    this.probe = probe;
    this.current = current;
    this.cycles = this.run(periodMs, targets, this.halt.signal);
  }

  async stop(): Promise<void> {
    this.halt?.abort();
    await this.cycles;
    await this.probes;
    this.halt = null;
  }

  private async run(periodMs: number, targets: () => Promise<Target[]>, signal: AbortSignal): Promise<void> {
    for (let first = true; !signal.aborted; first = false) {
      const fresh = new Set(this.answeredElsewhere);
      this.answeredElsewhere.clear();
      const due = (await targets().catch(() => [])).filter((t) => !fresh.has(t.name));
      const step = periodMs / Math.max(1, due.length);
      for (const [i, t] of due.entries()) {
        if (i > 0 && !first && !(await pause(step, signal))) return;
        if (signal.aborted) return;
        await this.serially(async () => {
          const ip = this.current(t.name);
          if (ip !== undefined) await this.probeNow(t.name, ip);
        });
      }
      if (!(await pause(first || due.length === 0 ? periodMs : step, signal))) return;
    }
  }

  private async probeNow(name: string, ip: string): Promise<void> {
    const probe = this.probe;
    if (probe) this.note(name, await probe(name, ip).catch(() => false));
  }

  /** Runs `work` after every probe queued before it; never rejects. */
  private serially(work: () => Promise<void>): Promise<void> {
    this.probes = this.probes.then(work).catch(() => undefined);
    return this.probes;
  }
}

/** Resolves true after `ms`, or false at once when `signal` aborts; never keeps the process alive. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The address to probe a vPLC's runtime at now: undefined while it is in an operation, a start's own wait or another change. */
export function runtimeTarget(ctx: OrchestratorContext, name: string): string | undefined {
  const ip = ctx.store.getClient(name)?.ip;
  if (!ip || ctx.exec.busy(name) || ctx.ops.get(name) || ctx.ops.runtimeWait(name)) return undefined;
  return ip;
}

/** The running vPLCs the periodic probe asks: not in an operation, a start's own wait or another change. */
export async function runtimeTargets(ctx: OrchestratorContext): Promise<Target[]> {
  const running = await ctx.engine.docker.listContainers({ filters: ownFilter(ctx.store.installationId, 'vplc') });
  return running.flatMap((c) => {
    const name = c.Labels?.[Label.vplc];
    const ip = name ? runtimeTarget(ctx, name) : undefined;
    return name && ip ? [{ name, ip }] : [];
  });
}
