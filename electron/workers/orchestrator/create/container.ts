import type { OrchestratorContext } from '../context.js';
import type { StepActor } from '../exec/steps.js';
import { isRlimitRefusal } from '../docker/errors.js';
import { ownLabels } from '../docker/labels.js';
import { planContainer, type ContainerPlanInput } from '../spec/container-spec.js';
import { learnRtLimits } from './rt-limits.js';

export type Started = { containerId: string; withUlimits: boolean };

/**
 * `creating_container`: create, connect the remaining networks, start. When runc refuses the real-time ulimits
 * (rootless Docker, LXC, sandboxes; the refusal comes at start), recreate without them and remember it for this engine.
 * A probe without a network learns that first (rt-limits.ts), so the recreate is only the fallback of a failed probe.
 * With `start: false` (the recreate of a vPLC the user stopped) the container is left created, not started.
 */
export async function createAndStart(
  ctx: OrchestratorContext,
  input: Omit<ContainerPlanInput, 'withUlimits' | 'labels' | 'perEndpointMac'> & { specHash: (withUlimits: boolean) => string; op: string; by: StepActor; start?: boolean },
  onCreated: (containerId: string | undefined) => Promise<void>,
  /** Must resolve before the container starts, i.e. before its vNICs join the LAN (the ARP probe of its addresses). */
  beforeStart: Promise<void> = Promise.resolve(),
): Promise<Started> {
  const { perEndpointMac } = await ctx.engine.describe();
  await learnRtLimits(ctx, input.image, input.by);
  let withUlimits = !ctx.hostFacts.rtLimitsRefused;
  const about = { vplc: input.name, by: input.by, reason: 'create' };
  for (;;) {
    const labels = ownLabels(ctx.store.installationId, 'vplc', { vplc: input.name, specHash: input.specHash(withUlimits), op: input.op });
    const plan = planContainer({ ...input, labels, perEndpointMac, withUlimits });
    const id = await ctx.exec.run({ kind: 'create-container', options: plan.create, ...about });
    // Before it starts: the new container makes a new certificate, so the old container's pin must stop counting.
    await ctx.store.recordContainer(input.name, id);
    await onCreated(id);
    await ctx.exec.plan(plan.connects.map((c) => ({ kind: 'connect', network: c.network, container: id, endpoint: c.endpoint, ...about }) as const));
    await ctx.fault('before-start', input.name);
    await beforeStart;
    if (input.start === false) return { containerId: id, withUlimits };
    try {
      ctx.ownStarts.add(id);
      await ctx.exec.run({ kind: 'start', container: id, ...about });
      return { containerId: id, withUlimits };
    } catch (err) {
      ctx.ownStarts.delete(id);
      if (!withUlimits || !isRlimitRefusal(err)) throw err;
      ctx.log.warn('engine refused real-time ulimits; recreating the vPLC without them', { vplc: input.name });
      ctx.hostFacts.rtLimitsRefused = true;
      await ctx.exec.run({ kind: 'remove', container: id, ...about, reason: 'recreate without real-time ulimits' });
      await onCreated(undefined);
      withUlimits = false;
    }
  }
}
