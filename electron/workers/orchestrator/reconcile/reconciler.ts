import { randomUUID } from 'node:crypto';
import { quiesceWifi } from '../wifi/provision.js';
import type { OrchestratorContext } from '../context.js';
import { runCreate, type RuntimeProbe } from '../create/pipeline.js';
import { runDelete, stopAndRemove } from '../delete/pipeline.js';
import { effectiveSpecHash } from '../edit/diff.js';
import { promotePendingPorts } from '../edit/serial-ports.js';
import { dockerMessage } from '../docker/errors.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { CrashGuard } from '../lifecycle/crash-guard.js';
import type { VplcControl } from '../lifecycle/control.js';
import { awaitDependencies } from '../lifecycle/dependencies.js';
import { expectedSpecHash, specHashOf } from '../spec/expected-hash.js';
import { learnInEffect } from '../serial/majors.js';
import { candidatesOf } from '../serial/match.js';
import type { ChangeDecision } from '../plc/change-rule.js';
import type { DesiredRecord } from '../store/schemas.js';
import { UPDATE_WARNING, type ImageUpdater } from '../update/updater.js';
import { planReconcile, type Action, type Observed, type Pending } from './plan.js';

export const RECONCILE_INTERVAL_MS = 10_000;
/** The safety sweep while everything is in sync: drift arrives as Docker or vPLC events, which nudge a cycle. */
export const RECONCILE_SAFETY_MS = 60_000;
/** How long a nudge waits, so a burst of events (a `docker rm -f` is a kill, a die and a destroy) makes one cycle. */
export const NUDGE_MS = 1_000;
const CYCLE_TIMEOUT_MS = 5 * 60_000;
const PARALLEL = 3;
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 10 * 60_000;

export type ActionResult = Action & { result: 'done' | 'skipped' | 'failed'; detail?: string };
export type ReconcileReport = {
  state: 'idle' | 'processing';
  lastRun: { startedAt: string; finishedAt: string; outcome: 'in-sync' | 'repaired' | 'failed' | 'timeout'; actions: ActionResult[]; pending: Pending[]; adopted: string[] } | null;
  cycles: number;
};

export type ReconcilerDeps = {
  /** True while nothing may be repaired (self-destruct removes vPLCs one by one before it wipes their records). */
  paused: () => boolean;
  signal: AbortSignal; updater: ImageUpdater; ctx: OrchestratorContext; guard: CrashGuard; control: VplcControl; probe: RuntimeProbe; track: <T>(p: Promise<T>) => Promise<T>;
  /** The change window of a vPLC before any confirm: the PLC-aware rule or the container rule (plc/change-rule.ts). */
  changeDecision: (name: string, running: boolean) => ChangeDecision;
  /** True while the watchdog's exit handler for this vPLC waits out its delay or restarts it (lifecycle/watchdog.ts). */
  watchdogHandling: (name: string) => boolean;
};

/**
 * The desired-state loop: on drift it takes a snapshot, applies one change per vPLC (a few vPLCs in parallel), and
 * records the result. The next cycle re-checks, so a repair that needs two steps takes two cycles. Running vPLCs are
 * never stopped, removed or recreated here.
 *
 * When it runs (docs/lifecycle.md "Reconcile"): a second after a Docker event of our containers or a vPLC event
 * (`nudge`); every 10 s while anything is left to do (a pending change, a failed repair backing off, a confirm not
 * yet spent, an engine outage); otherwise every 60 s as a safety sweep for an event that never arrived.
 */
