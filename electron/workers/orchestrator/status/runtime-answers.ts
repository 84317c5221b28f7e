import type { Clock } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';
import { Label, ownFilter } from '../docker/labels.js';

export type RuntimeAnswer = { answered: boolean; at: string };

/** A runtime that answers is probed again once its fact is this old, unless something else heard from it meanwhile. */
export const RUNTIME_PROBE_PERIOD_MS = 300_000;
/** A runtime that did not answer is probed again once its fact is this old (at most the period). */
export const SILENT_RECHECK_MS = 60_000;
/** The scheduler looks at least this often, so a silent runtime or a doubt waits no longer than this for its turn. */
export const MAX_STEP_MS = 30_000;
/** A doubt probes at once only a fact at least this old: failing polls of a runtime that still answers cannot storm. */
export const DOUBT_MIN_AGE_MS = 30_000;

type Target = { name: string; ip: string };

/**
 * The last result of every runtime probe per vPLC: the create and start waits' probes (wrapped here), the PLC
 * monitor's answered polls, and a periodic probe of the running vPLCs (one pinned TLS connection, 1 s timeout).
 * docs/status.md "Runtime answers".
 *
 * A TLS connection costs the agent about 2 ms of CPU, so the periodic probe is spread: after a first pass right at start
 * (every runtime gets its fact at once), it wakes every period / number of runtimes (at most `MAX_STEP_MS`) and probes
 * the runtime whose fact is the oldest, if that fact is due: an answering runtime's when it is a period old, a silent
 * one's at `SILENT_RECHECK_MS`. A runtime whose PLC polls answer keeps a young fact and is never probed. Each wake-up
 * carries at most one handshake.
 *
 * INVARIANTS
 * - One probe at a time (periodic and doubt probes alike); none starts after `stop()` was called, which waits for the
 *   one in flight.
 * - A probe that throws counts as not answering; nothing throws out of the scheduler.
 * - Every running runtime not busy elsewhere is probed once its fact is due; with n runtimes due at once, the last waits
 *   n steps (one period) for its turn.
 * - A doubt (a PLC poll that could not reach the runtime) about a fact that says it answers makes it due at once and,
 *   when the fact is `DOUBT_MIN_AGE_MS` old, probes it at once; a doubt about a silent runtime changes nothing.
 */
export class RuntimeAnswers {
  private readonly last = new Map<string, RuntimeAnswer>();
  /** Monotonic ms of each fact. */
  private readonly heardAt = new Map<string, number>();
  /** Runtimes a PLC poll could not reach since their last fact, which said they answer. */
  private readonly doubted = new Set<string>();
  /** Runtimes with a doubt probe queued. */
  private readonly queued = new Set<string>();
  private halt: AbortController | null = null;
  private scheduler: Promise<void> | null = null;
  private probes: Promise<void> = Promise.resolve();
  private probe: RuntimeProbe | null = null;
  /** The address to probe a runtime at now, or undefined when it must be left alone (not running, busy). */
  private current: (name: string) => string | undefined = () => undefined;

  constructor(private readonly clock: Clock) {}

  /** A result: of the periodic probe, or from outside it (a create or start wait, a PLC poll that got an answer). */
  record(name: string, answered: boolean): void {
    this.last.set(name, { answered, at: new Date(this.clock.now()).toISOString() });
    this.heardAt.set(name, this.clock.monotonic());
    this.doubted.delete(name);
  }

  /** A PLC poll could not reach the runtime: see the class invariants. */
  doubt(name: string): void {
    if (this.last.get(name)?.answered !== true) return;
    this.doubted.add(name);
    const signal = this.halt?.signal;
    if (!signal || signal.aborted || this.queued.has(name) || this.age(name) < DOUBT_MIN_AGE_MS) return;
    this.queued.add(name);
    void this.serially(signal, async () => {
      this.queued.delete(name);
      const ip = this.current(name);
      if (ip !== undefined && this.doubted.has(name)) await this.probeNow(name, ip);
    });
  }

