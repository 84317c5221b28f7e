import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import type Docker from 'dockerode';
import { isGone, type NetworkChangeData } from '../../../../shared/netmon/events.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage, OperationError } from '../docker/errors.js';
import type { LanNet } from '../net/networks.js';
import type { PersistedVnic } from '../store/schemas.js';
import { Finisher, leftOffMessage, type ReattachEvent } from './finish.js';
import { moveTarget, planVnic, vnicsOnParent, type VnicMove } from './plan.js';
import { limiter, type Limiter } from './limiter.js';
import { replaceNetwork } from './old-network.js';
import { ProbeBatch, type Conflicts } from './probe-all.js';
import type { Attach } from './verify.js';
import { startAhead, WarmMacHelpers } from './warm-mac-helpers.js';
import { WireHelper } from './wire-helper.js';
import { moveWifiParent } from '../wifi/reattach.js';

export type { ReattachEvent } from './finish.js';

export type ReattachDeps = {
  ctx: OrchestratorContext;
  /** An operation (create, delete, start, stop…) holds the vPLC: skip it now and re-run once it ends (§8 step 3). */
  isBusy: (name: string) => boolean;
  runLocked: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** Replaces the DHCP helpers of these vNICs (new endpoint, §8 step 4.7). */
  replaceDhcp: (vplc: string, containerId: string, vnics: string[]) => Promise<string[]>;
  retryMs?: number;
  parallel?: number;
  /** How many MAC helpers start at once while the old network is torn down. */
  helperStarts?: number;
  /** How long a move waits for a create that holds the old network between get-or-create and attach. */
  holdWaitMs?: number;
  /** How long a MAC helper started ahead of a pending change waits for its move (more than netmon's debounce). */
  warmTtlMs?: number;
};

/** `renew`: the parent was re-created, so endpoints Docker still lists are dead and are re-created too. */
type Target = { subnet: string; gateway: string | null; renew: boolean };
/** The last change handled for a parent: its subnet/gateway and the ifindex it had then. */
type Seen = { key: string; index: number };
type ContainerInfo = NonNullable<Awaited<ReturnType<OrchestratorContext['engine']['inspectContainer']>>>;

const goneWarning = (iface: string, vnic: string): string => `Parent interface ${iface} is gone: vNIC '${vnic}' is detached until it returns`;


/**
 * Subnet-follow repair (docs/protocol.md §8 IMPROVE, docs/decisions.md "One MACVLAN network per parent"): when a parent changes subnet,
 * every vPLC endpoint on it moves from the old MACVLAN network to the new one, keeping MACs (and static IPs that are
 * still valid). Containers are never restarted.
 *
 * INVARIANTS
 * - A move runs under the parent's lock in `Networks`, so creates on that parent wait for it and vice versa.
 * - Per vPLC it runs in the vPLC's executor queue, and only when that queue is empty (never waits for it while holding the
 *   parent's lock); busy vPLCs are retried by one timer until they are free. A vPLC's job may wait for the new
 *   network while holding its own lock, never the other way round.
 * - Every pre-started MAC helper goes to exactly one finisher, which runs at most two scripts on it (MACs, then the
 *   after-join step) and discards it; on every other path it is discarded too. It exits and Docker removes it, or,
 *   when its attach stream was lost, the agent removes it (ScriptHelper.discard).
 * - Nothing throws out of `handle`; failures become warnings, log lines and `failed` events.
 */
export class Reattacher {
  private readonly processed = new Map<string, Seen>();
  /** Parents reported removed and not back yet (their MACVLAN links died with them). */
  private readonly gone = new Set<string>();
  private readonly targets = new Map<string, Target>();
  private readonly pending = new Map<string, Set<string>>();
  private readonly listeners = new TypedEmitter<{ report: [ReattachEvent] }>((err) => this.d.ctx.log.warn('re-attachment listener failed', { err: String(err) }));
  private readonly inflight = new Set<Promise<void>>();
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Per-vPLC connects, MAC scripts (with DHCP) and helper container starts, each with a small bound. */
  private readonly slots: Limiter;
  private readonly macs: Limiter;
  private readonly starts: Limiter;
  private readonly finisher: Finisher;
  private readonly warm: WarmMacHelpers;

