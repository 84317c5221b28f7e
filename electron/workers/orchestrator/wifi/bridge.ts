import type { ProxyArpConfig } from '../../../../shared/domain/host-nic.js';
import type { OrchestratorContext } from '../context.js';
import type { HostStep } from '../hostnet/host-steps.js';
import type { StoreProblem } from '../store/persisted-map.js';
import { containerIfName, hostVethName, transitVethName } from './naming.js';
import { isBridged, takesDefaultRoute, wifiPlace } from './route-policy.js';
import { hostLinkScript, MARK, netnsScript, NOT_IN_VPLC, readValues, sysctlScript, teardownScript, type SysctlWrite } from './scripts.js';
import { buildWrites, SysctlBookStore, toRemember, toRevert } from './sysctl-book.js';
import type { BridgeRequest, ProxyArpBridges } from './types.js';

export type BridgeContext = Pick<OrchestratorContext, 'engine' | 'store' | 'hostSteps' | 'warnings' | 'log'>;

const LINK_CAPS = ['NET_ADMIN', 'NET_RAW'] as const;
const SYSCTL_CAPS = ['NET_ADMIN'] as const;

/** A failed bridge step: which one, and what the helper said. */
export class BridgeError extends Error {}
/** The address is proxied on the parent by someone else: nothing was made, and nothing may be removed. */
class ForeignProxy extends BridgeError {}

const warnKey = (vnic: string): string => `wifi:${vnic}`;

/**
 * The proxy-ARP bridges of WiFi vNICs (docs/host-nics.md "WiFi vNICs"), built and removed through host helpers.
 *
 * INVARIANTS
 * - One bridge operation at a time on this agent (`tail`): the sysctl bookkeeping reads "which bridges remain".
 * - `_proxy_arp_config` is written before the first host change and removed after the last, so a crash in between
 *   leaves a record that the next rebuild or teardown finishes; it is never a claim without an attempt behind it.
 * - Teardown touches only what names our veth, or our address on our parent, as recorded.
 */
