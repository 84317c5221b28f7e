import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { removeWifiBridges } from '../wifi/provision.js';

/**
 * A vPLC's container died and is still stopped when its queue comes to this (a crash, OOM, `docker kill`, a crash
 * loop the guard suspended): what stood for its network namespace on the host goes too. The WiFi proxy entries and
 * FORWARD rules would point at an address nobody holds, and the host-side WiFi DHCP client would keep renewing its
 * lease. The dedicated NIC is back on the host. The next start rebuilds all of it (docs/host-nics.md).
 * Our own stops did this before stopping; then it finds nothing left. A container running again (a restart in the
 * queue before this, a `docker start`) or gone (a delete) is left alone.
 */
export function afterOutsideDie(ctx: OrchestratorContext, name: string): Promise<void> {
  return ctx.exec
    .serial(name, async () => {
      const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
      if (!info || info.State.Running) return;
      await ctx.wifiDhcp.stop(name);
      await removeWifiBridges(ctx, name);
      ctx.dedicatedNics.containerDied(name);
    })
    .catch((err: unknown) => ctx.log.warn('cleanup after the vPLC stopped failed', { vplc: name, err: dockerMessage(err) }));
}
