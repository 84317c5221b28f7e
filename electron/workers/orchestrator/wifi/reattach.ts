import { ipInCidr, isUsableHost } from '../../../../shared/net/ipv4.js';
import type { OrchestratorContext } from '../context.js';
import type { ReattachEvent } from '../reattach/finish.js';
import { outsideWarning } from '../reattach/plan.js';
import type { PersistedVnic } from '../store/schemas.js';
import { isBridged } from './route-policy.js';
import { prefixOf } from './validate.js';

export type WifiMoveDeps = {
  ctx: OrchestratorContext;
  runLocked: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  report: (e: Omit<ReattachEvent, 'at'>) => void;
};

/** What a subnet move does with one static WiFi vNIC: the same rules as a MACVLAN one (pure). */
export function planWifiMove(v: PersistedVnic, subnet: string, gateway: string | null): { keep: true; gateway: string } | { keep: false; warning: string } {
  const ip = v.ip;
  if (!ip || !isUsableHost(ip, subnet) || ip === gateway) return { keep: false, warning: outsideWarning(ip ?? '(none)', v.name, subnet) };
  const gw = v.gateway && ipInCidr(v.gateway, subnet) ? v.gateway : gateway;
  if (!gw) return { keep: false, warning: `Gateway ${v.gateway ?? '(none)'} of WiFi vNIC '${v.name}' is outside the new subnet ${subnet}; edit the vNIC` };
  return { keep: true, gateway: gw };
}

/**
 * Whether a running vNIC's bridge already fits the parent's new addressing: built on that parent for the vNIC's address
 * with that gateway, and the prefix it was built with is the new subnet's (the address is inside it: planWifiMove).
 * Then nothing is rebuilt, e.g. when an address is added to the WiFi NIC or after an agent start. Pure.
 */
export function bridgeFits(v: PersistedVnic, iface: string, subnet: string, gateway: string): boolean {
  const b = v._proxy_arp_config;
  return !!b && b.parent_interface === iface && b.ip_address === v.ip && b.gateway === gateway && prefixOf(v.subnet) === prefixOf(subnet);
}

/**
 * A WiFi parent moved to another subnet (docs/host-nics.md "WiFi vNICs"): each running vPLC's static WiFi vNIC on it
 * whose address is still valid gets its bridge built again on the same address (the new prefix) unless its bridge
 * still fits (`bridgeFits`: nothing is done nor reported); one whose address is
 * not is left without a bridge, in error, until the vNIC is edited. Stopped vPLCs only get their record updated; their
 * next start builds the bridge. Never throws.
 */
export async function moveWifiParent(d: WifiMoveDeps, iface: string, target: { subnet: string; gateway: string | null }): Promise<void> {
  const { ctx } = d;
  for (const name of ctx.store.desiredNames()) {
    const on = ctx.store.getVnics(name).filter((v) => isBridged(v) && v.parent_interface === iface && v.network_mode === 'static');
    // DHCP WiFi vNICs take a new lease on the new subnet through their host-side client, which rebuilds their bridge.
    if (!on.length) continue;
    await d.runLocked(name, () => moveVplc(d, name, on, iface, target)).catch((err: unknown) => ctx.log.warn('WiFi vNICs could not follow their parent', { vplc: name, iface, err: String(err) }));
  }
}

async function moveVplc(d: WifiMoveDeps, name: string, vnics: PersistedVnic[], iface: string, target: { subnet: string; gateway: string | null }): Promise<void> {
  const { ctx } = d;
  const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
  for (const v of vnics) {
    const network = `wifi_${iface}_${v.name}`;
    const plan = planWifiMove(v, target.subnet, target.gateway);
    if (!plan.keep) {
      const left = await ctx.wifiBridges.teardown(name, v.name).catch((err: unknown) => [(err as Error).message]);
      if (left.length) ctx.log.warn('bridge of a detached WiFi vNIC not fully removed', { vplc: name, vnic: v.name, left });
      ctx.warnings.set(name, `reattach:${v.name}`, plan.warning);
      d.report({ vplc: name, vnic: v.name, parent: iface, network, result: 'detached', message: plan.warning });
      continue;
    }
    if (info?.State.Running && bridgeFits(v, iface, target.subnet, plan.gateway)) continue;
    await ctx.store.patchVnic(name, v.name, { subnet: target.subnet, gateway: plan.gateway });
    if (!info?.State.Running) continue;
    try {
      await ctx.wifiBridges.build({ vplc: name, vnic: v.name, containerId: info.Id, parent: iface, ip: v.ip as string, prefix: prefixOf(target.subnet), gateway: plan.gateway });
      ctx.warnings.clear(name, `reattach:${v.name}`);
      d.report({ vplc: name, vnic: v.name, parent: iface, network, result: 'reattached', message: `WiFi vNIC '${v.name}' bridged again on ${target.subnet}` });
    } catch (err) {
      const message = `WiFi vNIC '${v.name}' could not follow ${iface} to ${target.subnet}: ${(err as Error).message}`;
      ctx.warnings.set(name, `reattach:${v.name}`, message);
      d.report({ vplc: name, vnic: v.name, parent: iface, network, result: 'failed', message });
    }
  }
}
