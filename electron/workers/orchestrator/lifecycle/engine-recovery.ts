import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';
import type { EngineOutage } from '../docker/engine-health.js';
import { dockerMessage } from '../docker/errors.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { NetworkReadiness } from '../host/interfaces.js';
import { sweepStoppedHelpers } from './helper-sweep.js';
import { bootSync } from './boot-sync.js';
import { shouldRunAutomatically, type VplcControl } from './control.js';
import type { CrashGuard } from './crash-guard.js';
import type { OutageReport } from '../../../lib/protocol/orchestrator-ops.js';

export type { OutageReport };

const REPROVISION_PARALLELISM = 4;

export type RecoveryDeps = {
  ctx: OrchestratorContext;
  control: VplcControl;
  guard: CrashGuard;
  readiness: NetworkReadiness;
  probe: RuntimeProbe;
  signal: AbortSignal;
  /** Whether the engine is up and not on hold: a shutdown that begins during the recovery stops its starts. */
  engineUp: () => boolean;
};

/**
 * After an engine outage (docs/lifecycle.md "Engine outages"): the engine's facts are read again, and every vPLC that
 * should run is started once through the boot-sync path (network ready, dependency order), outside the crash-loop
 * budget. vPLCs whose restarts are suspended by a real crash loop stay suspended.
 */
export async function recoverAfterOutage(d: RecoveryDeps, outage: EngineOutage): Promise<OutageReport> {
  const { ctx, guard } = d;
  const endedAt = outage.endedAt ?? ctx.clock.now();
  await ctx.engine.describe({ fresh: true }).catch(() => undefined);
  // Helpers the engine stopped mid-run (an ARP probe, a MAC check) never ran to their own removal.
  await sweepStoppedHelpers(ctx, 'engine-recovery').catch((err: unknown) => ctx.log.warn('stopped helpers not removed', { err: (err as Error).message }));
  const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
  const nameOf = (c: (typeof list)[number]): string => c.Labels?.[Label.vplc] ?? '';
  // A vPLC held by the crash-loop guard was down before the outage: not the engine's doing.
  const stopped = list
    .filter((c) => c.State !== 'running' && shouldRunAutomatically(ctx, nameOf(c)) && !guard.suspended(nameOf(c)))
    .map(nameOf)
    .filter(Boolean)
    .sort();
  const keptRunning = list.filter((c) => c.State === 'running').length;
  const startedAtMs = new Map<string, number>();
  // Every container first, then the re-provisioning (MAC check, DHCP): a PLC runs again as early as the engine allows.
  // No pause between starts: the engine, not a fixed delay, sets the pace here.
  const { started } = await bootSync(ctx, d.control, d.readiness, d.signal, d.probe, {
    reason: 'engine-recovery',
    parallelism: ctx.settings.watchdog.recoveryParallelism,
    skip: (name) => guard.suspended(name),
    onStarted: (name) => startedAtMs.set(name, ctx.clock.now()),
    settleMs: 0,
    deferReprovision: true,
    mayStart: d.engineUp,
  });
  const queue = [...started];
  const reprovisionWorker = async (): Promise<void> => {
    for (let n = queue.shift(); n !== undefined && !d.signal.aborted; n = queue.shift()) await d.control.reprovisionLater(n);
  };
  await Promise.all(Array.from({ length: REPROVISION_PARALLELISM }, reprovisionWorker));
  const recovered = [...startedAtMs].map(([name, at]) => ({ name, downMs: Math.max(0, at - outage.startedAt) })).sort((a, b) => a.name.localeCompare(b.name));
  const report: OutageReport = {
    startedAt: new Date(outage.startedAt).toISOString(),
    endedAt: new Date(endedAt).toISOString(),
    reason: outage.reason,
    stopped,
    recovered,
    notRecovered: stopped.filter((n) => !startedAtMs.has(n)),
    keptRunning,
  };
  ctx.log.info('Docker engine outage over', { ...report, recovered: report.recovered.length, downForMs: endedAt - outage.startedAt });
  return report;
}

/** Runs the recovery after each outage and tells who wants to know; `running` holds the watchdog and reconcile off. */
export class OutageRecovery {
  running = false;
  private readonly listeners = new TypedEmitter<{ report: [OutageReport] }>((err) => this.d.ctx.log.warn('outage report listener failed', { err: String(err) }));

  constructor(private readonly d: RecoveryDeps) {}

  onReport(cb: (r: OutageReport) => void): () => void {
    return this.listeners.on('report', cb);
  }

  /** Never rejects: a failed recovery leaves the stopped vPLCs to the watchdog's poll. */
  async run(outage: EngineOutage): Promise<void> {
    if (this.d.signal.aborted) return;
    this.running = true;
    try {
      const report = await recoverAfterOutage(this.d, outage);
      this.listeners.emit('report', report);
    } catch (err) {
      if (!this.d.signal.aborted) this.d.ctx.log.warn('recovery after the engine outage failed; the watchdog poll takes over', { err: dockerMessage(err) });
    } finally {
      this.running = false;
    }
  }
}
