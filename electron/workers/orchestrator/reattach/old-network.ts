import type Docker from 'dockerode';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage, OperationError } from '../docker/errors.js';
import { isOwn, Label } from '../docker/labels.js';
import { lanNetworkName, type LanNet } from '../net/networks.js';

type OldNet = { Id: string; Name: string };

const subnetsOf = (n: Docker.NetworkInspectInfo): string[] => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '').filter(Boolean);

/**
 * Steps 4.1-4.4 of docs/protocol.md §8: finds the parent's network; unless it already has the new subnet, empties it,
 * removes it and creates the new one. A create that holds the old network is waited for up to `holdWaitMs`.
 */
export async function replaceNetwork(ctx: OrchestratorContext, iface: string, target: { subnet: string; gateway: string | null }, holdWaitMs: number): Promise<LanNet> {
  const nets = await ctx.networks.lanNetworksOn(iface);
  const same = nets.find((n) => subnetsOf(n).includes(target.subnet));
  if (same) return { id: same.Id, name: same.Name, subnet: target.subnet, created: false };
  for (const n of nets) {
    const own = isOwn(n.Labels, ctx.store.installationId, 'lan-net');
    const legacy = !n.Labels?.[Label.managed] && subnetsOf(n).some((s) => n.Name === lanNetworkName(iface, s));
    if (!own && !legacy) {
      throw new OperationError(`Interface ${iface} carries MACVLAN network ${n.Name}, which this orchestrator does not manage; it is left in place`);
    }
    const deadline = ctx.clock.monotonic() + holdWaitMs;
    while (ctx.networks.isHeld(n.Id) && ctx.clock.monotonic() < deadline) await new Promise((r) => setTimeout(r, 100));
    await emptyAndRemove(ctx, n, iface, `${iface} moved to ${target.subnet}`);
  }
  return ctx.networks.ensureLanLocked(iface, target.subnet, target.gateway ?? undefined, 'reattach', 'reattach');
}

const hasActiveEndpoints = (err: unknown): boolean => /active endpoints/i.test(dockerMessage(err));

/** Docker's message when its endpoint count of a network is above the endpoints it lists (docs/networking.md "Stuck MACVLAN network"). */
export const stuckNetworkMessage = (net: string, iface: string): string =>
  `Docker still counts endpoints on MACVLAN network ${net} although none is attached (a Docker engine fault); ` +
  `it cannot be removed until the Docker engine restarts, so vNICs on ${iface} cannot move to the new subnet`;

/**
 * Steps 4.2-4.3 of docs/protocol.md §8: disconnects every container from a parent's old MACVLAN network and removes it.
 * A removal refused for "active endpoints" is retried a bounded number of times, each time after force-disconnecting
 * whatever the network still lists: a container by its id, an endpoint whose container is gone ("ep-<id>") by its
 * endpoint name. When Docker lists nothing and still refuses, its endpoint count has drifted: that is reported as such
 * (an OperationError every vNIC on the parent shows), never as a bare Docker error.
 */
export async function emptyAndRemove(ctx: OrchestratorContext, net: OldNet, iface: string, reason: string, attempts = 3): Promise<void> {
  const attached = await ctx.engine.docker.listContainers({ all: true, filters: { network: [net.Id] } });
  await Promise.all(attached.map((c) => disconnect(ctx, net, c.Id, c.Labels?.[Label.vplc], reason)));
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.networks.removeNetwork(net.Id, false, 'reattach');
      ctx.log.info('old MACVLAN network removed', { parent: iface, network: net.Name, endpoints: attached.length, attempt });
      return;
    } catch (err) {
      if (!hasActiveEndpoints(err)) throw err;
      const info = await ctx.engine.inspectNetwork(net.Id);
      if (!info) return; // removed meanwhile
      const listed = Object.entries(info.Containers ?? {});
      ctx.log.warn('old MACVLAN network still has endpoints', { parent: iface, network: net.Name, attempt, listed: listed.map(([k, c]) => `${k.slice(0, 15)} ${c.Name ?? ''}`) });
      if (attempt >= attempts) {
        if (listed.length === 0) throw new OperationError(stuckNetworkMessage(net.Name, iface));
        throw err;
      }
      // An "ep-<id>" key is an endpoint without a container: Docker's forced disconnect finds it by its name.
      for (const [key, c] of listed) await disconnect(ctx, net, key.startsWith('ep-') && c.Name ? c.Name : key, undefined, `${reason} (left on the network)`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function disconnect(ctx: OrchestratorContext, net: OldNet, container: string, vplc: string | undefined, reason: string): Promise<void> {
  await ctx.exec
    .run({ kind: 'disconnect', network: net.Id, container, ...(vplc ? { vplc } : {}), by: 'reattach', reason, tolerate: ['not-found'] })
    .catch((err: unknown) => ctx.log.warn('re-attach: disconnect from the old network failed', { network: net.Name, container: container.slice(0, 12), vplc, err: dockerMessage(err) }));
}
