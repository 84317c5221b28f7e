import type { OrchestratorContext } from '../context.js';
import { removeCreatedResources } from '../create/rollback.js';
import { Label, ownFilter } from '../docker/labels.js';
import { internalNetworkName } from '../net/networks.js';
import { sweepStoppedHelpers } from './helper-sweep.js';

export type AdoptResult = {
  adopted: string[];
  unknownToDesired: string[];
  /** Creates interrupted before their container ran: partial resources removed, to be re-run from the stored spec. */
  resumeFromSpec: string[];
  /** Creates interrupted after their container started: bookkeeping and the runtime wait are finished. */
  resumeCreates: Array<{ name: string; containerId: string }>;
  resumeDeletes: string[];
  failed: string[];
};

/**
 * After an agent restart: find this installation's vPLCs by label and adopt them as they are (no restart), then decide
 * what happens to operations that were interrupted (docs/decisions.md "Failures in create": resumed from the stored spec,
 * never silently dropped; an interrupted delete is finished).
 */
export async function adoptExisting(ctx: OrchestratorContext): Promise<AdoptResult> {
  const result: AdoptResult = { adopted: [], unknownToDesired: [], resumeFromSpec: [], resumeCreates: [], resumeDeletes: [], failed: [] };
  await sweepStoppedHelpers(ctx, 'agent').catch((err: unknown) => ctx.log.warn('stopped helpers not removed', { err: (err as Error).message }));
  const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
  const present = new Map<string, string>();
  for (const c of list) {
    const name = c.Labels?.[Label.vplc];
    if (!name) continue;
    present.set(name, c.Id);
    // The agent may have died between creating this container and recording it; a pin of another container then stops counting.
    await ctx.store.recordContainer(name, c.Id);
    result.adopted.push(name);
    ctx.usage.register(name);
    const ip = c.NetworkSettings?.Networks?.[internalNetworkName(name)]?.IPAddress;
    if (ip) await ctx.store.putClient(name, ip);
    if (!ctx.store.getDesired(name)?.spec) {
      result.unknownToDesired.push(name);
      ctx.log.warn('adopted a vPLC that is unknown to the desired state; it is left as it is', { vplc: name });
    }
  }

  const journalled = new Set<string>();
  for (const [name, entry] of ctx.store.journalEntries()) {
    journalled.add(name);
    if (entry.operation === 'delete') {
      result.resumeDeletes.push(name);
      continue;
    }
    const containerId = present.get(name);
    if (entry.past_start && containerId) {
      result.resumeCreates.push({ name, containerId });
      continue;
    }
    const incomplete = await removeCreatedResources(
      ctx,
      name,
      { container: entry.created.container, internalNetwork: entry.created.internal_network, lanNetworks: entry.created.lan_networks },
      entry.op_id,
    );
    present.delete(name);
    result.adopted = result.adopted.filter((n) => n !== name);
    if (incomplete.length) {
      ctx.ops.setError(name, `Interrupted by agent restart (cleanup incomplete: ${incomplete.join('; ')})`, 'create');
      result.failed.push(name);
    } else if (ctx.store.getDesired(name)?.spec) {
      result.resumeFromSpec.push(name);
    } else {
      await ctx.store.dropJournal(name);
      ctx.ops.setError(name, 'Interrupted by agent restart', 'create');
      result.failed.push(name);
    }
  }
  for (const name of ctx.store.desiredNames()) {
    const d = ctx.store.getDesired(name);
    if (!d || journalled.has(name)) continue;
    if (d.tombstone) result.resumeDeletes.push(name);
    // An acknowledged create whose agent died before its first journal write: the spec is on disk, so it is resumed.
    else if (d.spec && !present.has(name)) result.resumeFromSpec.push(name);
  }
  return result;
}
