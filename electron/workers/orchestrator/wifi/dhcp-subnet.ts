import { ipInCidr } from '../../../../shared/net/ipv4.js';
import type { NetworkChangeData } from '../../../../shared/netmon/events.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { moveTarget } from '../reattach/plan.js';
import type { PersistedVnic } from '../store/schemas.js';
import { isWifiDhcp } from './dhcp-lease.js';

/**
 * The DHCP WiFi vNICs on `iface` to lease again after its subnet or gateway changed (docs/protocol.md §8 step 5): all
 * but those whose bridge still fits, i.e. built on that parent, with that gateway, for an address inside the subnet
 * (a renewal absorbed the change already). Pure.
 */
export function wifiLeasesToRenew(vnics: readonly PersistedVnic[], iface: string, subnet: string, gateway: string | null): string[] {
  return vnics
    .filter((v) => isWifiDhcp(v) && v.parent_interface === iface)
    .filter((v) => {
      const b = v._proxy_arp_config;
      return !(b && b.parent_interface === iface && b.gateway === gateway && ipInCidr(b.ip_address, subnet));
    })
    .map((v) => v.name);
}

export type WifiSubnetContext = Pick<OrchestratorContext, 'store' | 'engine' | 'exec' | 'ops' | 'warnings' | 'log'>;
/** Replaces the clients of these vNICs (WifiDhcpClients.provision). */
export type Release = (vplc: string, containerId: string, vnics: string[]) => Promise<string[]>;

/**
 * Follows the subnet of WiFi parents for their DHCP vNICs: when it changes, the clients of the vNICs whose bridge no
 * longer fits are replaced, so those vNICs are leased on the new network (their bridge is rebuilt from the lease).
 * The 30 s rediscovery repeats unchanged values; only a change acts. Never rejects.
 */
export class WifiSubnetFollow {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly ctx: WifiSubnetContext,
    private readonly lease: Release,
  ) {}

  async handle(data: NetworkChangeData): Promise<void> {
    const target = moveTarget(data);
    if (!target) return;
    const key = `${target.subnet}|${target.gateway ?? ''}`;
    const first = !this.seen.has(data.interface);
    if (this.seen.get(data.interface) === key) return;
    this.seen.set(data.interface, key);
    for (const vplc of this.ctx.store.desiredNames()) {
      const all = this.ctx.store.getVnics(vplc);
      // The first report after the agent starts is the current state: a vNIC still waiting for its first lease is
      // left to its client; only a bridge built for another network is acted on.
      const vnics = wifiLeasesToRenew(all, data.interface, target.subnet, target.gateway).filter((n) => !first || all.find((v) => v.name === n)?._proxy_arp_config);
      if (!vnics.length || this.ctx.ops.inProgress(vplc) !== null) continue; // an operation in progress provisions on its own
      await this.ctx.exec
        .serial(vplc, async () => {
          const info = await this.ctx.engine.resolveVplc(vplc, this.ctx.store.installationId);
          if (!info?.State.Running) return;
          this.ctx.log.info('WiFi subnet changed: leasing again', { vplc, vnics, parent: data.interface, subnet: target.subnet });
          const warnings = await this.lease(vplc, info.Id, vnics);
          this.ctx.warnings.clearPrefix(vplc, 'wifidhcp-subnet:');
          warnings.forEach((w, i) => this.ctx.warnings.set(vplc, `wifidhcp-subnet:${i}`, w));
        })
        .catch((err: unknown) => this.ctx.log.warn('WiFi DHCP could not follow the subnet change', { vplc, err: dockerMessage(err) }));
    }
  }
}
