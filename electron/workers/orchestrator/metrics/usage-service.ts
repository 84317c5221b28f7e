import path from 'node:path';
import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import { HOST_HISTORY_SAVE_MS, HostHistory } from './host-history.js';
import type { UsageRings } from './ring.js';
import { UsageSampler, type HostSample } from './sampler.js';

/** The running vPLCs are listed again at least this often, even when no Docker event said they changed. */
export const TARGETS_REFRESH_MS = 60_000;

type Listed = { name: string; id: string };

/**
 * Usage sampling for the orchestrator: the 5 s sampler over host and vPLC cgroups, fed with running vPLCs.
 *
 * INVARIANTS
 * - One inspect per container start, not per tick: the PID cache is dropped for a container on every start and die,
 *   and when its sample fails; all of it when the Docker event stream was resubscribed (events may be lost).
 * - One container list per change, not per tick: the list of running vPLCs is kept until a start or die event of one
 *   of ours (`forget`), a container that could not be sampled, or `TARGETS_REFRESH_MS` (a missed event) ends it.
 * - The host history is read back once, when sampling first starts, and saved every few minutes and on stop.
 */
export class UsageService {
  private sampler?: UsageSampler;
  private readonly pidCache = new Map<string, number>();
  private readonly history: HostHistory;
  private restored?: Promise<unknown>;
  private saveTimer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private listed: Listed[] | null = null;
  /** Monotonic ms of the last container list. */
  private listedAt = 0;
  /** Bumped by every change event, so a list that was in flight during one is not kept. */
  private epoch = 0;
  /** Container lists asked of Docker (for tests). */
  listCalls = 0;

  constructor(
    private readonly ctx: OrchestratorContext,
    private readonly rings: UsageRings,
  ) {
    this.history = new HostHistory(path.join(ctx.settings.dataDir, 'usage', 'host.json'), rings, ctx.log);
  }

  private ensure(): UsageSampler {
    this.sampler ??= new UsageSampler({
      rings: this.rings,
      listTargets: () => this.targets(),
      // A container that could not be read may have gone or restarted without its event reaching us: list it and
      // inspect its PID again next tick (a stale PID fails forever, or once reused samples an unrelated process).
      onError: (_e, context, containerId) => {
        if (containerId !== undefined) this.pidCache.delete(containerId);
        if (containerId !== undefined || context === 'listTargets') this.listed = null;
      },
    });
    return this.sampler;
  }

  start(): void {
    this.ensure().start();
    this.restored ??= this.history.restore();
    this.saveTimer ??= setInterval(() => void this.save(), HOST_HISTORY_SAVE_MS).unref();
  }

  /** Stops sampling; the host history is saved once more (`flush` waits for it). */
  stop(): void {
    this.sampler?.stop();
    if (this.saveTimer === undefined) return;
    clearInterval(this.saveTimer);
    this.saveTimer = undefined;
    void this.save();
  }

  /** Resolves once the last save of the host history is on disk (or its failure logged). */
  flush(): Promise<void> {
    return this.saving;
  }

  private save(): Promise<void> {
    // Never before the earlier run's history is back in the rings, or the file would lose it.
    this.saving = this.saving.then(async () => {
      await this.restored;
      await this.history.save();
    });
    return this.saving;
  }

  get running(): boolean {
    return this.sampler?.running ?? false;
  }

  onSample(cb: (s: HostSample) => void): () => void {
    if (!this.sampler?.running) throw new Error('usage sampling is not running');
    return this.sampler.onSample(cb);
  }

  latest(): HostSample | null {
    return this.sampler?.latest() ?? null;
  }

  sampleOnce(): Promise<unknown> {
    return this.ensure().sampleOnce();
  }

  /** A container started or died: its PID is read again at the next tick. */
  forget(containerId: string): void {
    this.pidCache.delete(containerId);
    this.listed = null;
    this.epoch += 1;
  }

  /** Events may have been missed (the Docker event stream was resubscribed): every PID and the list are read again. */
  forgetAll(): void {
    this.pidCache.clear();
    this.listed = null;
    this.epoch += 1;
  }

  private async runningVplcs(): Promise<Listed[]> {
    const now = performance.now();
    if (this.listed !== null && now - this.listedAt < TARGETS_REFRESH_MS) return this.listed;
    const epoch = this.epoch;
    this.listed = null;
    this.listCalls += 1;
    const list = await this.ctx.engine.docker.listContainers({ filters: ownFilter(this.ctx.store.installationId, 'vplc') });
    const out = list.flatMap((c) => {
      const name = c.Labels?.[Label.vplc];
      return name ? [{ name, id: c.Id }] : [];
    });
    // A change event that arrived while Docker answered: this list may predate it, so the next tick lists again.
    if (epoch === this.epoch) {
      this.listed = out;
      this.listedAt = now;
    }
    return out;
  }

  private async targets(): Promise<Array<{ name: string; containerId: string; pid: number }>> {
    const list = await this.runningVplcs();
    const out = [];
    for (const c of list) {
      if (!this.rings.has(c.name)) continue;
      let pid = this.pidCache.get(c.id);
      if (pid === undefined) {
        const info = await this.ctx.engine.inspectContainer(c.id);
        pid = info?.State.Running ? info.State.Pid : 0;
        if (pid > 0) this.pidCache.set(c.id, pid);
        // Listed but not running (it stopped between the list and the inspect): list again next tick.
        else if (this.listed === list) this.listed = null;
      }
      if (pid > 0) out.push({ name: c.name, containerId: c.id, pid });
    }
    return out;
  }
}
