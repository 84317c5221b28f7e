import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import type { StepActor } from '../exec/steps.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import { isOwn, ownFilter } from '../docker/labels.js';
import { internalNetworkName } from '../net/networks.js';
import { stopAndRemove } from './stop.js';
import { afterJoinSettled } from '../net/after-join.js';
import { removeWifiBridges } from '../wifi/provision.js';

export { stopAndRemove, stopContainer } from './stop.js';

/** File and lease keys: characters outside `[A-Za-z0-9_.-]` become `_` (docs/protocol.md §4.1). */
export const leaseKey = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');

/** Removes every helper container (DHCP, MAC) that belongs to a vPLC. */
export async function removeHelpers(ctx: OrchestratorContext, name: string, by: StepActor): Promise<void> {
  const helpers = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, undefined, name) });
  await ctx.exec.plan(
    helpers
      .filter((h) => h.Labels?.['io.vplc-orchestrator.role'] !== 'vplc')
      .map((h) => ({ kind: 'remove', container: h.Id, vplc: name, by, reason: 'helper of a vPLC being stopped or removed', tolerate: ['not-found'] }) as const),
  );
}

/**
 * docs/protocol.md §5.8 deletion of a managed vPLC. The desired record is tombstoned first, so an interrupted delete
 * is finished by the next start instead of being forgotten.
 */
export async function runDelete(ctx: OrchestratorContext, name: string, requestedBy: Requester = 'agent', by: StepActor = requestedBy): Promise<void> {
  const before = ctx.store.getDesired(name);
  let containerGone = false;
  try {
    await ctx.store.patchDesired(name, { tombstone: true, desired_state: 'stopped' });
    await ctx.store.putJournal(name, {
      op_id: `delete-${name}`,
      operation: 'delete',
      step: 'stopping_container',
      started_at: new Date().toISOString(),
      requested_by: requestedBy,
      created: { lan_networks: [] },
      past_start: false,
    });
    await afterJoinSettled(ctx, name);
    await ctx.dhcp.stop(name).catch((err: unknown) => ctx.log.warn('stopping DHCP failed', { vplc: name, err: String(err) }));
    await ctx.wifiDhcp.stop(name).catch((err: unknown) => ctx.log.warn('stopping WiFi DHCP failed', { vplc: name, err: String(err) }));
    await removeHelpers(ctx, name, by);
    const bridgesLeft = await removeWifiBridges(ctx, name);

    // Still `stopping_container`: the delete vocabulary is the reference's two steps (docs/protocol.md §5.9).
    await ctx.dedicatedNics.release(name);

    ctx.ops.setStep(name, 'stopping_container');
    await ctx.fault('before-container-removed', name);
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
    if (info && isOwn(info.Config.Labels, ctx.store.installationId, 'vplc')) {
      await stopAndRemove(ctx, name, info.Id, by, 'delete');
    } else if (!info) {
      ctx.log.warn('delete: container already gone', { vplc: name });
    }
    containerGone = true;
    await ctx.fault('after-container-removed', name);
    // The records own what the host still holds: kept with the tombstone (the delete is retried) rather than dropped.
    if (bridgesLeft.length && (await removeWifiBridges(ctx, name)).length) throw new Error(`proxy-ARP bridges of ${name} not fully removed; the delete is retried`);

    for (const v of ctx.store.getVnics(name)) {
      await fs.rm(path.join(ctx.store.dir, 'dhcp', `${leaseKey(name)}_${leaseKey(v.name)}.lease`), { force: true });
    }
    await ctx.store.dropClient(name);
    await ctx.store.dropVnics(name);
    await ctx.serialConfigs.drop(name);
    ctx.usage.unregister(name);

    ctx.ops.setStep(name, 'removing_networks');
    const internal = await ctx.engine.inspectNetwork(internalNetworkName(name));
    if (internal && isOwn(internal.Labels, ctx.store.installationId, 'internal-net')) {
      await ctx.networks.removeNetwork(internal.Id, true, by).catch((err: unknown) => ctx.log.warn('removing internal network failed', { vplc: name, err: dockerMessage(err) }));
    }
    await ctx.networks.gcLanNetworks(by).catch((err: unknown) => ctx.log.warn('MACVLAN garbage collection failed', { err: dockerMessage(err) }));

    await ctx.store.dropDesired(name);
    await ctx.store.dropJournal(name);
    ctx.warnings.clear(name);
    ctx.ops.finish(name);
    ctx.emit({ kind: 'removed', name });
  } catch (err) {
    // Before the container is gone the delete is undone, so no tombstone can remove a vPLC the user starts again;
    // after that point the tombstone stays and the next start finishes the cleanup.
    if (!containerGone) {
      await (before ? ctx.store.putDesired(name, before) : ctx.store.dropDesired(name)).catch(() => undefined);
      await ctx.store.dropJournal(name).catch(() => undefined);
    }
    ctx.ops.setError(name, dockerMessage(err), 'delete');
    ctx.emit({ kind: 'changed', name, reason: 'delete-failed' });
  }
}
