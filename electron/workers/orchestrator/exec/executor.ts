import { Readable } from 'node:stream';
import type { Logger } from '../context.js';
import type { Engine } from '../docker/engine.js';
import { dockerMessage, isNotFound, isNotModified } from '../docker/errors.js';
import { KeyedLock } from '../../../lib/sync/keyed-lock.js';
import { loadedImages } from '../images/load-messages.js';
import { stepTarget, type Step, type StepResult } from './steps.js';

function tolerated(s: Step, err: unknown): boolean {
  const t = s.tolerate ?? [];
  return (t.includes('not-found') && isNotFound(err)) || (t.includes('not-modified') && isNotModified(err));
}

/**
 * The one place that writes to Docker (docs/architecture.md "Who writes to Docker"). Every actor hands it steps as
 * data; it runs each through the engine and logs it with its vPLC, who asked and why. Work on one vPLC is serialised
 * by its keyed lock: `serial` is the queue every actor takes before it changes a vPLC.
 *
 * INVARIANTS
 * - No other module of the orchestrator calls a Docker write API (an architecture test checks the source).
 * - `serial` is not re-entrant: steps submitted from inside a `serial` section run directly (`run`, `plan`).
 * - A step whose failure its `tolerate` list names counts as done; any other failure rejects, logged at warn.
 */
/** How long after a stop or remove step a `kill` event of its container is still taken as the step's own. */
export const OWN_STOP_GRACE_MS = 2_000;

/** A stop or remove step of a vPLC's container: in flight (`endedAt` null) or just ended. */
type OwnStop = { vplc: string; container: string; endedAt: number | null };

export class Executor {
  private readonly lock = new KeyedLock();
  private readonly ownStops = new Set<OwnStop>();

  constructor(
    private readonly engine: Engine,
    private readonly log: Logger,
  ) {}

  /** Runs `fn` alone for this vPLC: after everything queued before it, before everything queued after. */
  serial<T>(vplc: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(vplc, fn);
  }

  /** Whether work for the vPLC is running or queued. */
  busy(vplc: string): boolean {
    return this.lock.busy(vplc);
  }

  /** Waits (without queuing anything) until no work for the vPLC runs or is queued; false if that takes over `timeoutMs`. */
  idle(vplc: string, timeoutMs: number): Promise<boolean> {
    return this.lock.idle(vplc, timeoutMs);
  }

  /**
   * Whether the agent is stopping or removing this container of the vPLC (`containerId`: the full id of an event), or
   * just did: the `kill` event such a step causes is the agent's own, not a sign of the engine going away.
   */
  stoppedByAgent(vplc: string, containerId: string): boolean {
    this.pruneOwnStops();
    for (const o of this.ownStops) if (o.vplc === vplc && (o.container === vplc || containerId.startsWith(o.container))) return true;
    return false;
  }

  /** Runs one step. */
  async run<S extends Step>(s: S): Promise<StepResult<S>> {
    const about = { step: s.kind, target: stepTarget(s), ...(s.vplc ? { vplc: s.vplc } : {}), by: s.by, reason: s.reason };
    this.log.info('docker step', about);
    const own: OwnStop | null = (s.kind === 'stop' || s.kind === 'remove') && s.vplc ? { vplc: s.vplc, container: s.container, endedAt: null } : null;
    if (own) {
      this.pruneOwnStops();
      this.ownStops.add(own);
    }
    try {
      return (await this.apply(s)) as StepResult<S>;
    } catch (err) {
      if (tolerated(s, err)) return undefined as StepResult<S>;
      this.log.warn('docker step failed', { ...about, err: dockerMessage(err) });
      throw err;
    } finally {
      if (own) own.endedAt = performance.now();
    }
  }

  private pruneOwnStops(): void {
    const now = performance.now();
    for (const o of this.ownStops) if (o.endedAt !== null && now - o.endedAt > OWN_STOP_GRACE_MS) this.ownStops.delete(o);
  }

  /** Runs the steps in order; the first failure ends the plan and rejects with it. */
  async plan(steps: readonly Step[]): Promise<void> {
    for (const s of steps) await this.run(s);
  }

  /** `docker import` of a rootfs archive; the engine reports a failed import inside the progress stream. */
  private async importImage(s: Extract<Step, { kind: 'import-image' }>): Promise<void> {
    const d = this.engine.docker;
    const stream = await d.importImage(Readable.from([s.archive]), { repo: s.repo, tag: s.tag, changes: [...s.changes] });
    const progress = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
      d.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => (err ? reject(err) : resolve(out))),
    );
    const failed = progress.find((p) => p.error);
    if (failed) throw new Error(`docker import failed: ${failed.error}`);
  }

  /**
   * `docker load`: the engine reports a refused archive inside its message stream, and each loaded image as
   * "Loaded image: repo:tag" (or "Loaded image ID: sha256:…" when it has no tag).
   */
  private async loadImage(s: Extract<Step, { kind: 'load-image' }>): Promise<string[]> {
    const d = this.engine.docker;
    const stream = await d.loadImage(s.archive, { quiet: false });
    const messages = await new Promise<unknown[]>((resolve, reject) =>
      d.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out))),
    );
    return loadedImages(messages);
  }

  private async apply(s: Step): Promise<string | string[] | void> {
    const d = this.engine.docker;
    switch (s.kind) {
      case 'create-container':
        return (await d.createContainer(s.options)).id;
      case 'start':
        return void (await d.getContainer(s.container).start());
      case 'stop':
        return void (await d.getContainer(s.container).stop({ t: s.timeoutSec }));
      case 'remove':
        return void (await d.getContainer(s.container).remove({ force: true }));
      case 'update':
        return void (await d.getContainer(s.container).update({ RestartPolicy: { Name: s.restartPolicy } }));
      case 'connect':
        return void (await d.getNetwork(s.network).connect({ Container: s.container, ...(s.endpoint ? { EndpointConfig: s.endpoint } : {}) }));
      case 'disconnect':
        return void (await d.getNetwork(s.network).disconnect({ Container: s.container, Force: true }));
      case 'create-network':
        return (await d.createNetwork(s.options)).id;
      case 'remove-network':
        return void (await d.getNetwork(s.network).remove());
      case 'tag-image':
        return void (await d.getImage(s.image).tag({ repo: s.repo, tag: s.tag }));
      case 'remove-image':
        return void (await d.getImage(s.image).remove());
      case 'import-image':
        return void (await this.importImage(s));
      case 'load-image':
        return this.loadImage(s);
    }
  }
}
