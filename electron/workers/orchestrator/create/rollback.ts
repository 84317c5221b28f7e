import type { OrchestratorContext } from '../context.js';
import { dockerMessage, isNotFound } from '../docker/errors.js';

export type Created = { container?: string; internalNetwork?: string; lanNetworks: string[] };

/**
 * Undoes, in reverse order, exactly what one create operation made (PROTOCOL §5.7 rollback).
 * Reused networks and pulled images are kept. Returns what could not be cleaned up.
 */
export async function rollbackCreate(ctx: OrchestratorContext, name: string, created: Created): Promise<string[]> {
  const incomplete: string[] = [];
  if (created.container) {
    try {
      await ctx.engine.docker.getContainer(created.container).remove({ force: true });
    } catch (err) {
      if (!isNotFound(err)) incomplete.push(`container ${name}: ${dockerMessage(err)}`);
    }
  }
  for (const id of [...created.lanNetworks].reverse()) {
    try {
      const info = await ctx.engine.inspectNetwork(id);
      if (info && Object.keys(info.Containers ?? {}).length === 0) await ctx.networks.removeNetwork(id);
    } catch (err) {
      incomplete.push(`network ${id.slice(0, 12)}: ${dockerMessage(err)}`);
    }
  }
  if (created.internalNetwork) {
    try {
      await ctx.networks.removeNetwork(created.internalNetwork, true);
    } catch (err) {
      incomplete.push(`network ${name}_internal: ${dockerMessage(err)}`);
    }
  }
  // A rollback also drops the desired record, so nothing re-creates what the user was told failed.
  for (const [what, fn] of [
    ['vNIC records', () => ctx.store.dropVnics(name)],
    ['registry entry', () => ctx.store.dropClient(name)],
    ['desired record', () => ctx.store.dropDesired(name)],
    ['journal entry', () => ctx.store.dropJournal(name)],
  ] as const) {
    try {
      await fn();
    } catch (err) {
      incomplete.push(`${what}: ${(err as Error).message}`);
    }
  }
  ctx.usage.unregister(name);
  return incomplete;
}
