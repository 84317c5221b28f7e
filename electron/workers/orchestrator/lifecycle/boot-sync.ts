import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { NetworkReadiness } from '../host/interfaces.js';
import { mapLimit } from '../metrics/async.js';
import type { RuntimeProbe } from '../create/pipeline.js';
import type { AutoStartReason, VplcControl } from './control.js';
import { awaitDependencies, dependencyOrder } from './dependencies.js';
import { refreshRegistry } from './reprovision.js';
import { restoreRunning } from './restore.js';
import { probeBeforeStarts } from './start-probes.js';

const PARENT_WAIT_MS = 60_000;
const BOOT_PARALLELISM = 4;

async function waitForParents(ctx: OrchestratorContext, parents: string[], signal: AbortSignal): Promise<void> {
  const deadline = ctx.clock.monotonic() + PARENT_WAIT_MS;
  while (ctx.clock.monotonic() < deadline) {
    const names = new Set((await ctx.interfaces.list()).map((i) => i.name));
    if (parents.every((p) => names.has(p))) return;
    await sleep(1_000, signal);
  }
  ctx.log.warn('boot sync: parent interfaces still missing after 60 s; starting anyway', { parents });
}

export type BootSyncOptions = {
  /** Why the starts happen (journal, logs); the engine's return after an outage uses this same path. */
  reason?: AutoStartReason;
  /** vPLCs handled at a time. */
  parallelism?: number;
  /** vPLCs to leave alone (e.g. restarts suspended by the crash-loop guard). */
  skip?: (name: string) => boolean;
  /** Called right after each start, for timings. */
  onStarted?: (name: string) => void;
  /** Pause after each start (docs/protocol.md §6.1: 2 s at boot); default the watchdog's settle setting. */
  settleMs?: number;
  /** Start the containers only; the caller re-provisions them afterwards (`VplcControl.reprovisionLater`). */
  deferReprovision?: boolean;
  /** Check and repair the vPLCs found running (lifecycle/restore.ts); default: only at the agent's start (`boot-sync`). */
  restoreRunning?: boolean;
  /**
   * Asked before each start: false leaves the vPLC stopped for whoever acts next (the watchdog once a hold ends, the
   * recovery after the next outage). The recovery passes the engine's health: an engine that begins to shut down while
   * the recovery runs would kill what it starts, and a container started during a shutdown can fail every later start.
   */
  mayStart?: () => boolean;
};

/** The vPLCs boot sync started, and the restore of those it found running, which follows the starts. */
export type BootSyncResult = { started: string[]; restored: Promise<void> };

/**
 * docs/protocol.md §6.1: once the network is ready, start stopped vPLCs that should run; never restart a running one.
 * EXTEND (operations): vPLCs go in `depends_on` order, and a dependent starts only once its dependencies are healthy
 * (members of a dependency cycle start without waiting, with a warning). A vPLC found running is not restarted; at
 * the agent's start it is restored (MACs, implicit routes, DHCP clients: docs/lifecycle.md "Restore at agent start")
 * once every start is done: a stopped PLC runs again first, and the checks of running ones, one helper each, follow
 * in the background (`restored`). Resolves with the names it started.
 */
