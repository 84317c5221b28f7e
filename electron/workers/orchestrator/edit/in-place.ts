import type { Requester } from '../../../../shared/domain/vplc.js';
import type { OrchestratorContext } from '../context.js';
import type { ResolvedVnic } from '../create/validate.js';
import { Finisher } from '../reattach/finish.js';
import { rebridgeEdited } from '../wifi/provision.js';

export type InPlaceTarget = { vplc: string; containerId: string; running: boolean; targets: readonly ResolvedVnic[]; by: Requester };

/**
 * Applies new static addressing to the same container: each vNIC leaves its old MACVLAN network (if still on one) and
 * joins its parent's network for the new subnet with the same MAC and the new IP. A running vPLC then goes through the
 * re-attach finish (MAC and IP verified on the wire, gratuitous ARP, retried until verified); a stopped one is
 * verified by its next start. Runs in the vPLC's executor queue.
 */
export async function applyInPlace(ctx: OrchestratorContext, t: InPlaceTarget): Promise<void> {
  const finisher = new Finisher({
    ctx,
    runLocked: (name, fn) => ctx.exec.serial(name, fn),
    replaceDhcp: (vplc, id, vnics) => ctx.dhcp.provision(vplc, id, vnics),
    report: (e) => ctx.log.info('edit: vNIC re-attached', { vplc: e.vplc, vnic: e.vnic, result: e.result, message: e.message }),
    closed: () => false,
  });
  for (const v of t.targets) {
    if (v.wifi) {
      await rebridgeEdited(ctx, t.vplc, t.containerId, t.running, v);
      continue;
    }
    if (!v.resolvedSubnet || !v.ip) throw new Error(`vNIC '${v.name}' has no subnet to join`);
    const old = ctx.store.getVnics(t.vplc).find((p) => p.name === v.name);
    const net = await ctx.networks.ensureLan(v.parentInterface, v.resolvedSubnet, v.resolvedGateway, `edit-${t.vplc}`, t.by);
    const info = await ctx.engine.inspectContainer(t.containerId);
    const attached = Object.entries(info?.NetworkSettings.Networks ?? {}).filter(([n]) => n === old?.docker_network_name || n === net.name);
    for (const [network] of attached) {
      await ctx.exec.run({ kind: 'disconnect', network, container: t.containerId, vplc: t.vplc, by: t.by, reason: `vNIC '${v.name}' edited`, tolerate: ['not-found'] });
    }
    await ctx.exec.run({
      kind: 'connect',
      network: net.id,
      container: t.containerId,
      endpoint: { MacAddress: v.requestedMac, IPAMConfig: { IPv4Address: v.ip } },
      vplc: t.vplc,
      by: t.by,
      reason: `vNIC '${v.name}' edited to ${v.ip}`,
    });
    await ctx.store.patchVnic(t.vplc, v.name, {
      ip: v.ip,
      subnet: v.resolvedSubnet,
      gateway: v.resolvedGateway,
      dns: v.dns.length ? v.dns : undefined,
      docker_network_name: net.name,
      mac_address: v.requestedMac,
    });
    ctx.warnings.clear(t.vplc, `reattach:${v.name}`);
    ctx.warnings.clear(t.vplc, `arp:${v.name}`);
    if (t.running) {
      await finisher.finish({ vplc: t.vplc, containerId: t.containerId, network: net.name, parent: v.parentInterface }, [{ vnic: v.name, action: 'attach', mac: v.requestedMac, ip: v.ip, dhcp: false }], null);
    }
  }
}
