import type { KeyedLock } from '../../../lib/sync/keyed-lock.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage, isNotModified } from '../docker/errors.js';
import { isOwn } from '../docker/labels.js';
import { removeHelpers, stopContainer } from '../delete/pipeline.js';
import type { CrashGuard } from './crash-guard.js';
import { reprovision } from './reprovision.js';

export type ControlResult =
  | { status: 'success'; device_id: string; container_status: string; message: string }
  | { status: 'error'; device_id: string; error: string };

/**
 * start / stop / restart of a managed vPLC (PROTOCOL §4.10), under the per-vPLC lock that re-provisioning also takes.
 *
 * INVARIANTS
 * - `desired_state` is persisted before the container is touched, so the watchdog never fights an explicit stop.
 * - Starts the agent makes itself are remembered in `ownStarts`, so their Docker `start` events do not re-provision twice.
 */
export class VplcControl {
  readonly ownStarts = new Set<string>();

  constructor(
    private readonly ctx: OrchestratorContext,
    private readonly lock: KeyedLock,
    private readonly guard: CrashGuard,
  ) {}

  private refusal(name: string): ControlResult | null {
    const op = this.ctx.ops.inProgress(name);
    if (op) return { status: 'error', device_id: name, error: `Container ${name} already has a ${op} operation in progress` };
    return null;
  }

  private async managed(name: string): Promise<{ id: string; running: boolean } | null> {
    const info = await this.ctx.engine.inspectContainer(name);
    if (!info || !isOwn(info.Config.Labels, this.ctx.store.installationId, 'vplc')) return null;
    return { id: info.Id, running: info.State.Running };
  }

  private record(name: string, requester: Requester, what: string): void {
    this.ctx.log.info(`vPLC ${what}`, { vplc: name, requestedBy: requester });
  }

  /** Starts the container and re-provisions it; used by start, restart, boot sync and the watchdog. */
  async startContainer(name: string, id: string): Promise<void> {
    this.ownStarts.add(name);
    try {
      await this.ctx.engine.docker.getContainer(id).start();
    } catch (err) {
      this.ownStarts.delete(name);
      if (!isNotModified(err)) throw err;
    }
    await reprovision(this.ctx, name);
    this.ctx.emit({ kind: 'changed', name, reason: 'started' });
  }

  async start(name: string, requester: Requester): Promise<ControlResult> {
    const refused = this.refusal(name);
    if (refused) return refused;
    return this.lock.run(name, async () => {
      const c = await this.managed(name);
      if (!c) return { status: 'error', device_id: name, error: `Device not found: ${name}` };
      this.ctx.ops.clearError(name);
      await this.ctx.store.patchDesired(name, { desired_state: 'running' });
      this.guard.clear(name);
      if (c.running) return { status: 'success', device_id: name, container_status: 'running', message: `Container ${name} is already running` };
      try {
        await this.startContainer(name, c.id);
      } catch (err) {
        return { status: 'error', device_id: name, error: `Could not start ${name}: ${dockerMessage(err)}` };
      }
      this.record(name, requester, 'started');
      return { status: 'success', device_id: name, container_status: await this.containerStatus(name), message: `Container ${name} started` };
    });
  }

  async stop(name: string, requester: Requester): Promise<ControlResult> {
    const refused = this.refusal(name);
    if (refused) return refused;
    return this.lock.run(name, async () => {
      const c = await this.managed(name);
      if (!c) return { status: 'error', device_id: name, error: `Device not found: ${name}` };
      this.ctx.ops.clearError(name);
      await this.ctx.store.patchDesired(name, { desired_state: 'stopped' });
      try {
        await this.ctx.dhcp.stop(name);
        await removeHelpers(this.ctx, name);
        await stopContainer(this.ctx, this.ctx.engine.docker.getContainer(c.id));
      } catch (err) {
        return { status: 'error', device_id: name, error: `Could not stop ${name}: ${dockerMessage(err)}` };
      }
      this.record(name, requester, 'stopped');
      this.ctx.emit({ kind: 'changed', name, reason: 'stopped' });
      return { status: 'success', device_id: name, container_status: await this.containerStatus(name), message: `Container ${name} stopped` };
    });
  }

  async restart(name: string, requester: Requester): Promise<ControlResult> {
    const refused = this.refusal(name);
    if (refused) return refused;
    return this.lock.run(name, async () => {
      const c = await this.managed(name);
      if (!c) return { status: 'error', device_id: name, error: `Device not found: ${name}` };
      this.ctx.ops.clearError(name);
      await this.ctx.store.patchDesired(name, { desired_state: 'running' });
      try {
        await this.ctx.dhcp.stop(name);
        await removeHelpers(this.ctx, name);
        await stopContainer(this.ctx, this.ctx.engine.docker.getContainer(c.id));
        await this.startContainer(name, c.id);
      } catch (err) {
        return { status: 'error', device_id: name, error: `Could not restart ${name}: ${dockerMessage(err)}` };
      }
      this.record(name, requester, 'restarted');
      return { status: 'success', device_id: name, container_status: await this.containerStatus(name), message: `Container ${name} restarted` };
    });
  }

  /** The watchdog's restart: under the lock, re-checking that nobody stopped it meanwhile. */
  async watchdogStart(name: string): Promise<boolean> {
    return this.lock.run(name, async () => {
      const desired = this.ctx.store.getDesired(name);
      if (desired?.desired_state === 'stopped' || this.ctx.ops.inProgress(name)) return false;
      const c = await this.managed(name);
      if (!c || c.running) return false;
      try {
        await this.startContainer(name, c.id);
        return true;
      } catch (err) {
        this.ctx.log.warn('watchdog restart failed', { vplc: name, err: dockerMessage(err) });
        return false;
      }
    });
  }

  /** A `start` event the agent did not cause (e.g. `docker start`): re-provision once, under the lock. */
  onStartEvent(name: string): void {
    if (this.ownStarts.delete(name)) return;
    void this.lock.run(name, () => reprovision(this.ctx, name)).catch((err: unknown) => this.ctx.log.warn('re-provision failed', { vplc: name, err: String(err) }));
  }

  private async containerStatus(name: string): Promise<string> {
    return (await this.ctx.engine.inspectContainer(name))?.State.Status ?? 'unknown';
  }
}