export async function bootSync(ctx: OrchestratorContext, control: VplcControl, readiness: NetworkReadiness, signal: AbortSignal, probe: RuntimeProbe, options: BootSyncOptions = {}): Promise<BootSyncResult> {
  const reason = options.reason ?? 'boot-sync';
  const restore = options.restoreRunning ?? reason === 'boot-sync';
  const ready = await Promise.race([
    readiness.whenReady(signal).then(() => true),
    sleep(ctx.settings.networkReadyFallbackMs, signal).then(() => false),
  ]);
  if (!ready) ctx.log.warn('boot sync: network not ready after the fallback delay; proceeding anyway');

  const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
  const started: string[] = [];
  const foundRunning: string[] = [];
  const nameOf = (c: (typeof list)[number]): string => c.Labels?.[Label.vplc] ?? '';
  const { order, cyclic } = dependencyOrder(list.map(nameOf).filter(Boolean), (n) => ctx.store.getDesired(n)?.spec?.dependsOn ?? []);
  for (const n of cyclic) ctx.warnings.set(n, 'depends-on-cycle', 'depends_on forms a cycle: started without waiting for its dependencies');
  const queue = [...list].sort((a, b) => order.indexOf(nameOf(a)) - order.indexOf(nameOf(b)));
  /** Absence is not a wish to run: a vPLC with no desired record is left as it is. */
  const wantsStart = (name: string): boolean => {
    const desired = ctx.store.getDesired(name);
    return desired?.desired_state === 'running' && !desired.tombstone && !ctx.ops.inProgress(name) && !options.skip?.(name);
  };
  // The stopped vPLCs this round is to start, probed together before the first start (one helper per parent).
  const toStart = list.filter((c) => c.State !== 'running').map(nameOf).filter((name) => name !== '' && wantsStart(name));
  const probed = toStart.length > 1 ? ((await probeBeforeStarts(ctx, toStart)) ?? undefined) : undefined;
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const name = c.Labels?.[Label.vplc];
      if (!name || signal.aborted) continue;
      try {
        const info = await ctx.engine.inspectContainer(c.Id);
        if (!info) continue;
        const policy = info.HostConfig.RestartPolicy?.Name ?? '';
        if (policy !== 'no' && policy !== '') await ctx.exec.run({ kind: 'update', container: c.Id, restartPolicy: 'no', vplc: name, by: reason, reason: `restart policy ${policy}: the watchdog restarts vPLCs` });
        if (info.State.Running) {
          await refreshRegistry(ctx, name);
          if (restore) foundRunning.push(name);
          continue;
        }
        if (info.State.Status !== 'exited' && info.State.Status !== 'created') {
          ctx.log.warn('boot sync: skipping vPLC in an unexpected state', { vplc: name, state: info.State.Status });
          continue;
        }
        if (!wantsStart(name)) continue;
        if (options.mayStart && !options.mayStart()) {
          ctx.log.info('boot sync: vPLC left stopped, the engine is going away or on hold', { vplc: name, reason });
          continue;
        }
        await waitForParents(ctx, ctx.store.getVnics(name).map((v) => v.parent_interface), signal);
        if (!cyclic.includes(name) && !(await awaitDependencies(ctx, name, probe, signal, ctx.settings.dependencyWaitMs))) {
          ctx.log.warn('boot sync: dependencies not healthy; vPLC left stopped', { vplc: name });
          continue;
        }
        if (await control.autoStart(name, reason, { reprovision: !options.deferReprovision, ...(probed ? { probed } : {}) })) {
          started.push(name);
          options.onStarted?.(name);
          await sleep(options.settleMs ?? ctx.settings.watchdog.settleMs, signal);
        }
      } catch (err) {
        if (signal.aborted) return;
        ctx.log.warn('boot sync: could not handle vPLC', { vplc: name, err: dockerMessage(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: options.parallelism ?? BOOT_PARALLELISM }, worker));
  return { started, restored: restoreAll(ctx, foundRunning, signal) };
}

/**
 * docs/lifecycle.md "Restore at agent start", for the vPLCs boot sync found running: `BOOT_PARALLELISM` at a time, each
 * in its own executor queue. A vPLC that an operation holds by then (a resumed create, a user's command) is left to
 * it: the operation provisions the vPLC itself. Never rejects.
 */
async function restoreAll(ctx: OrchestratorContext, names: string[], signal: AbortSignal): Promise<void> {
  await mapLimit(names, BOOT_PARALLELISM, async (name) => {
    if (signal.aborted || ctx.ops.inProgress(name)) return;
    await ctx.exec.serial(name, () => restoreRunning(ctx, name)).catch((err: unknown) => ctx.log.warn('restore of a running vPLC failed', { vplc: name, err: dockerMessage(err) }));
  });
}
