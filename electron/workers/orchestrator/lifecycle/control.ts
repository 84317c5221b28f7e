import type { AutoStartReason } from '../../../../shared/domain/operations.js';
import { gateStaticAddresses, type ProbedAddresses } from '../create/address-check.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import type { OrchestratorContext } from '../context.js';
import type { StepActor } from '../exec/steps.js';
import { isEngineUnavailable } from '../docker/engine-health.js';
import { dockerMessage, isNotModified } from '../docker/errors.js';
import { isOwn } from '../docker/labels.js';
import { removeHelpers } from '../delete/pipeline.js';
import { afterJoinSettled } from '../net/after-join.js';
import { describeStop, stopContainer, type StopOutcome } from '../delete/stop.js';
import type { CrashGuard } from './crash-guard.js';
import { reprovision } from './reprovision.js';
import { removeWifiBridges } from '../wifi/provision.js';
import type { RuntimeWaiter } from './runtime-wait.js';

export type { AutoStartReason };
export type AutoStartOutcome = 'started' | 'skipped' | 'failed' | 'engine-unavailable';

/** `reprovision: false` leaves docs/protocol.md §6.3 to a later `reprovisionLater` (many starts at once: containers first). */
export type StartOptions = {
  reprovision?: boolean;
  reason?: string;
  /** The ARP probes a round of starts made ahead (lifecycle/start-probes.ts), used instead of probing again while recent. */
  probed?: ProbedAddresses;
};

/** `starting`: the container runs but its runtime API did not answer within the command's budget (local API only). */
export type ControlResult =
  | { status: 'success'; device_id: string; container_status: string; message: string }
  | { status: 'starting'; device_id: string; container_status: string; message: string }
  | { status: 'error'; device_id: string; error: string };

/** A start or restart whose container started; the runtime wait decides its answer. */
type Started = { status: 'started'; message: string; wait: number };

/** The cloud acks of start/restart add no status values (docs/protocol.md §4.10): `starting` is a `success` whose message says so. */
export function cloudControlResult(r: ControlResult): Exclude<ControlResult, { status: 'starting' }> {
  return r.status === 'starting' ? { ...r, status: 'success' } : r;
}

/** Automatic starts (boot sync, watchdog) only for vPLCs whose persisted desired state says running. */
export function shouldRunAutomatically(ctx: OrchestratorContext, name: string): boolean {
  const d = ctx.store.getDesired(name);
  return d?.desired_state === 'running' && !d.tombstone && !ctx.ops.inProgress(name);
}

/**
 * start / stop / restart of a managed vPLC (docs/protocol.md §4.10), in the vPLC's executor queue (`exec.serial`), which
 * re-provisioning also takes.
 *
 * INVARIANTS
 * - `desired_state` is persisted before the container is touched, so the watchdog never fights an explicit stop;
 *   a vPLC adopted without a record gets one at that moment.
 * - Starts the agent makes itself are remembered in `ctx.ownStarts`, so their Docker `start` events do not re-provision twice.
 * - Every failure becomes an error result; nothing throws past these methods.
 */
export class VplcControl {
  constructor(
    private readonly ctx: OrchestratorContext,
    private readonly guard: CrashGuard,
    private readonly runtime: RuntimeWaiter,
  ) {}

  private refusal(name: string): ControlResult | null {
    const op = this.ctx.ops.inProgress(name);
    if (op) return { status: 'error', device_id: name, error: `Container ${name} already has a ${op} operation in progress` };
    return null;
  }

  private async managed(name: string): Promise<{ id: string; running: boolean } | null> {
    const info = await this.ctx.engine.resolveVplc(name, this.ctx.store.installationId);
    if (!info || !isOwn(info.Config.Labels, this.ctx.store.installationId, 'vplc')) return null;
    return { id: info.Id, running: info.State.Running };
  }

  private record(name: string, requester: Requester, what: string): void {
    this.ctx.log.info(`vPLC ${what}`, { vplc: name, requestedBy: requester });
  }

  /** Starts the container and re-provisions it (best effort); used by start, restart, boot sync and the watchdog. */
  async startContainer(name: string, id: string, by: StepActor, options: StartOptions = {}): Promise<void> {
    await this.checkAddressesBeforeStart(name, id, by, options.probed);
    this.ctx.ownStarts.add(id);
    try {
      await this.ctx.exec.run({ kind: 'start', container: id, vplc: name, by, reason: options.reason ?? 'start' });
    } catch (err) {
      this.ctx.ownStarts.delete(id);
      if (!isNotModified(err)) throw err;
    }
    if (options.reprovision !== false) await this.reprovisionAfterStart(name);
    this.ctx.emit({ kind: 'changed', name, reason: 'started' });
  }

