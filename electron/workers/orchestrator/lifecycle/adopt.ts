import type { OrchestratorContext } from '../context.js';
import { rollbackCreate } from '../create/rollback.js';
import { Label, ownFilter } from '../docker/labels.js';
import { internalNetworkName } from '../net/networks.js';

export type AdoptResult = {
  adopted: string[];
  unknownToDesired: string[];
  rolledBack: string[];
  resumeCreates: Array<{ name: string; containerId: string; runtimeIp: string }>;
  resumeDeletes: string[];
};

/**
 * After an agent restart: find this installation's vPLCs by label and adopt them as they are (no restart), then decide
 * what to do with operations the journal says were interrupted (PROTOCOL §5.7 "Journal").
 */
export async function adoptExisting(ctx: OrchestratorContext): Promise<AdoptResult> {
  const result: AdoptResult = { adopted: [], unknownToDesired: [], rolledBack: [], resumeCreates: [], resumeDeletes: [] };
  const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
  const present = new Map<string, string>();
  for (const c of list) {
    const name = c.Labels?.[Label.vplc];
    if (!name) continue;
    present.set(name, c.Id);
    result.adopted.push(name);
    ctx.usage.register(name);
    const ip = c.NetworkSettings?.Networks?.[internalNetworkName(name)]?.IPAddress;
    if (ip) await ctx.store.putClient(name, ip);
    if (!ctx.store.getDesired(name)) {
      result.unknownToDesired.push(name);
      ctx.log.warn('adopted a vPLC that is unknown to the desired state; it is left as it is', { vplc: name });
    }
  }

  for (const [name, entry] of ctx.store.journalEntries()) {
    if (entry.operation === 'delete') {
      result.resumeDeletes.push(name);
      continue;
    }
    const containerId = present.get(name);
    const subnet = ctx.store.getDesired(name)?.internal_subnet;
    if (entry.past_start && containerId && subnet) {
      const client = ctx.store.getClient(name);
      result.resumeCreates.push({ name, containerId, runtimeIp: client?.ip ?? '' });
      continue;
    }
    const incomplete = await rollbackCreate(ctx, name, {
      container: entry.created.container,
      internalNetwork: entry.created.internal_network,
      lanNetworks: entry.created.lan_networks,
    });
    const msg = 'Interrupted by agent restart';
    ctx.ops.setError(name, incomplete.length ? `${msg} (cleanup incomplete: ${incomplete.join('; ')})` : msg, 'create');
    result.rolledBack.push(name);
    present.delete(name);
  }
  for (const name of ctx.store.desiredNames()) {
    if (ctx.store.getDesired(name)?.tombstone && !result.resumeDeletes.includes(name)) result.resumeDeletes.push(name);
  }
  return result;
}
