import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { StepActor } from '../exec/steps.js';

/**
 * Removes our one-shot helper containers (role `helper`: ARP probes, MAC and route helpers) that are no longer running.
 * They remove themselves when they exit, except when the engine or the agent stopped under them; a stopped one is never
 * needed again. Running ones belong to an operation in flight and are left alone, except those the engine wrapper noted
 * as leftovers: a MAC helper whose attach stream an engine restart with live-restore ended, and whose removal failed
 * while the engine was away, still runs `sh -s` in its vPLC's namespace and is removed here. Warm ARP probe helpers
 * (role `probe-helper`) go whatever their state: at the agent's start none is this agent's, and after an engine outage
 * the one in use lost its attach stream (the next probe starts another). Returns how many were removed.
 */
export async function sweepStoppedHelpers(ctx: OrchestratorContext, by: StepActor): Promise<number> {
  const leftovers = new Set(ctx.engine.takeLeftoverHelpers());
  let list;
  try {
    list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId) });
  } catch (err) {
    for (const id of leftovers) ctx.engine.noteLeftoverHelper(id);
    throw err;
  }
  const helpers = list.filter((c) => c.Labels?.[Label.role] === 'helper');
  const stopped = helpers.filter((c) => c.State !== 'running');
  const lost = helpers.filter((c) => c.State === 'running' && leftovers.has(c.Id));
  const warm = list.filter((c) => c.Labels?.[Label.role] === 'probe-helper');
  // The noted ones first, each on its own: they were handed out once, so none may be lost to another removal's failure.
  let removedLost = 0;
  for (const c of lost) {
    const vplc = c.Labels?.[Label.vplc];
    try {
      await ctx.exec.run({ kind: 'remove', container: c.Id, ...(vplc ? { vplc } : {}), by, reason: 'a MAC helper that lost its attach stream while the engine was away', tolerate: ['not-found'] });
      removedLost += 1;
    } catch (err) {
      ctx.engine.noteLeftoverHelper(c.Id);
      ctx.log.warn('a MAC helper that lost its attach stream was not removed; the next sweep tries again', { container: c.Id.slice(0, 12), err: (err as Error).message });
    }
  }
  await ctx.exec.plan([
    ...stopped.map((c) => ({ kind: 'remove', container: c.Id, by, reason: 'a one-shot helper left by an engine or agent stop', tolerate: ['not-found'] }) as const),
    ...warm.map((c) => ({ kind: 'remove', container: c.Id, by, reason: 'a warm ARP probe helper of an earlier agent or engine run', tolerate: ['not-found'] }) as const),
  ]);
  if (stopped.length) ctx.log.info('removed one-shot helpers left stopped', { count: stopped.length });
  if (warm.length) ctx.log.info('removed warm ARP probe helpers of an earlier run', { count: warm.length });
  if (removedLost) ctx.log.info('removed MAC helpers that lost their attach stream', { count: removedLost });
  return stopped.length + warm.length + removedLost;
}