  /** The ARP probe before the vNICs join the LAN again; a probe that cannot run never blocks the start. */
  private async checkAddressesBeforeStart(name: string, id: string, by: StepActor, probed?: ProbedAddresses): Promise<void> {
    try {
      const info = await this.ctx.engine.inspectContainer(id);
      if (!info || info.State.Running) return;
      await gateStaticAddresses(this.ctx, name, id, new Set(Object.keys(info.NetworkSettings.Networks ?? {})), by, probed);
    } catch (err) {
      this.ctx.warnings.set(name, 'arp:check', `IP conflicts were not checked before the start: ${dockerMessage(err)}`);
    }
  }

  /** docs/protocol.md §6.3 after a start; failures become warnings. Call in the vPLC's executor queue. */
  private async reprovisionAfterStart(name: string): Promise<void> {
    try {
      await reprovision(this.ctx, name);
      this.ctx.warnings.clear(name, 'reprovision');
    } catch (err) {
      this.ctx.warnings.set(name, 'reprovision', `re-provisioning after start failed: ${dockerMessage(err)}`);
    }
  }

  /** The re-provisioning a deferred start left out, in the vPLC's executor queue; only while the vPLC still runs. */
  reprovisionLater(name: string): Promise<void> {
    return this.ctx.exec
      .serial(name, async () => {
        if ((await this.managed(name))?.running) await this.reprovisionAfterStart(name);
      })
      .catch((err: unknown) => this.ctx.log.warn('re-provision failed', { vplc: name, err: dockerMessage(err) }));
  }

  /** The helpers (DHCP clients, one-shot helpers) first, then the runtime itself, within the stop timeout. */
  private async halt(name: string, id: string, requester: Requester, why: 'stop' | 'restart'): Promise<StopOutcome> {
    // A create's route and gratuitous-ARP helper may still run (its success does not wait for it): let it finish.
    await afterJoinSettled(this.ctx, name);
    await this.ctx.dhcp.stop(name);
    await this.ctx.wifiDhcp.stop(name);
    await removeHelpers(this.ctx, name, requester);
    await removeWifiBridges(this.ctx, name);
    return stopContainer(this.ctx, name, id, requester, why);
  }

  /** The managed container of an explicit command, with its stale error cleared and the user's wish recorded. */
  private async claim(name: string, desired: 'running' | 'stopped'): Promise<{ id: string; running: boolean } | null> {
    const c = await this.managed(name);
    if (!c) return null;
    this.ctx.ops.clearError(name);
    await this.ctx.store.setDesiredState(name, desired, desired === 'running' ? { tombstone: false } : undefined);
    return c;
  }

  private guarded<T extends { status: string }>(name: string, verb: string, fn: () => Promise<T | ControlResult>): Promise<T | ControlResult> {
    const refused = this.refusal(name);
    if (refused) return Promise.resolve(refused);
    return this.ctx.exec.serial(name, fn).catch((err: unknown) => ({ status: 'error' as const, device_id: name, error: `Could not ${verb} ${name}: ${dockerMessage(err)}` }));
  }

  /**
   * What is left of an explicit command's budget (`controlBudgetMs`, inside the cloud's 30 s deadline) for the runtime
   * wait, counted from when the command arrived: a restart's stop and the start itself use their share first.
   */
  private budgetLeft(arrivedMs: number): number {
    return Math.max(0, this.ctx.settings.controlBudgetMs - (this.ctx.clock.monotonic() - arrivedMs));
  }

  /**
   * A start or restart in the vPLC's queue, then the runtime wait outside it (a stop need not wait behind it):
   * `success` once the runtime answers within the budget, else `starting` while the wait goes on in the background.
   */
  private async startThenWait(name: string, verb: string, fn: () => Promise<Started | ControlResult>): Promise<ControlResult> {
    const arrivedMs = this.ctx.clock.monotonic();
    const r = await this.guarded<Started>(name, verb, fn);
    if (r.status !== 'started') return r;
    try {
      const blockMs = this.budgetLeft(arrivedMs);
      const outcome = await this.runtime.wait(name, r.wait, blockMs);
      const container_status = await this.containerStatus(name);
      // `stopped`: a stop came in meanwhile; the start itself succeeded and the stop answers for the rest.
      if (outcome !== 'waiting') return { status: 'success', device_id: name, container_status, message: r.message };
      const secs = Math.round(blockMs / 1000);
      return { status: 'starting', device_id: name, container_status, message: `${r.message}; its runtime API is still starting (no answer within ${secs} s)` };
    } catch (err) {
      return { status: 'error', device_id: name, error: `Could not ${verb} ${name}: ${dockerMessage(err)}` };
    }
  }

