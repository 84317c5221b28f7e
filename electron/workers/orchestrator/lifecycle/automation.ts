import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';
import { EngineHealth } from '../docker/engine-health.js';
import { dockerMessage } from '../docker/errors.js';
import type { NetworkReadiness } from '../host/interfaces.js';
import type { UsageService } from '../metrics/usage-service.js';
import type { PlcMonitor } from '../plc/monitor.js';
import { DriftEvents } from '../reconcile/drift-events.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { ImageUpdater } from '../update/updater.js';
import type { AdoptResult } from './adopt.js';
import { bootSync } from './boot-sync.js';
import { shouldRunAutomatically, VplcControl } from './control.js';
import { CrashGuard } from './crash-guard.js';
import { OutageRecovery } from './engine-recovery.js';
import { afterOutsideDie } from './outside-die.js';
import { RestartWindowFile } from './restart-window-file.js';
import { resumeInterrupted } from './resume.js';
import { RuntimeWaiter } from './runtime-wait.js';
import { Watchdog } from './watchdog.js';

export type AutomationDeps = {
  ctx: OrchestratorContext;
  probe: RuntimeProbe;
  readiness: NetworkReadiness;
  usage: UsageService;
  /** The PLC monitor: the change rule, container starts and stops, and faults that outlast their setting. */
  plc: PlcMonitor;
  /** True while self-destruct runs: nothing automatic may start or repair a vPLC then. */
  destructing: () => boolean;
  /** Keeps background work for the orchestrator's close() to await. */
  track: <T>(p: Promise<T>) => Promise<T>;
};

/**
 * The agent's automatic actors over one engine: the watchdog and crash-loop guard, the engine health and the recovery
 * after an outage, boot sync, resumption of interrupted operations, the reconcile loop and the update checks. Their
 * Docker writes go through `ctx.exec` like everyone else's.
 */
export class Automation {
  readonly guard: CrashGuard;
  /** Whether the engine answers; an outage is not a crash (docs/lifecycle.md "Engine outages"). */
  readonly health: EngineHealth;
  readonly control: VplcControl;
  readonly recovery: OutageRecovery;
  /** The desired-state loop; started after boot sync so the two never race at start-up. */
  readonly reconciler: Reconciler;
  /** EXTEND auto_update: registry digest checks; the reconciler applies what it pulls. */
  readonly updater: ImageUpdater;
  /** The restore of the vPLCs boot sync found running (it follows the starts); resolved until `start`. */
  restored: Promise<void> = Promise.resolve();
  private watchdog?: Watchdog;
  private offLongFault?: () => void;
  /** Docker events of our containers nudge the reconcile loop, which otherwise only runs its safety sweep. */
  private readonly drift: DriftEvents;

  constructor(private readonly d: AutomationDeps) {
    const { ctx, probe } = d;
    const w = ctx.settings.watchdog;
    const windowFile = new RestartWindowFile(ctx.settings.dataDir, ctx.log, () => ctx.clock.now());
    this.guard = new CrashGuard(w.maxRestarts, w.windowMs, () => ctx.clock.monotonic(), () => windowFile.save(this.guard));
    windowFile.restoreInto(this.guard);
    this.health = new EngineHealth(ctx.engine.docker, ctx.clock, ctx.log, { probeMs: w.engineProbeMs, pingTimeoutMs: 2_000, shutdownGraceMs: w.engineHoldMs });
    // Reconcile and updates wait out an outage and the recovery after it, which starts the stopped vPLCs itself.
    const paused = (): boolean => d.destructing() || this.recovery.running || !this.health.isUp();
    this.control = new VplcControl(ctx, this.guard, new RuntimeWaiter(ctx, probe));
    this.updater = new ImageUpdater(ctx, paused);
    this.recovery = new OutageRecovery({ ctx, control: this.control, guard: this.guard, readiness: d.readiness, probe, signal: ctx.shutdown, engineUp: () => this.health.isUp() });
    this.reconciler = new Reconciler({ paused, signal: ctx.shutdown, updater: this.updater, ctx, guard: this.guard, control: this.control, probe, track: d.track, changeDecision: (n, running) => d.plc.changeDecision(n, running), watchdogHandling: (n) => this.watchdog?.handling(n) ?? false });
    this.drift = new DriftEvents(ctx, () => this.reconciler.nudge(), w.resubscribeMs);
  }

  /** Watchdog, usage sampling, resumption of interrupted operations, then boot sync; the health poll follows boot sync. */
  start(adoption: AdoptResult, options: { sampleUsage?: boolean; reconcile?: boolean }): Promise<string[]> {
    const { ctx, probe, track } = this.d;
    const shouldRun = (name: string): boolean => !this.d.destructing() && shouldRunAutomatically(ctx, name);
    const watchdog = new Watchdog({
      ctx,
      guard: this.guard,
      health: this.health,
      restart: (name) => this.control.autoStartOutcome(name, 'watchdog'),
      onStart: (name, id) => {
        this.control.onStartEvent(name, id);
        // Whoever started it: a physical NIC fell back to the host when the container stopped (docs/host-nics.md).
        ctx.dedicatedNics.startedEvent(name);
      },
      onContainerEvent: (id) => this.d.usage.forget(id),
      onResubscribe: () => this.d.usage.forgetAll(),
      onRunningChange: (name, running) => {
        if (running) return this.d.plc.containerStarted(name);
        this.d.plc.containerStopped(name);
        // Stopped outside a command (a crash, `docker stop`): its serial ports are disconnected, its host NICs undone.
        void ctx.serialPorts.resync(name, 'container stopped');
        void track(afterOutsideDie(ctx, name));
      },
      restartRunning: async (name) => {
        const r = await this.control.restart(name, 'agent');
        return r.status === 'error' ? { ok: false, message: r.error } : { ok: true, message: r.message };
      },
      isBusy: (name) => ctx.exec.busy(name),
      mayRun: (name) => shouldRun(name) && !this.recovery.running,
      shouldRun,
      stoppedByAgent: (name, id) => ctx.exec.stoppedByAgent(name, id),
    });
    this.watchdog = watchdog;
    this.offLongFault = this.d.plc.onLongFault((name, since) => void track(watchdog.plcFault(name, since)));
    this.health.onChange((st, ended) => {
      if (st.kind === 'up' && ended) void track(this.recovery.run(ended).then(() => watchdog.poll()));
    });
    watchdog.start();
    if (options.sampleUsage !== false) this.d.usage.start();
    resumeInterrupted(ctx, adoption, (name, fn) => void track(ctx.exec.serial(name, fn)), probe);
    // A crash loop suspended before the agent restarted stays suspended (the window is kept on disk).
    const boot = bootSync(ctx, this.control, this.d.readiness, ctx.shutdown, probe, { skip: (name) => this.guard.suspended(name) }).catch((err: unknown) => {
      ctx.log.warn('boot sync failed', { err: dockerMessage(err) });
      return { started: [], restored: Promise.resolve() };
    });
    this.restored = track(boot.then((r) => r.restored));
    return track(
      boot
        .then((r) => r.started)
        .finally(() => {
          watchdog.startPolling();
          if (options.reconcile !== false && !ctx.shutdown.aborted) {
            this.reconciler.start();
            this.drift.start();
            this.updater.start();
          }
        }),
    );
  }

  /** Stops every loop; vPLCs keep running. */
  stop(): void {
    this.health.close();
    this.watchdog?.stop();
    this.offLongFault?.();
    this.reconciler.stop();
    void this.drift.stop();
    this.updater.stop();
  }
}