  constructor(private readonly d: ReattachDeps) {
    this.slots = limiter(d.parallel ?? 8);
    this.macs = limiter(d.parallel ?? 8);
    this.starts = limiter(d.helperStarts ?? 4);
    // Only a head start: a vPLC stopped meanwhile makes its start fail, which is no news worth a warning.
    this.warm = new WarmMacHelpers({ start: (vplc, id) => this.prestart(vplc, id, { ahead: true }), ttlMs: d.warmTtlMs ?? 15_000 });
    this.finisher = new Finisher({ ctx: d.ctx, runLocked: d.runLocked, replaceDhcp: d.replaceDhcp, report: (e) => this.report(e), closed: () => this.closed });
  }

  onEvent(cb: (e: ReattachEvent) => void): () => void {
    return this.listeners.on('report', cb);
  }

  /** A `network_change` from netmon, already debounced there: acted on at once. */
  handle(data: NetworkChangeData): Promise<void> {
    if (this.closed) return Promise.resolve();
    const iface = data.interface;
    if (isGone(data)) {
      if (data.status !== 'removed') return Promise.resolve();
      this.processed.delete(iface);
      this.gone.add(iface);
      return this.track(this.parentGone(iface));
    }
    const found = moveTarget(data);
    if (!found) return Promise.resolve();
    const key = `${found.subnet}|${found.gateway ?? ''}`;
    const prev = this.processed.get(iface);
    // A new ifindex means the parent was deleted and created again even when no `removed` reached us.
    const renew = this.gone.has(iface) || (prev !== undefined && prev.index !== data.index);
    // The 30 s rediscovery repeats unchanged values (§7.4).
    if (!renew && prev?.key === key) return Promise.resolve();
    this.processed.set(iface, { key, index: data.index });
    this.gone.delete(iface);
    const target: Target = { ...found, renew };
    this.targets.set(iface, target);
    void this.track(moveWifiParent({ ctx: this.d.ctx, runLocked: this.d.runLocked, report: (e) => this.report(e) }, iface, target));
    return this.track(this.moveParent(iface, target, null));
  }

  /**
   * The built-in monitor's hint that `iface`'s addresses are changing (its `network_change` follows the debounce): the
   * running vPLCs on it get their MAC helpers now (warm-mac-helpers.ts `startAhead`). Never rejects.
   */
  prewarm(iface: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const { ctx } = this.d;
    const names = [...this.affected(iface).keys()].filter((n) => ctx.store.getDesired(n)?.desired_state === 'running');
    if (!names.length) return Promise.resolve();
    const resolve = (n: string): Promise<Awaited<ReturnType<typeof ctx.engine.resolveVplc>>> => ctx.engine.resolveVplc(n, ctx.store.installationId);
    return this.track(startAhead({ warm: this.warm, resolve, isBusy: (n) => this.closed || this.d.isBusy(n), log: ctx.log }, iface, names));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    await this.warm.close();
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
    this.listeners.emit('report', full);
  }

  private defer(iface: string, name: string): void {
    let set = this.pending.get(iface);
    if (!set) this.pending.set(iface, (set = new Set()));
    set.add(name);
    this.retryTimer ??= setInterval(() => this.retryPending(), this.d.retryMs ?? 1_000);
    this.retryTimer.unref?.();
  }