export class HostProxyArpBridges implements ProxyArpBridges {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly ctx: BridgeContext,
    private readonly book: SysctlBookStore,
  ) {}

  static async open(ctx: BridgeContext, onCorrupt: (p: StoreProblem) => void): Promise<HostProxyArpBridges> {
    const book = new SysctlBookStore(ctx.store.dir);
    await book.load(onCorrupt);
    return new HostProxyArpBridges(ctx, book);
  }

  build(req: BridgeRequest): Promise<ProxyArpConfig> {
    return this.serial(() => this.buildNow(req));
  }

  teardown(vplc: string, vnic: string): Promise<string[]> {
    return this.serial(() => this.teardownNow(vplc, vnic));
  }

  teardownAll(vplc: string): Promise<string[]> {
    return this.serial(async () => {
      const left: string[] = [];
      // Each vNIC on its own: one that fails must not keep the others' entries on the host.
      for (const v of this.ctx.store.getVnics(vplc)) {
        if (!v._proxy_arp_config) continue;
        left.push(...(await this.teardownNow(vplc, v.name).catch((err: unknown) => [`bridge of vNIC '${v.name}': ${err instanceof Error ? err.message : String(err)}`])));
      }
      return left;
    });
  }

  revertAll(): Promise<void> {
    return this.serial(async () => {
      const { writes } = toRevert(this.book.current(), new Set());
      if (writes.length) await this.writeSysctls(undefined, writes, 'put back the host sysctls of proxy-ARP bridges');
      await this.book.wipe();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async buildNow(req: BridgeRequest): Promise<ProxyArpConfig> {
    const { vplc, vnic, parent, ip, prefix, gateway } = req;
    const vnics = this.ctx.store.getVnics(vplc);
    const record = vnics.find((v) => v.name === vnic);
    if (!record) throw new BridgeError(`vNIC '${vnic}' of ${vplc} is not recorded`);
    const place = wifiPlace(vnics, vnic);
    const veth = hostVethName(vplc, vnic, place.count);
    const config: ProxyArpConfig = { veth_host: veth, veth_container: containerIfName(place.index, place.hasMacvlan), ip_address: ip, gateway, parent_interface: parent };
    const previous = record._proxy_arp_config;
    // A new address or parent (a renewed lease, a re-attach): the old bridge goes first, so no stale entry stays.
    if (previous && (previous.ip_address !== ip || previous.parent_interface !== parent || previous.veth_host !== veth)) await this.teardownNow(vplc, vnic);
    const ourProxy = previous?.ip_address === ip && previous.parent_interface === parent;

    const info = await this.ctx.engine.inspectContainer(req.containerId);
    const pid = info?.State.Running ? info.State.Pid : 0;
    if (!pid) throw new BridgeError(`bridge of vNIC '${vnic}' not built: the vPLC is not running`);

    await this.ctx.store.patchVnic(vplc, vnic, { _proxy_arp_config: config });
    try {
      const transit = transitVethName(veth);
      const about = { vplc, what: `proxy-ARP bridge of ${vplc}/${vnic} on ${parent}` };
      const hostStep = async (retry: boolean): Promise<void> => {
        const pass = hostLinkPass(retry, ourProxy);
        const r = await this.step({ ...about, what: `${about.what}: host links`, script: hostLinkScript({ veth, transit, pid, ip, parent, ...pass }), capabilities: LINK_CAPS, pidHost: true });
        if (r.stdout.includes(MARK.foreign)) throw new ForeignProxy(`${ip} is already proxied on ${parent} by something other than this agent; the bridge of vNIC '${vnic}' was not built`);
        if (r.exitCode !== 0) throw new BridgeError(`host links of vNIC '${vnic}' failed: ${tail(r.stderr)}`);
        const seen = readValues(r.stdout);
        await this.book.remember(toRemember(this.book.current(), parent, { proxyArp: seen.get('proxy_arp_before'), ipForward: seen.get('ip_forward_before') }));
        this.noteFirewall(vplc, vnic, r.stdout);
      };
      const inside = netnsScript({ transit, ifname: config.veth_container, ip, prefix, gateway, defaultRoute: takesDefaultRoute(vnics, vnic) });
      const netnsStep = (): Promise<{ exitCode: number; stderr: string }> => this.step({ ...about, what: `${about.what}: inside the vPLC`, script: inside, capabilities: ['NET_ADMIN'], netnsOf: req.containerId });
      await hostStep(false);
      let r = await netnsStep();
      if (r.exitCode === NOT_IN_VPLC) {
        // The kept pair's other end is not in this vPLC (its container was replaced meanwhile): made afresh.
        await hostStep(true);
        r = await netnsStep();
      }
      if (r.exitCode !== 0) throw new BridgeError(`address of vNIC '${vnic}' inside the vPLC could not be set: ${tail(r.stderr)}`);
      await this.writeSysctls(vplc, buildWrites(veth, parent), `sysctls of the bridge of ${vplc}/${vnic}`);
    } catch (err) {
      if (err instanceof ForeignProxy) {
        await this.ctx.store.patchVnic(vplc, vnic, { _proxy_arp_config: undefined });
        throw err;
      }
      const left = await this.teardownNow(vplc, vnic).catch((e: unknown) => [String(e)]);
      const msg = err instanceof Error ? err.message : String(err);
      throw new BridgeError(left.length ? `${msg} (cleanup incomplete: ${left.join('; ')})` : msg);
    }
    this.ctx.log.info('proxy-ARP bridge built', { vplc, vnic, ...config });
    return config;
  }

  private async teardownNow(vplc: string, vnic: string): Promise<string[]> {
    const config = this.ctx.store.getVnics(vplc).find((v) => v.name === vnic)?._proxy_arp_config;
    if (!config) return [];
    const r = await this.step({
      vplc,
      what: `remove the proxy-ARP bridge of ${vplc}/${vnic}`,
      script: teardownScript({ veth: config.veth_host, ip: config.ip_address, parent: config.parent_interface }),
      capabilities: LINK_CAPS,
    });
    const left = r.exitCode === 0 ? r.stdout.split('\n').filter((l) => l.startsWith('left: ')).map((l) => l.slice('left: '.length)) : [`host step exited ${r.exitCode}: ${tail(r.stderr)}`];
    if (left.length) {
      this.ctx.log.warn('proxy-ARP bridge not fully removed', { vplc, vnic, left });
      return left;
    }
    await this.ctx.store.patchVnic(vplc, vnic, { _proxy_arp_config: undefined });
    this.ctx.warnings.clear(vplc, warnKey(vnic));
    const { writes, forget } = toRevert(this.book.current(), this.parentsInUse());
    if (writes.length) await this.writeSysctls(vplc, writes, 'put back the host sysctls of proxy-ARP bridges');
    await this.book.forget(forget);
    this.ctx.log.info('proxy-ARP bridge removed', { vplc, vnic, ...config, reverted: writes.length });
    return [];
  }

  /** Parents that still carry a bridge of ours (any vPLC). */
  private parentsInUse(): Set<string> {
    const out = new Set<string>();
    for (const name of this.ctx.store.desiredNames()) {
      for (const v of this.ctx.store.getVnics(name)) if (isBridged(v) && v._proxy_arp_config) out.add(v._proxy_arp_config.parent_interface);
    }
    return out;
  }

  private async writeSysctls(vplc: string | undefined, writes: SysctlWrite[], what: string): Promise<void> {
    const r = await this.ctx.hostSteps.run({ ...(vplc !== undefined ? { vplc } : {}), what, script: sysctlScript(writes), capabilities: SYSCTL_CAPS, writableProcSys: true });
    if (r.exitCode !== 0) throw new BridgeError(`${what} failed: ${tail(r.stderr)}`);
  }

  /** FORWARD rules that could not be set are a warning, not a failure (docs/protocol.md §5.10). */
  private noteFirewall(vplc: string, vnic: string, stdout: string): void {
    const problems = stdout.split('\n').filter((l) => l.startsWith(MARK.iptablesMissing) || l.startsWith(MARK.iptablesFailed));
    if (!problems.length) return this.ctx.warnings.clear(vplc, warnKey(vnic));
    const why = problems.some((l) => l.startsWith(MARK.iptablesMissing)) ? 'iptables is not available to the helper' : tail(problems.join('; '));
    this.ctx.warnings.set(vplc, warnKey(vnic), `FORWARD rules of WiFi vNIC '${vnic}' could not be set (${why}); the host's firewall may drop its traffic`);
  }

  private step(s: HostStep): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return this.ctx.hostSteps.run(s);
  }
}

/**
 * The host-links pass of a build. The retry after NOT_IN_VPLC makes the pair afresh; the proxy it then finds is the
 * one the first pass set (a foreign one stops the first pass with exit 4), so it is ours. Pure.
 */
export function hostLinkPass(retry: boolean, ourProxy: boolean): { fresh: boolean; ourProxy: boolean } {
  return retry ? { fresh: true, ourProxy: true } : { fresh: false, ourProxy };
}

const tail = (s: string): string => s.trim().split('\n').slice(-3).join(' ').slice(0, 300) || 'no output';
