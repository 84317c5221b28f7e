import type { OrchestratorContext } from '../context.js';
import type { PersistedVnic } from '../store/schemas.js';
import { isBridged } from './route-policy.js';
import { prefixOf } from './validate.js';

const failKey = (vnic: string): string => `wifibridge:${vnic}`;

/** A static WiFi vNIC whose bridge can be built: it has its address and gateway. */
const staticBridged = (v: PersistedVnic): v is PersistedVnic & { ip: string; gateway: string } => isBridged(v) && v.network_mode === 'static' && !!v.ip && !!v.gateway;

/**
 * `configuring_wifi_vnics` (docs/protocol.md §5.7 step 7), and the same after every start and at agent start: builds
 * (or keeps) the bridge of each static WiFi vNIC. A bridge that fails is a warning on the vPLC, which the health shows
 * as degraded; the vPLC keeps running. DHCP WiFi vNICs get theirs from the host-side DHCP client once a lease is in.
 */
export async function configureWifiVnics(ctx: OrchestratorContext, name: string, containerId: string): Promise<void> {
  for (const v of ctx.store.getVnics(name).filter(staticBridged)) {
    try {
      await ctx.wifiBridges.build({ vplc: name, vnic: v.name, containerId, parent: v.parent_interface, ip: v.ip, prefix: prefixOf(v.subnet), gateway: v.gateway });
      ctx.warnings.clear(name, failKey(v.name));
    } catch (err) {
      const text = `WiFi vNIC '${v.name}' is not bridged to ${v.parent_interface}: ${(err as Error).message}`;
      ctx.warnings.set(name, failKey(v.name), text);
      ctx.log.warn('proxy-ARP bridge failed', { vplc: name, vnic: v.name, err: (err as Error).message });
    }
  }
}

/**
 * Before our own stop (user stop, restart, recreate): the bridges go first, so nothing of them outlives the netns.
 * Returns what is left on the host; the records of those bridges stay, so a later teardown can still find them.
 */
export async function removeWifiBridges(ctx: Pick<OrchestratorContext, 'wifiBridges' | 'log'>, name: string): Promise<string[]> {
  const left = await ctx.wifiBridges.teardownAll(name).catch((err: unknown) => [(err as Error).message]);
  if (left.length) ctx.log.warn('proxy-ARP bridges not fully removed', { vplc: name, left });
  return left;
}

/**
 * Before our own recreate: the DHCP clients stop first, so a lease arriving meanwhile cannot build a bridge on the
 * container about to go; then the bridges go (removeWifiBridges).
 */
export async function quiesceWifi(ctx: Pick<OrchestratorContext, 'wifiDhcp' | 'wifiBridges' | 'log'>, name: string): Promise<string[]> {
  await ctx.wifiDhcp.stop(name);
  return removeWifiBridges(ctx, name);
}

/** A second vNIC on one WiFi parent is allowed, with a warning (docs/protocol.md §5.7): each is routed on its own. */
export function sharedWifiParents(vnics: readonly PersistedVnic[]): string | null {
  const wifi = vnics.filter(isBridged);
  const dup = wifi.find((v, i) => wifi.findIndex((w) => w.parent_interface === v.parent_interface) !== i);
  return dup ? `several WiFi vNICs share the parent ${dup.parent_interface}; each is routed through the host on its own` : null;
}

/** The new record of a recreated vNIC, with the bridge record of the old one when both are WiFi vNICs. Pure. */
export function keepBridgeRecord(v: PersistedVnic, previous: readonly PersistedVnic[]): PersistedVnic {
  const old = previous.find((p) => p.name === v.name)?._proxy_arp_config;
  return old && isBridged(v) ? { ...v, _proxy_arp_config: old } : v;
}

/**
 * An edit of a static WiFi vNIC's addressing on the same container: the record takes the new address, and a running
 * vPLC's bridge is built again on it (the old one goes first). A failed bridge is the same warning as at a start.
 */
export async function rebridgeEdited(ctx: OrchestratorContext, vplc: string, containerId: string, running: boolean, v: { name: string; ip?: string; resolvedSubnet: string | null; gateway?: string }): Promise<void> {
  await ctx.store.patchVnic(vplc, v.name, { ip: v.ip, ...(v.resolvedSubnet ? { subnet: v.resolvedSubnet } : {}), gateway: v.gateway });
  ctx.warnings.clear(vplc, `reattach:${v.name}`);
  ctx.warnings.clear(vplc, `arp:${v.name}`);
  if (running) await configureWifiVnics(ctx, vplc, containerId);
}