  private retryPending(): void {
    if (this.closed) return;
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

  /**
   * docs/protocol.md §8 step 4 for one parent; `only` restricts the attach phase to vPLCs that were busy before. Each free vPLC's
   * job starts at once in its executor queue (inspect, pre-start the MAC helper) and waits for the new network, so container
   * starts overlap the old network's teardown; Docker serialises network connects, helpers then only run a script.
   */
  private async moveParent(iface: string, target: Target, only: Set<string> | null): Promise<void> {
    const { ctx } = this.d;
    if (this.affected(iface).size === 0) return;
    await ctx.networks.withParentLock(iface, async () => {
      if (this.targets.get(iface) !== target) return; // a newer move for this parent is queued behind us
      const byVplc = this.affected(iface);
      let settle: (net: LanNet | null) => void = () => undefined;
      const ready = new Promise<LanNet | null>((resolve) => (settle = resolve));
      const jobs: Array<Promise<void>> = [];
      const free = [...byVplc.keys()].filter((n) => !only || only.has(n)).filter((name) => {
        if (!this.d.isBusy(name)) return true;
        ctx.log.info('re-attachment deferred: an operation is in progress', { vplc: name, parent: iface });
        this.defer(iface, name);
        return false;
      });
      const probes = new ProbeBatch(ctx, iface, free.length);
      for (const name of free) {
        const vnics = byVplc.get(name) ?? [];
        const job = this.d.runLocked(name, () => this.attachVplc(name, vnics, iface, ready, target, probes));
        jobs.push(
          job.catch((err: unknown) => {
            for (const v of vnics) this.report({ vplc: name, vnic: v.name, parent: iface, network: '', result: 'failed', message: dockerMessage(err) });
          }),
        );
      }
      try {
        const net = await replaceNetwork(ctx, iface, target, this.d.holdWaitMs ?? 30_000);
        ctx.log.debug('re-attach: network ready', { parent: iface, network: net.name });
        settle(net);
      } catch (err) {
        settle(null);
        const msg = err instanceof OperationError ? err.message : dockerMessage(err);
        ctx.log.error('re-attachment: the network of the new subnet could not be made; every vNIC on the parent is left detached', { parent: iface, subnet: target.subnet, vnics: [...byVplc.values()].flat().length, err: msg });
        for (const [vplc, vnics] of byVplc) {
          for (const v of vnics) {
            ctx.warnings.set(vplc, `reattach:${v.name}`, `vNIC '${v.name}' could not follow ${iface} to ${target.subnet}: ${msg}`);
            this.report({ vplc, vnic: v.name, parent: iface, network: '', result: 'failed', message: msg });
          }
        }
        // Let the next change (or rediscovery) try again, re-creating endpoints if this move was to.
        this.processed.delete(iface);
        if (target.renew) this.gone.add(iface);
      }
      await Promise.all(jobs);
    });
  }

  /**
   * A removed parent takes the vPLCs' MACVLAN links with it, while Docker keeps their endpoints. Those endpoints are
   * disconnected so the vPLC's status shows the vNIC detached (with a warning) until the parent returns; a busy vPLC
   * keeps its dead endpoint, which the move at the parent's return re-creates.
   */
  private async parentGone(iface: string): Promise<void> {
    const { ctx } = this.d;
    if (this.affected(iface).size === 0) return;
    await ctx.networks.withParentLock(iface, async () => {
      if (!this.gone.has(iface)) return; // the parent is back and its move is queued behind us
      const nets = await ctx.networks.lanNetworksOn(iface);
      const jobs = [...this.affected(iface)].map(async ([name, vnics]) => {
        for (const v of vnics) ctx.warnings.set(name, `reattach:${v.name}`, goneWarning(iface, v.name));
        if (!this.d.isBusy(name)) {
          await this.d.runLocked(name, () => this.detachVplc(name, vnics, iface, nets)).catch((err: unknown) =>
            ctx.log.warn('re-attachment: dead endpoint not disconnected', { vplc: name, parent: iface, err: dockerMessage(err) }),
          );
        }
        for (const v of vnics) this.report({ vplc: name, vnic: v.name, parent: iface, network: '', result: 'detached', message: goneWarning(iface, v.name) });
      });
      await Promise.all(jobs);
    });
  }

  private async detachVplc(name: string, vnics: PersistedVnic[], iface: string, nets: Docker.NetworkInspectInfo[]): Promise<void> {
    const { ctx } = this.d;
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
    if (!info) return;
    for (const n of nets.filter((x) => info.NetworkSettings.Networks[x.Name])) {
      await ctx.exec.run({ kind: 'disconnect', network: n.Id, container: info.Id, vplc: name, by: 'reattach', reason: `${iface} removed`, tolerate: ['not-found'] });
    }
    for (const v of vnics) await ctx.store.patchVnic(name, v.name, { dhcp_ip: undefined, dhcp_gateway: undefined, dhcp_dns: undefined });
  }

  /**
   * Steps 4.5-4.8 for one vPLC (in its executor queue): ARP probe of its static addresses, reconnect, MAC and address
   * verified on the wire, records, DHCP helpers; reported re-attached once verified.
   */
  private async attachVplc(name: string, vnics: PersistedVnic[], iface: string, ready: Promise<LanNet | null>, target: Target, probes: ProbeBatch): Promise<void> {
    const { ctx } = this.d;
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId).catch((err: unknown) => {
      probes.skip();
      throw err;
    });
    const plans = vnics.map((v) => [v, planVnic(v, target.subnet, target.gateway)] as const);
    const running = !!info?.State.Running;
    const wantHelper = running && plans.some(([, m]) => m.action === 'attach');
    // One started while netmon's debounce ran, if it is still good; otherwise one of its own.
    const helperP = wantHelper && info ? this.warm.take(name, info).then((h) => h ?? this.prestart(name, info.Id)) : (this.warm.discard(name), Promise.resolve(null));
    // The probe (one helper for the parent) overlaps the old network's teardown; a stopped vPLC is probed by its next start.
    const statics = plans.flatMap(([, m]) => (m.action === 'attach' && m.ip ? [{ vplc: name, vnic: m.vnic, ip: m.ip, ownMac: m.mac }] : []));
    const conflictsP: Promise<Conflicts> = running && statics.length ? probes.submit(name, statics) : (probes.skip(), Promise.resolve(new Map()));
    // The pre-started helper goes to the finisher, which uses it; on every other path, a throw included, it is discarded.
    let handedOver = false;
    try {
      const net = await ready;
      if (!info || !net) {
        if (!info) ctx.log.warn('re-attachment: vPLC container is gone', { vplc: name, parent: iface });
        return;
      }
      const conflicts = await conflictsP;
      const moved = await this.slots.run(() => this.reconnect(name, info, plans, iface, net, target, conflicts));
      for (const m of plans.filter(([, p]) => conflicts.has(p.vnic))) {
        ctx.retries.later(`arp:${name}:${m[0].name}`, () => this.d.runLocked(name, () => this.finisher.whenFree(name, m[0].name)));
      }
      if (!moved.length) return;
      if (!running) {
        // Nothing is on the wire to verify: its next start probes, sets and verifies (lifecycle/reprovision.ts).
        for (const m of moved) this.report({ vplc: name, vnic: m.vnic, parent: iface, network: net.name, result: 'reattached', message: `vNIC '${m.vnic}' re-attached to ${net.name}; the vPLC is stopped, its start verifies MAC and address` });
        return;
      }
      const helper = await helperP;
      handedOver = true;
      // Not behind the other vPLCs' connects: the MAC script runs while Docker serialises the next connects.
      await this.macs.run(() => this.finisher.finish({ vplc: name, containerId: info.Id, network: net.name, parent: iface }, moved, helper));
    } finally {
      if (!handedOver) void helperP.then((h) => h?.discard(), () => undefined);
    }
  }

