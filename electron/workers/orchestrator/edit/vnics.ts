import type { VnicView } from '../../../../shared/api/contract.js';
import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { PersistedVnic } from '../store/schemas.js';
import { vnicViews, type ContainerNets } from './vnic-view.js';

/** Every recorded vNIC with its state on Docker (`network:vnics`); a detached one stays listed with why. */
export async function listVnics(ctx: OrchestratorContext): Promise<VnicView[]> {
  const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
  const containers = new Map<string, ContainerNets>();
  for (const c of list) {
    const name = c.Labels?.[Label.vplc];
    const nets = Object.entries(c.NetworkSettings?.Networks ?? {}).map(([n, e]) => [n, { ip: e.IPAddress || undefined, mac: e.MacAddress || undefined }] as const);
    if (name) containers.set(name, { running: c.State === 'running', networks: Object.fromEntries(nets) });
  }
  const records = ctx.store.desiredNames().map((n) => [n, ctx.store.getVnics(n)] as [string, PersistedVnic[]]);
  const board = ctx.warnings.snapshot();
  return vnicViews(records, containers, (n) => board[n] ?? {});
}