  private age(name: string): number {
    const at = this.heardAt.get(name);
    return at === undefined ? Infinity : this.clock.monotonic() - at;
  }

  get(name: string): RuntimeAnswer | null {
    const a = this.last.get(name);
    return a ? { ...a } : null;
  }

  /** The vPLC was deleted: a later one of the same name starts without a fact. */
  forget(name: string): void {
    this.last.delete(name);
    this.heardAt.delete(name);
    this.doubted.delete(name);
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
   * Starts the periodic probe of the targets `targets()` names (running vPLCs not busy elsewhere; listed again once per
   * period). `current` gives a target's address right before its probe, or undefined when it is not to be probed now.
   */
  start(periodMs: number, targets: () => Promise<Target[]>, probe: RuntimeProbe, current: (name: string) => string | undefined): void {
    if (this.halt) return;
    const halt = (this.halt = new AbortController());
    this.probe = probe;
    this.current = current;
    this.scheduler = this.run(periodMs, targets, halt.signal);
  }

  async stop(): Promise<void> {
    const halt = this.halt;
    if (!halt) return;
    this.halt = null;
    halt.abort();
    await this.scheduler;
    await this.probes;
  }

  private async run(periodMs: number, targets: () => Promise<Target[]>, signal: AbortSignal): Promise<void> {
    let known: Target[] = [];
    /** Monotonic ms of the last list that worked; a failed one is tried again at the next step. */
    let listedAt = -Infinity;
    const relist = async (): Promise<boolean> => {
      const got = await untilAborted(targets(), signal).catch(() => undefined);
      if (signal.aborted) return false;
      if (got !== undefined) {
        known = [...new Map(got.map((t) => [t.name, t])).values()];
        listedAt = this.clock.monotonic();
      }
      return true;
    };
    if (!(await relist())) return;
    for (const t of known) await this.probeIfCurrent(t.name, signal);
    for (;;) {
      const step = Math.min(MAX_STEP_MS, periodMs / Math.max(1, known.length));
      if (!(await pause(step, signal))) return;
      if (this.clock.monotonic() - listedAt >= periodMs && !(await relist())) return;
      // Half a step of slack: wake-ups n steps apart are a period apart, give or take rounding.
      const next = this.oldestDue(known, periodMs - step / 2, Math.min(periodMs, SILENT_RECHECK_MS) - step / 2);
      if (next) await this.probeIfCurrent(next, signal);
    }
  }

  /** The target whose fact is due and the oldest (none, or doubted, counts as oldest). */
  private oldestDue(targets: readonly Target[], answeringDueMs: number, silentDueMs: number): string | undefined {
    let best: { name: string; age: number } | undefined;
    for (const { name } of targets) {
      const age = this.doubted.has(name) ? Infinity : this.age(name);
      const due = this.last.get(name)?.answered === false ? silentDueMs : answeringDueMs;
      if (age >= due && (best === undefined || age > best.age)) best = { name, age };
    }
    return best?.name;
  }

  private probeIfCurrent(name: string, signal: AbortSignal): Promise<void> {
    return this.serially(signal, async () => {
      const ip = this.current(name);
      if (ip !== undefined) await this.probeNow(name, ip);
    });
  }

  private async probeNow(name: string, ip: string): Promise<void> {
    const probe = this.probe;
    if (probe) this.record(name, await probe(name, ip).catch(() => false));
  }

  /** Runs `work` after every probe queued before it, unless `signal` has aborted by then; never rejects. */
  private serially(signal: AbortSignal, work: () => Promise<void>): Promise<void> {
    this.probes = this.probes.then(() => (signal.aborted ? undefined : work())).catch(() => undefined);
    return this.probes;
  }
}

/** `work`, or undefined as soon as `signal` aborts (a hung engine call must not hold up `stop()`). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
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