  /**
   * A MAC helper waiting in the vPLC's namespace; null when it cannot start (the one-shot helper is used then).
   * `ahead`: started on netmon's settling hint, before any move; null once the re-attacher closed.
   */
  private prestart(name: string, containerId: string, o: { ahead?: boolean } = {}): Promise<WireHelper | null> {
    const { ctx } = this.d;
    return this.starts
      .run(async () => {
        // A head start is pointless once closed; a move still in flight gets its helper.
        if (o.ahead && this.closed) return null;
        const image = await ctx.helper.image();
        return o.ahead && this.closed ? null : WireHelper.start(ctx.engine, ctx.exec, image, ctx.store.installationId, name, containerId);
      })
      .catch((err: unknown) => {
        if (o.ahead) ctx.log.debug('re-attach: MAC helper not started ahead of a change', { vplc: name, err: dockerMessage(err) });
        else ctx.log.warn('re-attach: MAC helper pre-start failed; the one-shot helper is used', { vplc: name, err: dockerMessage(err) });
        return null;
      });
  }

  private async reconnect(
    name: string,
    info: ContainerInfo,
    plans: ReadonlyArray<readonly [PersistedVnic, VnicMove]>,
    iface: string,
    net: LanNet,
    target: Target,
    conflicts: Conflicts,
  ): Promise<Attach[]> {
    const { ctx } = this.d;
    const moved: Attach[] = [];
    for (const [v, m] of plans) {
      if (m.action === 'detach') {
        ctx.warnings.set(name, `reattach:${v.name}`, m.warning);
        await ctx.store.patchVnic(name, v.name, { dhcp_ip: undefined, dhcp_gateway: undefined, dhcp_dns: undefined });
        this.report({ vplc: name, vnic: v.name, parent: iface, network: net.name, result: 'detached', message: m.warning });
        continue;
      }
      const present = !!info.NetworkSettings.Networks[net.name];
      if (present && target.renew) {
        await ctx.exec.run({ kind: 'disconnect', network: net.id, container: info.Id, vplc: name, by: 'reattach', reason: `${iface} was re-created`, tolerate: ['not-found'] });
      }
      const reconnected = !present || target.renew;
      const held = conflicts.get(v.name);
      if (reconnected && held) {
        // Left off the LAN; the record points at the new network so a start (or the retry) connects it when free.
        const text = leftOffMessage(v.name, held, iface);
        ctx.warnings.set(name, `arp:${v.name}`, text);
        ctx.warnings.clear(name, `reattach:${v.name}`);
        ctx.log.warn('IP conflict: vNIC left detached at re-attach', { vplc: name, vnic: v.name, ip: held.ip, heldBy: held.mac });
        await ctx.store.patchVnic(name, v.name, { docker_network_name: net.name, subnet: target.subnet, ...(target.gateway ? { gateway: target.gateway } : {}) });
        this.report({ vplc: name, vnic: v.name, parent: iface, network: net.name, result: 'detached', message: text });
        continue;
      }
      if (reconnected) {
        if (!m.mac) ctx.log.warn('re-attachment: vNIC has no persisted MAC', { vplc: name, vnic: v.name });
        await ctx.exec.run({
          kind: 'connect',
          network: net.id,
          container: info.Id,
          endpoint: { ...(m.mac ? { MacAddress: m.mac } : {}), ...(m.ip ? { IPAMConfig: { IPv4Address: m.ip } } : {}) },
          vplc: name,
          by: 'reattach',
          reason: target.renew ? `${iface} re-created on ${target.subnet}` : `${iface} moved to ${target.subnet}`,
        });
        moved.push(m);
      }
      ctx.warnings.clear(name, `reattach:${v.name}`);
      // §8 step 4.7: only a reconnected vNIC loses its lease fields; one already on the right network keeps its lease.
      await ctx.store.patchVnic(name, v.name, {
        docker_network_name: net.name,
        ...(reconnected ? { dhcp_ip: undefined, dhcp_gateway: undefined, dhcp_dns: undefined } : {}),
        ...(m.ip ? { subnet: target.subnet, ...(target.gateway ? { gateway: target.gateway } : {}) } : {}),
      });
    }
    return moved;
  }
}
