import type { Clock } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';
import { Label, ownFilter } from '../docker/labels.js';

export type RuntimeAnswer = { answered: boolean; at: string };

/**
 * The last result of every runtime probe per vPLC: the create and start waits' probes (wrapped here), the PLC
 * monitor's answered polls, and a periodic probe of the running vPLCs on the watchdog's cadence (one TLS connection per
 * vPLC per tick, 1 s timeout). A round leaves out a runtime that answered elsewhere since the previous round began:
 * its fact is already younger than the round would make it (docs/status.md "Runtime answers").
 *
 * INVARIANTS
 * - At most one periodic round runs at a time; `stop()` ends the timer.
 * - A probe that throws counts as not answering; nothing throws out of a round.
 * - A round skips only a runtime that answered outside the rounds since the previous round began and did not fail
 *   there after that (`record` false, `doubt`): none goes unprobed for two rounds unless it answered in between.
 */
export class RuntimeAnswers {
  private readonly last = new Map<string, RuntimeAnswer>();
  /** Runtimes whose last result recorded outside the rounds, since the current round began, was an answer. */
  private readonly answeredElsewhere = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;

  constructor(private readonly clock: Clock) {}

  /** A result from outside the periodic rounds (a create or start wait, a PLC poll that got an answer). */
  record(name: string, answered: boolean): void {
    this.note(name, answered);
    if (answered) this.answeredElsewhere.add(name);
    else this.answeredElsewhere.delete(name);
  }

  /** Something outside the rounds failed to reach the runtime (a PLC poll): the next round probes it, whatever came before. */
  doubt(name: string): void {
    this.answeredElsewhere.delete(name);
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

  /** Probes every target `targets()` names (running vPLCs not busy elsewhere) every `everyMs`, and once now. */
  start(everyMs: number, targets: () => Promise<Array<{ name: string; ip: string }>>, probe: RuntimeProbe): void {
    const tick = (): void => {
      if (this.round) return;
      this.round = this.probeAll(targets, probe).finally(() => (this.round = null));
    };
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
  }

  private async probeAll(targets: () => Promise<Array<{ name: string; ip: string }>>, probe: RuntimeProbe): Promise<void> {
    const fresh = new Set(this.answeredElsewhere);
    this.answeredElsewhere.clear();
    const list = await targets().catch(() => []);
    for (const t of list) if (!fresh.has(t.name)) this.note(t.name, await probe(t.name, t.ip).catch(() => false));
  }
}

/** The running vPLCs the periodic probe asks: not in an operation, a start's own wait, or another change. */
export async function runtimeTargets(ctx: OrchestratorContext): Promise<Array<{ name: string; ip: string }>> {
  const running = await ctx.engine.docker.listContainers({ filters: ownFilter(ctx.store.installationId, 'vplc') });
  return running.flatMap((c) => {
    const name = c.Labels?.[Label.vplc];
    const ip = name ? ctx.store.getClient(name)?.ip : undefined;
    if (!name || !ip || ctx.exec.busy(name) || ctx.ops.get(name) || ctx.ops.runtimeWait(name)) return [];
    return [{ name, ip }];
  });
}
