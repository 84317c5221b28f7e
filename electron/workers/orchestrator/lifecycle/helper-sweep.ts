import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { StepActor } from '../exec/steps.js';

/**
 * Removes our one-shot helper containers (role `helper`: ARP probes, MAC and route helpers) that are no longer running.
 * They remove themselves when they exit, except when the engine or the agent stopped under them; a stopped one is never
 * needed again. Running ones belong to an operation in flight and are left alone. Warm ARP probe helpers (role
 * `probe-helper`) go whatever their state: at the agent's start none is this agent's, and after an engine outage the
 * one in use lost its attach stream (the next probe starts another). Returns how many were removed.
 */
export async function sweepStoppedHelpers(ctx: OrchestratorContext, by: StepActor): Promise<number> {
  const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId) });
  const stopped = list.filter((c) => c.Labels?.[Label.role] === 'helper' && c.State !== 'running');
  const warm = list.filter((c) => c.Labels?.[Label.role] === 'probe-helper');
  await ctx.exec.plan([
    ...stopped.map((c) => ({ kind: 'remove', container: c.Id, by, reason: 'a one-shot helper left by an engine or agent stop', tolerate: ['not-found'] }) as const),
    ...warm.map((c) => ({ kind: 'remove', container: c.Id, by, reason: 'a warm ARP probe helper of an earlier agent or engine run', tolerate: ['not-found'] }) as const),
  ]);
  if (stopped.length) ctx.log.info('removed one-shot helpers left stopped', { count: stopped.length });
  if (warm.length) ctx.log.info('removed warm ARP probe helpers of an earlier run', { count: warm.length });
  return stopped.length + warm.length;
}
