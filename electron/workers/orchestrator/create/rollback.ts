import type { OrchestratorContext } from '../context.js';
import { dockerMessage, isNotFound } from '../docker/errors.js';
import type { StepActor } from '../exec/steps.js';
import { Label, ownFilter } from '../docker/labels.js';

export type Created = { container?: string; internalNetwork?: string; lanNetworks: string[] };

/** Adds what carries this operation's `op` label: a resource created just before a crash may be missing from the journal. */
async function withLabelled(ctx: OrchestratorContext, opId: string | undefined, created: Created): Promise<Created> {
  if (!opId) return created;
  const filter = { label: [...ownFilter(ctx.store.installationId).label, `${Label.op}=${opId}`] };
  const containers = await ctx.engine.docker.listContainers({ all: true, filters: filter });
  const networks = await ctx.engine.docker.listNetworks({ filters: filter });
  const vplcContainer = containers.find((c) => c.Labels?.[Label.role] === 'vplc');
  return {
    container: created.container ?? vplcContainer?.Id,
    internalNetwork: created.internalNetwork ?? networks.find((n) => n.Labels?.[Label.role] === 'internal-net')?.Id,
    lanNetworks: [...new Set([...created.lanNetworks, ...networks.filter((n) => n.Labels?.[Label.role] === 'lan-net').map((n) => n.Id)])],
  };
}

/**
 * Removes, in reverse order, exactly the Docker resources one create operation made. Reused networks (not ours, or
 * still used by another container) and pulled images are kept. Returns what could not be cleaned up.
 */
export async function removeCreatedResources(ctx: OrchestratorContext, name: string, created0: Created, opId?: string, by: StepActor = 'agent'): Promise<string[]> {
  const incomplete: string[] = [];
  const created = await withLabelled(ctx, opId, created0).catch((err: unknown) => {
    // The engine could not say what this create made (it is down): a container may exist that we never heard of.
    if (created0.container === undefined) incomplete.push(`containers of this create could not be listed: ${dockerMessage(err)}`);
    return created0;
  });
  if (created.container) {
    try {
      await ctx.exec.run({ kind: 'remove', container: created.container, vplc: name, by, reason: 'roll back a failed create' });
    } catch (err) {
      if (!isNotFound(err)) incomplete.push(`container ${name}: ${dockerMessage(err)}`);
    }
  }
  for (const id of [...created.lanNetworks].reverse()) {
    try {
      if (!(await ctx.networks.inUse(id))) await ctx.networks.removeNetwork(id, false, by);
    } catch (err) {
      incomplete.push(`network ${id.slice(0, 12)}: ${dockerMessage(err)}`);
    }
  }
  if (created.internalNetwork) {
    try {
      await ctx.networks.removeNetwork(created.internalNetwork, true, by);
    } catch (err) {
      incomplete.push(`network ${name}_internal: ${dockerMessage(err)}`);
    }
  }
  return incomplete;
}

/**
 * docs/protocol.md §5.7 rollback: the resources, then every record, so nothing re-creates what the user was told failed.
 * A recreate by the agent (reconcile, redeploy) keeps the records: the vPLC is still wanted, and a failed attempt
 * must not make the agent forget it. A rollback that could not remove (or could not look for) its container, e.g.
 * while the engine is down, leaves the desired record as a tombstone instead: reconcile then removes the container
 * and the records once the engine answers, rather than leaving a container nobody owns.
 */
export async function rollbackCreate(ctx: OrchestratorContext, name: string, created: Created, o: { opId?: string; by: StepActor; keepRecords: boolean }): Promise<string[]> {
  const keepRecords = o.keepRecords;
  const incomplete = await removeCreatedResources(ctx, name, created, o.opId, o.by);
  if (!keepRecords && incomplete.some((i) => i.startsWith('container'))) {
    try {
      await ctx.store.patchDesired(name, { tombstone: true, desired_state: 'stopped' });
      await ctx.store.dropJournal(name);
    } catch (err) {
      incomplete.push(`desired record: ${(err as Error).message}`);
    }
    return incomplete;
  }
  const records = [
    ['vNIC records', () => ctx.store.dropVnics(name)],
    ['registry entry', () => ctx.store.dropClient(name)],
    ['desired record', () => ctx.store.dropDesired(name)],
    ['journal entry', () => ctx.store.dropJournal(name)],
  ] as const;
  for (const [what, fn] of keepRecords ? records.slice(3) : records) {
    try {
      await fn();
    } catch (err) {
      incomplete.push(`${what}: ${(err as Error).message}`);
    }
  }
  if (!keepRecords) ctx.usage.unregister(name);
  return incomplete;
}