export class Reconciler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Monotonic ms at which the armed timer fires. */
  private dueAt = Infinity;
  private cadence: { busyMs: number; quietMs: number } | null = null;
  /** A nudge came after the running cycle took its snapshot: run again once it ends. */
  private nudged = false;
  private running: Promise<ReconcileReport['lastRun']> | null = null;
  private report: ReconcileReport = { state: 'idle', lastRun: null, cycles: 0 };
  /** One-shot permissions to change a running vPLC (an explicit confirm from the cloud or the UI). */
  private readonly confirmed = new Set<string>();
  /** Repair backoff per vPLC; `retryAt` is monotonic ms (a clock step neither ends nor stretches a backoff). */
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  constructor(private readonly d: ReconcilerDeps) {}

  start(intervalMs = RECONCILE_INTERVAL_MS, safetyMs = RECONCILE_SAFETY_MS): void {
    if (this.cadence !== null) return;
    this.cadence = { busyMs: intervalMs, quietMs: Math.max(intervalMs, safetyMs) };
    this.arm(intervalMs);
  }

  stop(): void {
    this.cadence = null;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Infinity;
  }

  /** Something may have drifted (a Docker or vPLC event): a cycle runs shortly, once for a burst. No-op when stopped. */
  nudge(): void {
    if (this.cadence === null) return;
    this.nudged = true;
    this.arm(NUDGE_MS);
  }

  /** When the next cycle is due, in ms from now (null when the loop is stopped); for tests. */
  nextDueInMs(): number | null {
    return this.timer === undefined ? null : Math.max(0, this.dueAt - performance.now());
  }

  /** Arms the timer for `ms` from now unless it already fires sooner. */
  private arm(ms: number): void {
    const at = performance.now() + ms;
    if (this.timer !== undefined && this.dueAt <= at) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
    this.timer = undefined;
    this.dueAt = Infinity;
    void this.runOnce(this.d.signal)
      .catch(() => undefined)
      .finally(() => {
        if (this.cadence === null) return;
        // While paused (an outage, self-destruct) a nudge has nothing to run; the 10 s cadence checks again.
        if (this.nudged && !this.d.paused()) this.arm(NUDGE_MS);
        else this.arm(this.inSync() ? this.cadence.quietMs : this.cadence.busyMs);
      });
  }

  /** Nothing is left to do: the last cycle found everything in sync and nothing waits for a retry or a confirm. */
  private inSync(): boolean {
    const last = this.report.lastRun;
    return !this.d.paused() && last?.outcome === 'in-sync' && last.pending.length === 0 && this.failures.size === 0 && this.confirmed.size === 0;
  }

  /**
   * Opens the change window of a running vPLC for its next pending change; the next cycle applies it. Someone asking
   * explicitly also ends the wait after a failed repair.
   */
  confirm(name: string): void {
    this.confirmed.add(name);
    this.failures.delete(name);
  }

  /**
   * Whether anything waits for this vPLC's change window or retry: serial ports held, a runtime update, a failed
   * repair, a missing container, or one that differs from the stored spec. A confirm with nothing waiting would linger
   * and let a later change recreate the running vPLC unasked.
   */
  async waiting(name: string): Promise<boolean> {
    const { ctx } = this.d;
    const d = ctx.store.getDesired(name);
    if (!d || d.tombstone) return false;
    if (d.pending_serial_ports !== undefined || (d.auto_update && d.image_update?.phase === 'pending') || this.failures.has(name)) return true;
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
    if (!info) return !!d.spec;
    const observed = effectiveSpecHash(d.applied_in_place, info.Id, info.Config.Labels?.[Label.specHash] ?? null);
    const expected = this.expectedHash(name);
    return !!expected && !!observed && expected !== observed;
  }

  /** What the last cycle could not change for this vPLC, and why. */
  pendingFor(name: string): string[] {
    return (this.report.lastRun?.pending ?? []).filter((p) => p.vplc === name).map((p) => p.reason);
  }

  status(): ReconcileReport {
    return structuredClone(this.report);
  }

  /** One cycle; a call while a cycle runs joins it. */
  runOnce(signal?: AbortSignal): Promise<ReconcileReport['lastRun']> {
    if (this.d.paused()) return Promise.resolve(this.report.lastRun);
    this.running ??= this.d.track(this.cycle(signal)).finally(() => (this.running = null));
    return this.running;
  }

  private async snapshot(): Promise<Map<string, Observed>> {
    const { ctx } = this.d;
    const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
    return new Map(
      list.flatMap((c) => {
        const name = c.Labels?.[Label.vplc];
        const specHash = effectiveSpecHash(ctx.store.getDesired(name ?? '')?.applied_in_place, c.Id, c.Labels?.[Label.specHash] ?? null);
        return name ? [[name, { name, status: c.State, running: c.State === 'running', specHash }] as const] : [];
      }),
    );
  }

  /**
   * Serial ports an edit left pending go into effect once the vPLC's change window is open (docs/editing.md "Serial
   * ports"). On the same container they go into the spec now and the nodes follow. Ports that need other device
   * majors are not moved here: the hash of the record with them (returned in `recreate`) differs from the container's,
   * this cycle plans the redeploy, and the redeploy puts them into effect in its own queue job right before it
   * recreates, so the nodes in use stay until the container is replaced.
   */
  private async promotePorts(observed: Map<string, Observed>): Promise<{ promoted: string[]; recreate: Map<string, string> }> {
    const { ctx } = this.d;
    const promoted: string[] = [];
    const recreate = new Map<string, string>();
    for (const name of ctx.store.desiredNames()) {
      const r = ctx.store.getDesired(name);
      if (!r?.spec || r.pending_serial_ports === undefined || r.tombstone || ctx.ops.inProgress(name) || ctx.exec.busy(name)) continue;
      const o = observed.get(name);
      if (!this.confirmed.has(name) && !this.d.changeDecision(name, o?.running ?? false).allowed) continue;
      const next = promotePendingPorts(r);
      const hash = specHashOf(ctx, name, next);
      if (o?.specHash && hash && hash !== o.specHash) {
        recreate.set(name, hash);
        continue;
      }
      const candidates = candidatesOf(ctx.serial.current());
      await ctx.store.updateDesired(name, (cur) => {
        if (cur.pending_serial_ports === undefined || cur.tombstone) return null;
        const moved = promotePendingPorts(cur);
        const ports = moved.spec?.serialPorts ?? [];
        return { ...moved, ...(cur.serial_majors ? { serial_majors: learnInEffect(cur.serial_majors, ports, candidates) } : {}), updated_at: new Date().toISOString() };
      });
      await ctx.serialConfigs.put(name, ctx.store.getDesired(name)?.spec?.serialPorts ?? []);
      ctx.log.info('reconcile: pending serial ports put into effect', { vplc: name });
      ctx.emit({ kind: 'changed', name, reason: 'edited' });
      promoted.push(name);
    }
    return { promoted, recreate };
  }

  /** A recreate puts serial ports held for the change window into effect first, in its queue job; the spec to create. */
  private async specForRecreate(name: string): Promise<NonNullable<DesiredRecord['spec']>> {
    const { ctx } = this.d;
    if (ctx.store.getDesired(name)?.pending_serial_ports !== undefined) {
      await ctx.store.updateDesired(name, (cur) => (cur.pending_serial_ports === undefined ? null : { ...promotePendingPorts(cur), updated_at: new Date().toISOString() }));
      await ctx.serialConfigs.put(name, ctx.store.getDesired(name)?.spec?.serialPorts ?? []);
      ctx.log.info('reconcile: pending serial ports put into effect with the recreate', { vplc: name });
    }
    const spec = ctx.store.getDesired(name)?.spec;
    if (!spec) throw new Error(`no spec is stored for ${name}`);
    return spec;
  }

  private expectedHash(name: string): string | null {
    return expectedSpecHash(this.d.ctx, name);
  }

  private async cycle(signal?: AbortSignal): Promise<ReconcileReport['lastRun']> {
    const { ctx } = this.d;
    const startedAt = new Date().toISOString();
    this.report.state = 'processing';
    // Events from here on are seen by this cycle's snapshot or make the next one.
    this.nudged = false;
    try {
      const observed = await this.snapshot();
      const { promoted, recreate } = await this.promotePorts(observed);
      const plan = planReconcile({
        desired: new Map(ctx.store.desiredNames().flatMap((n) => {
          const r = ctx.store.getDesired(n);
          return r ? [[n, r] as const] : [];
        })),
        observed,
        busy: (n) => !!ctx.ops.inProgress(n) || ctx.exec.busy(n),
        restartPaused: (n) => this.d.guard.suspended(n),
        // A first crash has no count yet: while the watchdog's handler waits, a start here would hide it from the guard.
        watchdogOwns: (n) => this.d.guard.count(n) > 0 || this.d.watchdogHandling(n),
        expectedHash: (n) => recreate.get(n) ?? this.expectedHash(n),
        mayChange: (n, running) => this.confirmed.has(n) || this.d.changeDecision(n, running).allowed,
        heldBy: (n) => this.d.changeDecision(n, true).reason,
        backingOff: (n) => (this.failures.get(n)?.retryAt ?? 0) > performance.now(),
        dependsOn: (n) => ctx.store.getDesired(n)?.spec?.dependsOn ?? [],
      });
      // A confirm spent on serial ports alone is used up (ports that need a recreate were left to the redeploy); one
      // that also (re)creates or updates is spent by that action, and one a runtime update still waits for is kept.
      for (const n of promoted) {
        const d = ctx.store.getDesired(n);
        const updateWaits = !!d?.auto_update && d.image_update?.phase === 'pending';
        if (!plan.actions.some((a) => a.vplc === n) && !updateWaits) this.confirmed.delete(n);
      }
      for (const a of plan.adopted) ctx.log.debug('reconcile: container without a desired record, adopted as it is', { vplc: a });
      // Started in priority order, a few vPLCs at a time; reported in that same order, whatever finishes first.
      const slots: Array<ActionResult | undefined> = plan.actions.map(() => undefined);
      let timedOut = false;
      const work = async (): Promise<void> => {
        let next = 0;
        await Promise.all(
          Array.from({ length: PARALLEL }, async () => {
            for (let i = next++; i < plan.actions.length && !signal?.aborted; i = next++) slots[i] = this.remember(await this.apply(plan.actions[i] as Action, signal));
          }),
        );
      };
      let timeout: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([work(), new Promise<void>((resolve) => (timeout = setTimeout(() => ((timedOut = true), resolve()), CYCLE_TIMEOUT_MS)))]);
      clearTimeout(timeout);
      const results = slots.filter((r): r is ActionResult => r !== undefined);
      const failed = results.some((r) => r.result === 'failed');
      const outcome = timedOut ? 'timeout' : failed ? 'failed' : plan.actions.length ? 'repaired' : 'in-sync';
      const lastRun = { startedAt, finishedAt: new Date().toISOString(), outcome, actions: results, pending: plan.pending, adopted: plan.adopted } as const;
      if (plan.actions.length || plan.pending.length) ctx.log.info('reconcile cycle', { outcome, actions: results.map((r) => `${r.kind} ${r.vplc}: ${r.result}`), pending: plan.pending.map((p) => p.vplc) });
      this.report = { state: 'idle', lastRun: { ...lastRun, actions: [...results], pending: [...plan.pending], adopted: [...plan.adopted] }, cycles: this.report.cycles + 1 };
      return this.report.lastRun;
    } catch (err) {
      ctx.log.warn('reconcile cycle failed', { err: dockerMessage(err) });
      this.report = { state: 'idle', lastRun: { startedAt, finishedAt: new Date().toISOString(), outcome: 'failed', actions: [], pending: [], adopted: [] }, cycles: this.report.cycles + 1 };
      return this.report.lastRun;
    }
  }

  /** Failed repairs back off exponentially per vPLC, so a broken vPLC does not churn Docker every 10 s. */
  private remember(r: ActionResult): ActionResult {
    if (r.result === 'failed') {
      const count = (this.failures.get(r.vplc)?.count ?? 0) + 1;
      this.failures.set(r.vplc, { count, retryAt: performance.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (count - 1)) });
    } else if (r.result === 'done') this.failures.delete(r.vplc);
    return r;
  }

  private async apply(a: Action, signal?: AbortSignal): Promise<ActionResult> {
    const { ctx, control, probe } = this.d;
    try {
      // Anything that (re)starts a vPLC waits until its dependencies are healthy; the next cycle tries again.
      if (a.kind !== 'remove-tombstoned' && !(await awaitDependencies(ctx, a.vplc, probe, signal ?? this.d.signal, 0))) {
        return { ...a, result: 'skipped', detail: 'waiting for its dependencies (depends_on)' };
      }
      switch (a.kind) {
        case 'remove-tombstoned':
          if (!ctx.ops.begin(a.vplc, 'delete')) return { ...a, result: 'skipped', detail: 'another operation holds it' };
          await ctx.exec.serial(a.vplc, () => runDelete(ctx, a.vplc, 'agent', 'reconcile'));
          return { ...a, result: 'done' };
        case 'start':
          return (await control.autoStart(a.vplc, 'reconcile')) ? { ...a, result: 'done' } : { ...a, result: 'skipped', detail: 'no longer needed or refused' };
        case 'create': {
          const spec = ctx.store.getDesired(a.vplc)?.spec;
          if (!spec || !ctx.ops.begin(a.vplc, 'create')) return { ...a, result: 'skipped', detail: 'another operation holds it' };
          this.confirmed.delete(a.vplc);
          ctx.log.info('reconcile: recreating a missing vPLC from its stored spec', { vplc: a.vplc });
          await ctx.exec.serial(a.vplc, () => runCreate(ctx, spec, randomUUID(), 'agent', probe, { recreate: true, by: 'reconcile' }));
          return this.outcome(a);
        }
        case 'redeploy': {
          if (!ctx.store.getDesired(a.vplc)?.spec || !ctx.ops.begin(a.vplc, 'create')) return { ...a, result: 'skipped', detail: 'another operation holds it' };
          this.confirmed.delete(a.vplc);
          ctx.log.info('reconcile: recreating a vPLC to apply its stored spec', { vplc: a.vplc });
          await ctx.exec.serial(a.vplc, () => this.replace(a.vplc));
          return this.outcome(a);
        }
        case 'update':
          return await this.update(a);
      }
    } catch (err) {
      return { ...a, result: 'failed', detail: dockerMessage(err) };
    }
  }

  /** Stops and removes the container, then creates it again from the spec; networks, records and MACs stay. */
  private async replace(name: string, image?: string): Promise<void> {
    const { ctx, probe } = this.d;
    const spec = await this.specForRecreate(name);
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
    // A failure after the stop leaves a "missing" vPLC, which the next cycle recreates.
    if (info) {
      await quiesceWifi(ctx, name);
      await stopAndRemove(ctx, name, info.Id, image ? 'update' : 'reconcile', image ? 'runtime update' : 'recreate with the stored spec');
    }
    await runCreate(ctx, spec, randomUUID(), 'agent', probe, { recreate: true, by: image ? 'update' : 'reconcile', ...(image ? { image } : {}) });
  }

  /** Applies a pulled runtime image; if the new container does not answer in the runtime wait, goes back to the old one. */
  private async update(a: Action): Promise<ActionResult> {
    const { ctx } = this.d;
    const d = ctx.store.getDesired(a.vplc);
    const u = d?.image_update;
    if (!d?.spec || !u || !ctx.ops.begin(a.vplc, 'create')) return { ...a, result: 'skipped', detail: 'another operation holds it' };
    this.confirmed.delete(a.vplc);
    ctx.log.info('applying a runtime update', { vplc: a.vplc, digest: u.digest });
    let failure: string | null = null;
    let rollbackFailure: string | null = null;
    await ctx.exec.serial(a.vplc, async () => {
      await this.replace(a.vplc, u.to_image);
      const op = ctx.ops.get(a.vplc);
      if (op?.status !== 'error') return;
      failure = op.error ?? 'the new container did not become healthy';
      ctx.log.warn('runtime update failed its health check; rolling back', { vplc: a.vplc, err: failure });
      ctx.ops.begin(a.vplc, 'create');
      await this.replace(a.vplc, u.from_image);
      const back = ctx.ops.get(a.vplc);
      if (back?.status === 'error') rollbackFailure = back.error ?? 'rollback failed';
    });
    const at = new Date().toISOString();
    if (failure === null) {
      await ctx.store.patchDesired(a.vplc, { image_update: { ...u, phase: 'applied', at } });
      ctx.warnings.clear(a.vplc, UPDATE_WARNING);
      ctx.emit({ kind: 'changed', name: a.vplc, reason: 'update-applied' });
      await this.d.updater.pruneRollbackTags().catch(() => []);
      return { ...a, result: 'done' };
    }
    const detail = rollbackFailure ? `update failed (${failure}); the rollback failed too: ${rollbackFailure}` : `update failed (${failure}); rolled back to the previous image`;
    await ctx.store.patchDesired(a.vplc, { image_update: { ...u, phase: 'rolled-back', at, detail } });
    ctx.warnings.set(a.vplc, UPDATE_WARNING, `runtime update ${u.digest.slice(0, 19)} ${detail}`);
    ctx.emit({ kind: 'changed', name: a.vplc, reason: 'update-rolled-back' });
    return { ...a, result: 'failed', detail };
  }

  private outcome(a: Action): ActionResult {
    const op = this.d.ctx.ops.get(a.vplc);
    return op?.status === 'error' ? { ...a, result: 'failed', detail: op.error ?? 'create failed' } : { ...a, result: 'done' };
  }
}
