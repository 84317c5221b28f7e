import type { OrchestratorContext } from '../context.js';
import { isRlimitRefusal } from '../docker/errors.js';
import { ownLabels } from '../docker/labels.js';
import { planContainer, type ContainerPlanInput } from '../spec/container-spec.js';

export type Started = { containerId: string; withUlimits: boolean };

/**
 * `creating_container`: create, connect the remaining networks, start. When runc refuses the real-time ulimits
 * (rootless Docker, LXC, sandboxes; the refusal comes at start), recreate without them and remember it for this engine.
 */
export async function createAndStart(
  ctx: OrchestratorContext,
  input: Omit<ContainerPlanInput, 'withUlimits' | 'labels' | 'perEndpointMac'> & { specHash: (withUlimits: boolean) => string; op: string },
  onCreated: (containerId: string | undefined) => Promise<void>,
): Promise<Started> {
  const { perEndpointMac } = await ctx.engine.describe();
  let withUlimits = !ctx.hostFacts.rtLimitsRefused;
  for (;;) {
    const labels = ownLabels(ctx.store.installationId, 'vplc', { vplc: input.name, specHash: input.specHash(withUlimits), op: input.op });
    const plan = planContainer({ ...input, labels, perEndpointMac, withUlimits });
    const container = await ctx.engine.docker.createContainer(plan.create);
    // Before it starts: the new container makes a new certificate, so the old container's pin must stop counting.
    await ctx.store.recordContainer(input.name, container.id);
    await onCreated(container.id);
    for (const c of plan.connects) {
      await ctx.engine.docker.getNetwork(c.network).connect({ Container: container.id, EndpointConfig: c.endpoint });
    }
    await ctx.fault('before-start', input.name);
    try {
      ctx.ownStarts.add(container.id);
      await container.start();
      return { containerId: container.id, withUlimits };
    } catch (err) {
      ctx.ownStarts.delete(container.id);
      if (!withUlimits || !isRlimitRefusal(err)) throw err;
      ctx.log.warn('engine refused real-time ulimits; recreating the vPLC without them', { vplc: input.name });
      ctx.hostFacts.rtLimitsRefused = true;
      await container.remove({ force: true });
      await onCreated(undefined);
      withUlimits = false;
    }
  }
}
