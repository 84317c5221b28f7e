import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { UsageRings } from './ring.js';
import { UsageSampler, type HostSample } from './sampler.js';

/**
 * Usage sampling for the orchestrator: the 5 s sampler over host and vPLC cgroups, fed with running vPLCs.
 *
 * INVARIANTS
 * - One inspect per container start, not per tick: the PID cache is dropped for a container on every start and die.
 */
export class UsageService {
  private sampler?: UsageSampler;
  private readonly pidCache = new Map<string, number>();

  constructor(
    private readonly ctx: OrchestratorContext,
    private readonly rings: UsageRings,
  ) {}

  private ensure(): UsageSampler {
    this.sampler ??= new UsageSampler({ rings: this.rings, listTargets: () => this.targets() });
    return this.sampler;
  }

  start(): void {
    this.ensure().start();
  }

  stop(): void {
    this.sampler?.stop();
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