  start(name: string, requester: Requester): Promise<ControlResult> {
    return this.startThenWait(name, 'start', async () => {
      const c = await this.claim(name, 'running');
      if (!c) return { status: 'error', device_id: name, error: `Device not found: ${name}` };
      this.guard.clear(name);
      if (c.running) return { status: 'success', device_id: name, container_status: 'running', message: `Container ${name} is already running` };
      try {
        await this.startContainer(name, c.id, requester);
      } catch (err) {
        return { status: 'error', device_id: name, error: `Could not start ${name}: ${dockerMessage(err)}` };
      }
      this.record(name, requester, 'started');
      return { status: 'started', message: `Container ${name} started`, wait: this.runtime.begin(name) };
    });
  }

  stop(name: string, requester: Requester): Promise<ControlResult> {
    return this.guarded(name, 'stop', async () => {
      const c = await this.claim(name, 'stopped');
      if (!c) return { status: 'error', device_id: name, error: `Device not found: ${name}` };
      let stopped: StopOutcome;
      this.runtime.cancel(name);
      try {
        stopped = await this.halt(name, c.id, requester, 'stop');
      } catch (err) {
        return { status: 'error', device_id: name, error: `Could not stop ${name}: ${dockerMessage(err)}` };
      }
      this.record(name, requester, 'stopped');
      this.ctx.emit({ kind: 'changed', name, reason: 'stopped' });
      return { status: 'success', device_id: name, container_status: await this.containerStatus(name), message: `Container ${name} ${describeStop(stopped)}` };
    });
  }

  restart(name: string, requester: Requester): Promise<ControlResult> {
    return this.startThenWait(name, 'restart', async () => {
      const c = await this.claim(name, 'running');
      if (!c) return { status: 'error', device_id: name, error: `Device not found: ${name}` };
      let stopped: StopOutcome;
      this.runtime.cancel(name);
      try {
        stopped = await this.halt(name, c.id, requester, 'restart');
        await this.startContainer(name, c.id, requester, { reason: 'restart' });
      } catch (err) {
        return { status: 'error', device_id: name, error: `Could not restart ${name}: ${dockerMessage(err)}` };
      }
      this.record(name, requester, 'restarted');
      const message = stopped.kind === 'not-running' ? `Container ${name} restarted` : `Container ${name} restarted (${describeStop(stopped)})`;
      return { status: 'started', message, wait: this.runtime.begin(name) };
    });
  }

  /** An automatic start (watchdog, boot sync, reconcile, engine recovery); true when this call started it. */
  async autoStart(name: string, reason: AutoStartReason, options: StartOptions = {}): Promise<boolean> {
    return (await this.autoStartOutcome(name, reason, options)) === 'started';
  }

  /**
   * An automatic start in the vPLC's executor queue, re-checking that nobody stopped it meanwhile. `engine-unavailable` means the
   * engine refused because of its own state (gone, shutting down): not the vPLC's fault, so never a crash to count.
   */
  async autoStartOutcome(name: string, reason: AutoStartReason, options: StartOptions = {}): Promise<AutoStartOutcome> {
    return this.ctx.exec
      .serial(name, async (): Promise<AutoStartOutcome> => {
        if (!shouldRunAutomatically(this.ctx, name)) return 'skipped';
        const c = await this.managed(name);
        if (!c || c.running) return 'skipped';
        await this.startContainer(name, c.id, reason, { reason: 'should run but is stopped', ...options });
        this.runtime.watch(name);
        this.ctx.log.info('vPLC started automatically', { vplc: name, reason });
        this.ctx.emit({ kind: 'changed', name, reason: `auto-start:${reason}` });
        return 'started';
      })
      .catch((err: unknown): AutoStartOutcome => {
        const unavailable = isEngineUnavailable(err);
        this.ctx.log.warn('automatic start failed', { vplc: name, reason, err: dockerMessage(err), ...(unavailable ? { engineUnavailable: true } : {}) });
        return unavailable ? 'engine-unavailable' : 'failed';
      });
  }

  /** A `start` event the agent did not cause (e.g. `docker start`): re-provision once, in the vPLC's executor queue. */
  onStartEvent(name: string, containerId: string): void {
    if (this.ctx.ownStarts.delete(containerId)) return;
    void this.ctx.exec.serial(name, () => reprovision(this.ctx, name)).catch((err: unknown) => this.ctx.log.warn('re-provision failed', { vplc: name, err: String(err) }));
  }

  private async containerStatus(name: string): Promise<string> {
    return (await this.ctx.engine.resolveVplc(name, this.ctx.store.installationId))?.State.Status ?? 'unknown';
  }
}
