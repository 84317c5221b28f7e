import type Docker from 'dockerode';
import type { NetworkChangeData } from '../../../../shared/netmon/events.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage, OperationError } from '../docker/errors.js';
import { isOwn, Label } from '../docker/labels.js';
import { lanNetworkName, type LanNet } from '../net/networks.js';
import { enforceWireMacs, type MacTarget } from '../net/wire-mac.js';
import type { PersistedVnic } from '../store/schemas.js';
import { moveTarget, planVnic, vnicsOnParent, type VnicMove } from './plan.js';

export type ReattachEvent = {
  vplc: string;
  vnic: string;
  parent: string;
  network: string;
  result: 'reattached' | 'detached' | 'failed';
  message: string;
  at: string;
};

export type ReattachDeps = {
  ctx: OrchestratorContext;
  /** An operation (create, delete, start, stop…) holds the vPLC: skip it now and re-run once it ends (§8 step 3). */
  isBusy: (name: string) => boolean;
  runLocked: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** Replaces the DHCP helpers of these vNICs (new endpoint, §8 step 4.7). */
  replaceDhcp: (vplc: string, containerId: string, vnics: string[]) => Promise<string[]>;
  retryMs?: number;
  parallel?: number;
  /** How long a move waits for a create that holds the old network between get-or-create and attach. */
  holdWaitMs?: number;
};

type Target = { subnet: string; gateway: string | null };

const subnetsOf = (n: Docker.NetworkInspectInfo): string[] => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '').filter(Boolean);

async function eachBounded<T>(items: T[], bound: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x);
  };
  await Promise.all(Array.from({ length: Math.min(bound, items.length) }, worker));
}

/**
 * Subnet-follow repair (PROTOCOL §8 IMPROVE, DECISIONS "One MACVLAN network per parent"): when a parent changes subnet,
 * every vPLC endpoint on it moves from the old MACVLAN network to the new one, keeping MACs (and static IPs that are
 * still valid). Containers are never restarted.
 *
 * INVARIANTS
 * - A move runs under the parent's lock in `Networks`, so creates on that parent wait for it and vice versa.
 * - Per vPLC it runs under the vPLC's lock, and only when that lock is free (never waits for it while holding the
 *   parent's lock); busy vPLCs are retried by one timer until they are free.
 * - Nothing throws out of `handle`; failures become warnings, log lines and `failed` events.
 */
