import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SelfDestructStep } from '../../../shared/domain/operations.js';
import { sleep } from '../../lib/time/clock.js';
import type { OrchestratorContext } from './context.js';
import { RESTART_WINDOW_FILE } from './lifecycle/restart-window-file.js';
import { removeHelpers, stopAndRemove } from './delete/pipeline.js';
import { dockerMessage } from './docker/errors.js';
import { Label, ownFilter } from './docker/labels.js';
import { removeWifiBridges } from './wifi/provision.js';

export const ORCHESTRATOR_ID = '__orchestrator__';

/**
 * Every bridge goes; then the sysctls still remembered are put back and wifi_sysctls.json goes with them. When a bridge
 * left something on the host the file stays (it holds the values to put back) and the log says what was left.
 */
async function cleanProxyArp(ctx: OrchestratorContext): Promise<void> {
  const left: string[] = [];
  for (const name of ctx.store.desiredNames()) left.push(...(await removeWifiBridges(ctx, name)));
  if (left.length) {
    ctx.log.warn('self-destruct: proxy-ARP bridges not fully removed; wifi_sysctls.json is kept with the host values to put back', { left });
    return;
  }
  await ctx.wifiBridges.revertAll().catch((err: unknown) => ctx.log.warn('self-destruct: host sysctls of proxy-ARP bridges not put back; wifi_sysctls.json is kept', { err: String(err) }));
}

/**
 * docs/protocol.md §4.3 self-destruct, restricted to this installation's resources. Credentials and the cloud link are the
 * caller's part (`removeSelf`), so this module never touches keys.
 */
export async function runSelfDestruct(ctx: OrchestratorContext, removeSelf: () => Promise<void>): Promise<void> {
  const step = (s: SelfDestructStep): void => ctx.ops.setStep(ORCHESTRATOR_ID, s);
  try {
    await sleep(100);
    step('returning_dedicated_nics');
    await ctx.dedicatedNics.releaseAll();
    step('deleting_runtimes');
    const vplcs = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
    for (const c of vplcs) {
      const name = c.Labels?.[Label.vplc] ?? c.Id;
      // In the vPLC's queue, so an operation already running on it finishes first.
      await ctx.exec.serial(name, async () => {
        await ctx.dhcp.stop(name).catch(() => undefined);
        await ctx.wifiDhcp.stop(name).catch(() => undefined);
        await removeHelpers(ctx, name, 'self-destruct');
        await stopAndRemove(ctx, name, c.Id, 'self-destruct', 'self-destruct');
        ctx.usage.unregister(name);
      });
    }
    // Helpers whose vPLC is already gone.
    for (const h of await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId) })) {
      await ctx.exec.run({ kind: 'remove', container: h.Id, by: 'self-destruct', reason: 'helper left without its vPLC', tolerate: ['not-found'] }).catch(() => undefined);
    }
    step('cleaning_networks');
    for (const n of await ctx.engine.docker.listNetworks({ filters: ownFilter(ctx.store.installationId) })) {
      await ctx.networks.removeNetwork(n.Id, n.Labels?.[Label.role] === 'internal-net', 'self-destruct').catch((err: unknown) =>
        ctx.log.warn('self-destruct: network not removed', { network: n.Name, err: dockerMessage(err) }),
      );
    }
    step('cleaning_proxy_arp');
    await cleanProxyArp(ctx);
    step('deleting_netmon');
    step('deleting_volume');
    await ctx.store.wipe();
    await ctx.warnings.wipe();
    await fs.rm(path.join(ctx.store.dir, RESTART_WINDOW_FILE), { force: true });
    await fs.rm(path.join(ctx.store.dir, 'dhcp'), { recursive: true, force: true });
    await fs.rm(path.join(ctx.store.dir, 'usage'), { recursive: true, force: true });
    // `data/` held serial_configs.json (wiped with the store); anything else of someone else's in it stays.
    await fs.rmdir(path.join(ctx.store.dir, 'data')).catch(() => undefined);
    step('removing_self');
    await removeSelf();
    ctx.ops.finish(ORCHESTRATOR_ID);
  } catch (err) {
    ctx.ops.setError(ORCHESTRATOR_ID, dockerMessage(err), 'delete');
  }
}
