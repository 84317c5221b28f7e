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

  /** Starts one for the vPLC's current container run, replacing one of an earlier run. */
  offer(vplc: string, run: ContainerRun): void {
    if (this.closed || this.has(vplc, run)) return;
    this.discard(vplc);
    const timer = setTimeout(() => this.discard(vplc), this.d.ttlMs);
    timer.unref?.();
    this.byVplc.set(vplc, { id: run.Id, startedAt: run.State.StartedAt, helper: this.d.start(vplc, run.Id).catch(() => null), timer });
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
