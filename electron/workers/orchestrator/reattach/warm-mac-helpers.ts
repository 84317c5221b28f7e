import type { Logger } from '../context.js';
import type { WireHelper } from './wire-helper.js';

/** A vPLC's container as the warm helper was started for it: a restart (new `StartedAt`) means a new namespace. */
export type ContainerRun = { Id: string; State: { StartedAt: string } };

type Entry = { id: string; startedAt: string; helper: Promise<WireHelper | null>; timer: NodeJS.Timeout };

export type WarmMacHelpersDeps = {
  /** Creates and starts a MAC helper in the container's namespace; null when it could not start. */
  start: (vplc: string, containerId: string) => Promise<WireHelper | null>;
  /** How long a helper nobody took waits before it is discarded. */
  ttlMs: number;
};

/**
 * MAC helpers started while netmon's debounce for a parent runs (docs/decisions.md "Debounce"), so the move that may
 * follow finds them already in each vPLC's namespace instead of starting them while Docker disconnects and connects.
 * They are the helpers a move would start anyway (reattach/wire-helper.ts); the move takes them with `take`.
 *
 * INVARIANTS
 * - At most one per vPLC; each is taken once, or discarded when its time is up (`ttlMs` after the last offer for the
 *   same run), when it belongs to a container run that is over, or at `close`. A discarded helper exits and Docker
 *   removes it (ScriptHelper.discard).
 * - Never throws; a helper that could not start is a null the move replaces with a helper of its own.
 */
export class WarmMacHelpers {
  private readonly byVplc = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly d: WarmMacHelpersDeps) {}

  /** How many are held (tests and logs). */
  get size(): number {
    return this.byVplc.size;
  }

  /** Whether one is held for this container run; its time starts again (the same change is still settling). */
  has(vplc: string, run: ContainerRun): boolean {
    const e = this.byVplc.get(vplc);
    if (!e || e.id !== run.Id || e.startedAt !== run.State.StartedAt) return false;
    e.timer.refresh();
    return true;
  }

  /** Starts one for the vPLC's current container run, replacing one of an earlier run; false when one was held already. */
  offer(vplc: string, run: ContainerRun): boolean {
    if (this.closed || this.has(vplc, run)) return false;
    this.discard(vplc);
    const timer = setTimeout(() => this.discard(vplc), this.d.ttlMs);
    timer.unref?.();
    this.byVplc.set(vplc, { id: run.Id, startedAt: run.State.StartedAt, helper: this.d.start(vplc, run.Id).catch(() => null), timer });
    return true;
  }

  /** The helper held for this container run, if it is still open; any other held one is discarded. */
  async take(vplc: string, run: ContainerRun): Promise<WireHelper | null> {
    const e = this.byVplc.get(vplc);
    if (!e) return null;
    this.byVplc.delete(vplc);
    clearTimeout(e.timer);
    const helper = await e.helper;
    if (e.id === run.Id && e.startedAt === run.State.StartedAt && helper?.open) return helper;
    helper?.discard();
    return null;
  }

  /** Discards every helper held; resolves once those still starting have started (and been discarded) or failed. */
  async close(): Promise<void> {
    this.closed = true;
    const starting = [...this.byVplc.values()].map((e) => e.helper);
    for (const vplc of [...this.byVplc.keys()]) this.discard(vplc);
    await Promise.allSettled(starting);
  }

  /** The vPLC needs none after all. */
  discard(vplc: string): void {
    const e = this.byVplc.get(vplc);
    if (!e) return;
    this.byVplc.delete(vplc);
    clearTimeout(e.timer);
    void e.helper.then((h) => h?.discard());
  }
}

/**
 * The most MAC helpers started ahead of one pending change: a hint that ends in no move (an address added beside the
 * one in use, a change undone within the debounce) costs their starts, so a large parent gets a head start for its
 * first vPLCs only; a move starts the others' helpers itself, as without a hint.
 */
export const PREWARM_MAX = 32;

export type StartAheadDeps = {
  warm: WarmMacHelpers;
  /** The vPLC's container as the engine has it now; null when there is none. */
  resolve: (vplc: string) => Promise<(ContainerRun & { State: { Running: boolean } }) | null | undefined>;
  /** An operation holds the vPLC (or the re-attacher closed): it gets no helper ahead. */
  isBusy: (vplc: string) => boolean;
  log: Logger;
};

/**
 * A head start for a pending change of `iface` (docs/decisions.md "Debounce"): a MAC helper for each of `vplcs` (those
 * that should run, in the order a move takes them) whose container runs and that no operation holds, at most
 * PREWARM_MAX. Never rejects.
 */
export async function startAhead(d: StartAheadDeps, iface: string, vplcs: readonly string[]): Promise<void> {
  const names = vplcs.filter((n) => !d.isBusy(n)).slice(0, PREWARM_MAX);
  const runs = await Promise.all(names.map((n) => d.resolve(n).catch(() => null)));
  let started = 0;
  for (const [i, name] of names.entries()) {
    const run = runs[i];
    // Checked again: an operation (or the move itself) may have taken the vPLC while it was inspected.
    if (run?.State.Running && !d.isBusy(name) && d.warm.offer(name, run)) started++;
  }
  if (started) d.log.info('re-attach: MAC helpers started ahead of a pending address change', { parent: iface, vplcs: started });
}