export class Reattacher {
  private readonly processed = new Map<string, string>();
  private readonly targets = new Map<string, Target>();
  private readonly pending = new Map<string, Set<string>>();
  private readonly listeners = new Set<(e: ReattachEvent) => void>();
  private readonly inflight = new Set<Promise<void>>();
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly d: ReattachDeps) {}

  onEvent(cb: (e: ReattachEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** A `network_change` from netmon, already debounced there: acted on at once. */
  handle(data: NetworkChangeData): Promise<void> {
    const target = moveTarget(data);
    if (this.closed || !target) return Promise.resolve();
    const iface = data.interface;
    const key = `${target.subnet}|${target.gateway ?? ''}`;
    // The 30 s rediscovery repeats unchanged values (§7.4).
    if (this.processed.get(iface) === key) return Promise.resolve();
    this.processed.set(iface, key);
    this.targets.set(iface, target);
    this.d.ctx.log.debug('re-attach: change received', { parent: iface, subnet: target.subnet });
    return this.track(this.moveParent(iface, target, null));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    await Promise.allSettled([...this.inflight]);
  }

  private track(p: Promise<void>): Promise<void> {
    const t = p.catch((err: unknown) => this.d.ctx.log.error('re-attachment failed', { err: dockerMessage(err) }));
    this.inflight.add(t);
    void t.finally(() => this.inflight.delete(t));
    return t;
  }

  private report(e: Omit<ReattachEvent, 'at'>): void {
    const full = { ...e, at: new Date(this.d.ctx.clock.now()).toISOString() };
    const level = e.result === 'reattached' ? 'info' : 'warn';
    this.d.ctx.log[level](`vNIC ${e.result}`, { ...full });
    this.d.ctx.emit({ kind: 'changed', name: e.vplc, reason: `vnic-${e.result}` });
    for (const l of this.listeners) {
      try {
        l(full);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private defer(iface: string, name: string): void {
    let set = this.pending.get(iface);
    if (!set) this.pending.set(iface, (set = new Set()));
    set.add(name);
    this.retryTimer ??= setInterval(() => this.retryPending(), this.d.retryMs ?? 1_000);
    this.retryTimer.unref?.();
  }

  private retryPending(): void {
    for (const [iface, names] of this.pending) {
      const ready = [...names].filter((n) => !this.d.isBusy(n));
      const target = this.targets.get(iface);
      if (!ready.length || !target) continue;
      ready.forEach((n) => names.delete(n));
      if (!names.size) this.pending.delete(iface);
      void this.track(this.moveParent(iface, target, new Set(ready)));
    }
    if (!this.pending.size && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private affected(iface: string): Map<string, PersistedVnic[]> {
    const store = this.d.ctx.store;
    return vnicsOnParent(store.desiredNames().map((n) => [n, store.getVnics(n)]), iface);
  }

  /** PROTOCOL §8 step 4 for one parent; `only` restricts the attach phase to vPLCs that were busy before. */
  private async moveParent(iface: string, target: Target, only: Set<string> | null): Promise<void> {
    const { ctx } = this.d;
    if (this.affected(iface).size === 0) return;
    await ctx.networks.withParentLock(iface, async () => {
      if (this.targets.get(iface) !== target) return; // a newer move for this parent is queued behind us
      const byVplc = this.affected(iface);
      let net: LanNet;
      try {
        net = await this.replaceNetwork(iface, target);
      } catch (err) {
        const msg = err instanceof OperationError ? err.message : dockerMessage(err);
        for (const [vplc, vnics] of byVplc) {
          for (const v of vnics) {
            ctx.warnings.set(vplc, `reattach:${v.name}`, `vNIC '${v.name}' could not follow ${iface} to ${target.subnet}: ${msg}`);
            this.report({ vplc, vnic: v.name, parent: iface, network: '', result: 'failed', message: msg });
          }
        }
        // Let the next change (or rediscovery) try again.
        this.processed.delete(iface);
        return;
      }
      ctx.log.debug('re-attach: network replaced', { parent: iface, network: net.name });
      const names = [...byVplc.keys()].filter((n) => !only || only.has(n));
      await eachBounded(names, this.d.parallel ?? 8, async (name) => {
        if (this.d.isBusy(name)) {
          ctx.log.info('re-attachment deferred: an operation is in progress', { vplc: name, parent: iface });
          this.defer(iface, name);
          return;
        }
        await this.d.runLocked(name, () => this.attachVplc(name, byVplc.get(name) ?? [], iface, net, target)).catch((err: unknown) => {
          for (const v of byVplc.get(name) ?? []) this.report({ vplc: name, vnic: v.name, parent: iface, network: net.name, result: 'failed', message: dockerMessage(err) });
        });
      });
    });
  }

  /** Steps 4.1-4.4: find the parent's network; unless it already has the new subnet, empty it, remove it, create the new one. */
  private async replaceNetwork(iface: string, target: Target): Promise<LanNet> {
    const { ctx } = this.d;
    const nets = await ctx.networks.lanNetworksOn(iface);
    ctx.log.debug('re-attach: listed networks', { parent: iface });
    const same = nets.find((n) => subnetsOf(n).includes(target.subnet));
    if (same) return { id: same.Id, name: same.Name, subnet: target.subnet, created: false };
    for (const n of nets) {
      const own = isOwn(n.Labels, ctx.store.installationId, 'lan-net');
      const legacy = !n.Labels?.[Label.managed] && subnetsOf(n).some((s) => n.Name === lanNetworkName(iface, s));
      if (!own && !legacy) {
        throw new OperationError(`Interface ${iface} carries MACVLAN network ${n.Name}, which this orchestrator does not manage; it is left in place`);
      }
      const deadline = ctx.clock.monotonic() + (this.d.holdWaitMs ?? 30_000);
      while (ctx.networks.isHeld(n.Id) && ctx.clock.monotonic() < deadline) await new Promise((r) => setTimeout(r, 100));
      const attached = await ctx.engine.docker.listContainers({ all: true, filters: { network: [n.Id] } });
      const net = ctx.engine.docker.getNetwork(n.Id);
      ctx.log.debug('re-attach: listed containers', { parent: iface });
      await Promise.all(attached.map((c) => net.disconnect({ Container: c.Id, Force: true }).catch(() => undefined)));
      ctx.log.debug('re-attach: disconnected', { parent: iface });
      await ctx.networks.removeNetwork(n.Id);
      ctx.log.info('old MACVLAN network removed', { parent: iface, network: n.Name, endpoints: attached.length });
    }
    return ctx.networks.ensureLanLocked(iface, target.subnet, target.gateway ?? undefined, 'reattach');
  }

  /** Steps 4.5-4.7 for one vPLC: reconnect, MAC on the wire, records, DHCP helpers. */
  private async attachVplc(name: string, vnics: PersistedVnic[], iface: string, net: LanNet, target: Target): Promise<void> {
    const { ctx } = this.d;
    ctx.log.debug('re-attach: vplc begin', { vplc: name });
    const info = await ctx.engine.inspectContainer(name);
    ctx.log.debug('re-attach: inspected', { vplc: name });
    if (!info) {
      ctx.log.warn('re-attachment: vPLC container is gone', { vplc: name, parent: iface });
      return;
    }
    const moved: Array<Extract<VnicMove, { action: 'attach' }>> = [];
    for (const v of vnics) {
      const m = planVnic(v, target.subnet, target.gateway);
      if (m.action === 'detach') {
        ctx.warnings.set(name, `reattach:${v.name}`, m.warning);
        await ctx.store.patchVnic(name, v.name, { dhcp_ip: undefined, dhcp_gateway: undefined, dhcp_dns: undefined });
        this.report({ vplc: name, vnic: v.name, parent: iface, network: net.name, result: 'detached', message: m.warning });
        continue;
      }
      if (!info.NetworkSettings.Networks[net.name]) {
        if (!m.mac) ctx.log.warn('re-attachment: vNIC has no persisted MAC', { vplc: name, vnic: v.name });
        await ctx.engine.docker.getNetwork(net.id).connect({
          Container: info.Id,
          EndpointConfig: { ...(m.mac ? { MacAddress: m.mac } : {}), ...(m.ip ? { IPAMConfig: { IPv4Address: m.ip } } : {}) },
        });
        moved.push(m);
        ctx.log.debug('re-attach: connected', { vplc: name });
      }
      ctx.warnings.clear(name, `reattach:${v.name}`);
      await ctx.store.patchVnic(name, v.name, {
        docker_network_name: net.name,
        dhcp_ip: undefined,
        dhcp_gateway: undefined,
        dhcp_dns: undefined,
        ...(m.ip ? { subnet: target.subnet, ...(target.gateway ? { gateway: target.gateway } : {}) } : {}),
      });
    }
    if (!moved.length) return;
    ctx.log.debug('re-attach: reconnected', { vplc: name });
    if (info.State.Running) await this.afterConnect(name, info.Id, net.name, moved);
    for (const m of moved) {
      this.report({ vplc: name, vnic: m.vnic, parent: iface, network: net.name, result: 'reattached', message: `vNIC '${m.vnic}' re-attached to ${net.name}` });
    }
  }

  private async afterConnect(name: string, containerId: string, network: string, moved: Array<Extract<VnicMove, { action: 'attach' }>>): Promise<void> {
    const { ctx } = this.d;
    const fresh = await ctx.engine.inspectContainer(containerId);
    const ep = fresh?.NetworkSettings.Networks[network];
    const targets: MacTarget[] = moved.map((m) => ({
      vnic: m.vnic,
      requested: m.mac,
      dockerMac: ep?.MacAddress?.toLowerCase() || undefined,
      dockerIp: ep?.IPAddress || undefined,
      flush: m.dhcp,
    }));
    try {
      const outcomes = await enforceWireMacs(ctx.engine, ctx.settings.helperImage, ctx.store.installationId, name, containerId, targets);
      for (const o of outcomes) {
        if (o.wire) await ctx.store.patchVnic(name, o.vnic, { _wire_mac_address: o.wire });
        if (o.honoured) ctx.warnings.clear(name, `mac:${o.vnic}`);
        else ctx.warnings.set(name, `mac:${o.vnic}`, `MAC ${o.requested} of vNIC '${o.vnic}' is not on the wire (measured ${o.wire ?? 'no interface'})`);
      }
    } catch (err) {
      ctx.warnings.set(name, 'mac:helper', `MACs could not be verified on the wire: ${(err as Error).message}`);
    }
    ctx.log.debug('re-attach: wire MACs done', { vplc: name });
    const dhcp = moved.filter((m) => m.dhcp).map((m) => m.vnic);
    if (!dhcp.length) return;
    ctx.warnings.clearPrefix(name, 'dhcp:');
    const warnings = await this.d.replaceDhcp(name, containerId, dhcp).catch((err: unknown) => [`DHCP could not be started: ${(err as Error).message}`]);
    warnings.forEach((w, i) => ctx.warnings.set(name, `dhcp:${i}`, w));
  }
}
