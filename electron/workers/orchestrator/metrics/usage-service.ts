import path from 'node:path';
import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import { HOST_HISTORY_SAVE_MS, HostHistory } from './host-history.js';
import type { UsageRings } from './ring.js';
import { UsageSampler, type HostSample } from './sampler.js';

/**
 * Usage sampling for the orchestrator: the 5 s sampler over host and vPLC cgroups, fed with running vPLCs.
 *
 * INVARIANTS
 * - One inspect per container start, not per tick: the PID cache is dropped for a container on every start and die.
 * - The host history is read back once, when sampling first starts, and saved every few minutes and on stop.
 */
export class UsageService {
  private sampler?: UsageSampler;
  private readonly pidCache = new Map<string, number>();
  private readonly history: HostHistory;
  private restored?: Promise<unknown>;
  private saveTimer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: OrchestratorContext,
    private readonly rings: UsageRings,
  ) {
    this.history = new HostHistory(path.join(ctx.settings.dataDir, 'usage', 'host.json'), rings, ctx.log);
  }

  private ensure(): UsageSampler {
    this.sampler ??= new UsageSampler({ rings: this.rings, listTargets: () => this.targets() });
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
  }

  private async targets(): Promise<Array<{ name: string; containerId: string; pid: number }>> {
    const list = await this.ctx.engine.docker.listContainers({ filters: ownFilter(this.ctx.store.installationId, 'vplc') });
    const out = [];
    for (const c of list) {
      const name = c.Labels?.[Label.vplc];
      if (!name || !this.rings.has(name)) continue;
      let pid = this.pidCache.get(c.Id);
      if (pid === undefined) {
        const info = await this.ctx.engine.inspectContainer(c.Id);
        pid = info?.State.Running ? info.State.Pid : 0;
        if (pid > 0) this.pidCache.set(c.Id, pid);
      }
      if (pid > 0) out.push({ name, containerId: c.Id, pid });
    }
    return out;
  }
}
