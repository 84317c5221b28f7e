import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { z } from 'zod';
import { writeFileAtomic } from '../../../lib/fs/atomic.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { Label, ownFilter, ownLabels } from '../docker/labels.js';
import { leaseKey } from '../delete/pipeline.js';
import { dockerTime, followClientLog, lastLeaseLine } from '../dhcp/client-log.js';
import { writeResolvConf } from '../dhcp/dns.js';
import { failedLeaseFile, resolvConf, retryDelayMs, type BoundLine, type LeaseLine } from '../dhcp/lease.js';
import type { PersistedVnic } from '../store/schemas.js';
import type { NetworkChangeData } from '../../../../shared/netmon/events.js';
import { clientIdHex, isWifiDhcp, leaseRefusal, toWifiLease, wifiLeaseFile } from './dhcp-lease.js';
import { WifiSubnetFollow } from './dhcp-subnet.js';
import { clientIsCurrent, wifiDhcpClientSpec } from './dhcp-spec.js';
import type { ProxyArpBridges, WifiDhcp } from './types.js';

/** What the clients need from the orchestrator's context. */
export type WifiDhcpContext = Pick<OrchestratorContext, 'engine' | 'exec' | 'store' | 'helper' | 'clock' | 'log' | 'emit' | 'warnings' | 'ops' | 'interfaces'>;
export type WifiDhcpOptions = { random?: () => number };

/** The bridge last built from a lease: a renewal that matches it changes nothing on the host. */
type Bridged = { containerId: string; ip: string; prefix: number; gateway: string };
type Slot = {
  vplc: string;
  vnic: string;
  gen: number;
  attempts: number;
  retry: NodeJS.Timeout | null;
  stream: Readable | null;
  /** The vPLC container the bridge is for. */
  containerId: string;
  bridged: Bridged | null;
  /** Lease lines are handled one after the other (a bound and a quick renew must not build twice at once). */
  chain: Promise<void>;
};

const slotKey = (vplc: string, vnic: string): string => `${vplc}:${vnic}`;
const sameBridge = (a: Bridged | null, b: Bridged): boolean => !!a && a.containerId === b.containerId && a.ip === b.ip && a.prefix === b.prefix && a.gateway === b.gateway;

const ClientLabels = z.object({ [Label.vplc]: z.string().min(1).max(255), [Label.vnic]: z.string().min(1).max(255), [Label.parent]: z.string().min(1).max(255) });
/** The part of a lease file the adoption reads back (the bridge's prefix is not in `_proxy_arp_config`). */
const StoredLease = z.object({ ip: z.string(), prefix: z.number().int().min(0).max(32), router: z.string() });

/**
 * DHCP for WiFi vNICs (docs/host-nics.md "WiFi DHCP", docs/protocol.md §5.10): per DHCP WiFi vNIC one long-lived
 * client container on the host's network, running udhcpc on the WiFi interface with client-id `"<container>:<vnic>"`.
 * Its script only prints the lease; the orchestrator records it, writes the lease file and builds the vNIC's
 * proxy-ARP bridge for the leased address (`ProxyArpBridges`), rebuilding it only when the address, prefix, gateway or
 * container changes, so renewals leave the bridge alone. A lost lease or a NAK tears the bridge down.
 *
 * INVARIANTS
 * - At most one client per vNIC: starting one removes the previous. Each slot has a generation; lines and exits of a
 *   replaced client are ignored.
 * - One retry timer per vNIC at most; `stop()` and `close()` clear them and end the log streams.
 * - Nothing throws out of the stream handlers; failures become warnings and retries.
 */
export class WifiDhcpClients implements WifiDhcp {
  private readonly slots = new Map<string, Slot>();
  private readonly random: () => number;
  private readonly subnets: WifiSubnetFollow;
  private closed = false;

  constructor(
    private readonly ctx: WifiDhcpContext,
    private readonly bridges: ProxyArpBridges,
    opts: WifiDhcpOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
    this.subnets = new WifiSubnetFollow(ctx, (vplc, id, vnics) => this.provision(vplc, id, vnics));
  }

  private slot(vplc: string, vnic: string, containerId: string): Slot {
    const k = slotKey(vplc, vnic);
    let s = this.slots.get(k);
    if (!s) this.slots.set(k, (s = { vplc, vnic, gen: 0, attempts: 0, retry: null, stream: null, containerId, bridged: null, chain: Promise.resolve() }));
    s.containerId = containerId;
    return s;
  }

  /** Starts or replaces the client of each DHCP WiFi vNIC (all, or only `only`); one warning per vNIC not served. */
  async provision(vplc: string, containerId: string, only?: string[]): Promise<string[]> {
    const warnings: string[] = [];
    for (const v of this.ctx.store.getVnics(vplc).filter((x) => isWifiDhcp(x) && (!only || only.includes(x.name)))) {
      const s = this.slot(vplc, v.name, containerId);
      // A new container (or a new subnet) needs a new bridge: the next lease builds it, even for the same address.
      s.bridged = null;
      try {
        await this.startClient(s, v);
      } catch (err) {
        warnings.push(`DHCP client for WiFi vNIC '${v.name}' could not be started: ${dockerMessage(err)}`);
        await this.lost(s);
      }
    }
    return warnings;
  }

  async stop(vplc: string, vnic?: string): Promise<void> {
    const names = new Set(this.ctx.store.getVnics(vplc).filter((v) => isWifiDhcp(v) && (!vnic || v.name === vnic)).map((v) => v.name));
    const inFlight: Promise<void>[] = [];
    for (const s of [...this.slots.values()].filter((x) => x.vplc === vplc && (!vnic || x.vnic === vnic))) {
      this.retire(s);
      this.slots.delete(slotKey(s.vplc, s.vnic));
      names.add(s.vnic);
      inFlight.push(s.chain);
    }
    // A lease being handled finishes first, so it cannot write its file after the removal below.
    await Promise.allSettled(inFlight);
    await this.removeClients(vplc, vnic, 'stop the WiFi DHCP client');
    await Promise.all([...names].map((n) => fs.rm(this.leasePath(vplc, n), { force: true })));
  }

  /**
   * After an agent restart: clients kept renewing while no agent ran. Each client of a running vPLC's DHCP WiFi vNIC is
   * followed again, after its last lease line is replayed when it differs from what was built. Clients whose vPLC or
   * vNIC is gone, or whose vPLC is not running, are removed; an exited client, one on another parent, or one older than
   * the vPLC's current start (its bridge died with the old namespace) is replaced. Never throws for one client.
   */
  async adoptRunning(): Promise<void> {
    const list = await this.ctx.engine.docker.listContainers({ all: true, filters: ownFilter(this.ctx.store.installationId, 'wifi-dhcp') });
    const imageId = await this.ctx.helper
      .image()
      .then(async (ref) => (await this.ctx.engine.docker.getImage(ref).inspect()).Id)
      .catch(() => null);
    const seen = new Set<string>();
    for (const c of list) {
      await this.adoptOne(c, seen, imageId).catch((err: unknown) => this.ctx.log.warn('WiFi DHCP client could not be adopted', { client: c.Id, err: dockerMessage(err) }));
    }
    await this.startMissing(seen);
  }

  /** The DHCP WiFi vNICs of running vPLCs whose client was removed or died while no agent ran get one. */
  private async startMissing(seen: Set<string>): Promise<void> {
    for (const vplc of this.ctx.store.desiredNames()) {
      const vnics = this.ctx.store.getVnics(vplc).filter((v) => {
        const known = this.slots.get(slotKey(vplc, v.name));
        return isWifiDhcp(v) && !seen.has(slotKey(vplc, v.name)) && !known?.stream && !known?.retry;
      });
      if (!vnics.length || this.ctx.store.getDesired(vplc)?.desired_state === 'stopped') continue;
      const info = await this.ctx.engine.resolveVplc(vplc, this.ctx.store.installationId).catch(() => null);
      if (!info?.State.Running) continue;
      this.ctx.log.info('starting the WiFi DHCP clients missing since the previous agent', { vplc, vnics: vnics.map((v) => v.name) });
      for (const v of vnics) {
        const s = this.slot(vplc, v.name, info.Id);
        s.bridged = null;
        await this.startClient(s, v).catch(async (err: unknown) => {
          this.ctx.log.warn('WiFi DHCP client could not be started', { vplc, vnic: v.name, err: dockerMessage(err) });
          await this.lost(s);
        });
      }
    }
  }

  networkChanged(data: NetworkChangeData): Promise<void> {
    return this.closed ? Promise.resolve() : this.subnets.handle(data);
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots.values()) this.retire(s);
  }

  private async adoptOne(c: Docker.ContainerInfo, seen: Set<string>, imageId: string | null): Promise<void> {
    const { engine, exec, store, log } = this.ctx;
    const remove = async (why: string): Promise<void> => {
      log.info('removing a WiFi DHCP client left by the previous agent', { client: c.Id, why });
      await exec.run({ kind: 'remove', container: c.Id, by: 'agent', reason: `WiFi DHCP client left by the previous agent: ${why}`, tolerate: ['not-found'] });
    };
    const labels = ClientLabels.safeParse(c.Labels ?? {});
    if (!labels.success) return remove('no vPLC, vNIC or parent label');
    const vplc = labels.data[Label.vplc];
    const vnic = labels.data[Label.vnic];
    const v = store.getVnics(vplc).find((x) => x.name === vnic);
    if (!v || !isWifiDhcp(v)) return remove('the vNIC is gone or no longer a DHCP WiFi vNIC');
    if (seen.has(slotKey(vplc, vnic))) return remove('a second client for the same vNIC');
    const info = await engine.resolveVplc(vplc, store.installationId);
    if (!info?.State.Running || store.getDesired(vplc)?.desired_state === 'stopped') return remove('the vPLC is gone or not running');
    seen.add(slotKey(vplc, vnic));
    const known = this.slots.get(slotKey(vplc, vnic));
    if (known?.stream || known?.retry) return; // provisioned by a start since open: that client is the one followed
    const s = this.slot(vplc, vnic, info.Id);
    const client = await engine.docker.getContainer(c.Id).inspect();
    // The list's `Created` has whole seconds only; a vPLC started after its client took its bridge down with it.
    const restartedSince = Date.parse(info.State.StartedAt) > Date.parse(client.Created);
    const current = clientIsCurrent(client, { imageId, parent: v.parent_interface, clientIdHex: clientIdHex(vplc, vnic) });
    if (!client.State.Running || !current || restartedSince) {
      log.info('replacing a WiFi DHCP client that does not serve the running vPLC', { vplc, vnic, state: c.State });
      s.bridged = null;
      try {
        await this.startClient(s, v);
      } catch (err) {
        log.warn('WiFi DHCP client could not be started', { vplc, vnic, err: dockerMessage(err) });
        await this.lost(s);
      }
      return;
    }
    this.retire(s);
    const gen = s.gen;
    s.bridged = await this.builtBefore(vplc, v, info.Id);
    const now = Date.now();
    await this.replayLast(s, gen, c.Id, now);
    if (gen === s.gen && !this.closed) await this.follow(s, gen, c.Id, { since: dockerTime(now) });
    log.info('following a running WiFi DHCP client again', { vplc, vnic, client: c.Id });
  }

  /** The bridge the previous agent built, from the record and the lease file it wrote with it. */
  private async builtBefore(vplc: string, v: PersistedVnic, containerId: string): Promise<Bridged | null> {
    const cfg = v._proxy_arp_config;
    if (!cfg) return null;
    const raw = await fs.readFile(this.leasePath(vplc, v.name), 'utf8').catch(() => null);
    let json: unknown;
    try {
      json = raw === null ? null : JSON.parse(raw);
    } catch {
      return null;
    }
    const lease = StoredLease.safeParse(json);
    if (!lease.success || lease.data.ip !== cfg.ip_address) return null;
    return { containerId, ip: cfg.ip_address, prefix: lease.data.prefix, gateway: cfg.gateway };
  }

  private async replayLast(s: Slot, gen: number, clientId: string, untilMs: number): Promise<void> {
    const last = await lastLeaseLine(this.ctx.engine, clientId, untilMs, ['bound', 'renew', 'leasefail', 'nak', 'deconfig']);
    if (last) await this.enqueue(s, gen, last);
  }


  private retire(s: Slot): void {
    s.gen++;
    if (s.retry) clearTimeout(s.retry);
    s.retry = null;
    s.stream?.destroy();
    s.stream = null;
  }

  private async removeClients(vplc: string, vnic: string | undefined, reason: string): Promise<void> {
    const filters = ownFilter(this.ctx.store.installationId, 'wifi-dhcp', vplc);
    if (vnic) filters.label.push(`${Label.vnic}=${vnic}`);
    const list = await this.ctx.engine.docker.listContainers({ all: true, filters });
    await Promise.all(list.map((c) => this.ctx.exec.run({ kind: 'remove', container: c.Id, vplc, by: 'agent', reason, tolerate: ['not-found'] })));
  }

  private async startClient(s: Slot, v: PersistedVnic): Promise<void> {
    this.retire(s);
    const gen = s.gen;
    const { exec, store } = this.ctx;
    const options = wifiDhcpClientSpec({
      image: await this.ctx.helper.image(),
      parent: v.parent_interface,
      clientIdHex: clientIdHex(s.vplc, s.vnic),
      labels: ownLabels(store.installationId, 'wifi-dhcp', { vplc: s.vplc, vnic: s.vnic, parent: v.parent_interface }),
    });
    await this.removeClients(s.vplc, s.vnic, 'replace the WiFi DHCP client');
    const about = { vplc: s.vplc, by: 'agent', reason: `DHCP client of WiFi vNIC '${s.vnic}' on ${v.parent_interface}` } as const;
    const clientId = await exec.run({ kind: 'create-container', ...about, options });
    if (gen !== s.gen) {
      await exec.run({ kind: 'remove', container: clientId, ...about, reason: 'superseded WiFi DHCP client' }).catch(() => undefined);
      return;
    }
    await exec.run({ kind: 'start', container: clientId, ...about });
    await this.follow(s, gen, clientId, {});
  }

  private async follow(s: Slot, gen: number, clientId: string, opts: { since?: string }): Promise<void> {
    const about = { vplc: s.vplc, vnic: s.vnic };
    let lastErr = '';
    const raw = await followClientLog(this.ctx.engine, clientId, opts.since, {
      lease: (l) => gen === s.gen && void this.enqueue(s, gen, l),
      other: (line) => gen === s.gen && this.ctx.log.debug('wifi dhcp client', { ...about, line }),
      stderr: (line) => {
        lastErr = line;
        this.ctx.log.debug('wifi dhcp client', { ...about, line });
      },
      closed: () => {
        if (gen !== s.gen || this.closed) return;
        s.stream = null;
        this.ctx.log.warn('WiFi DHCP client ended', { ...about, last: lastErr });
        // udhcpc's last words say why (e.g. `ioctl 0x8933 failed: No such device`: the WiFi interface is gone).
        this.ctx.warnings.set(s.vplc, `dhcplease:${s.vnic}`, `The DHCP client of WiFi vNIC '${s.vnic}' stopped${lastErr ? ` (${lastErr.slice(0, 200)})` : ''}; restarting it`);
        void this.lost(s);
      },
    });
    if (gen !== s.gen) raw.destroy();
    else s.stream = raw;
  }


  private enqueue(s: Slot, gen: number, l: LeaseLine): Promise<void> {
    s.chain = s.chain
      .then(() => (gen === s.gen ? this.onLine(s, gen, l) : undefined))
      .catch((e: unknown) => this.ctx.log.warn('WiFi lease handling failed', { vplc: s.vplc, vnic: s.vnic, err: dockerMessage(e) }));
    return s.chain;
  }

  private leasePath(vplc: string, vnic: string): string {
    return path.join(this.ctx.store.dir, 'dhcp', `${leaseKey(vplc)}_${leaseKey(vnic)}.lease`);
  }

  private async writeLease(s: Slot, body: Record<string, unknown>): Promise<void> {
    await fs.mkdir(path.join(this.ctx.store.dir, 'dhcp'), { recursive: true });
    await writeFileAtomic(this.leasePath(s.vplc, s.vnic), `${JSON.stringify(body)}\n`, 0o644);
  }

  private async onLine(s: Slot, gen: number, l: LeaseLine): Promise<void> {
    const ts = new Date(this.ctx.clock.now()).toISOString();
    switch (l.event) {
      case 'bound':
      case 'renew':
        return this.onLease(s, gen, l, ts);
      case 'leasefail':
      case 'nak':
        this.ctx.warnings.set(s.vplc, `dhcplease:${s.vnic}`, `DHCP for WiFi vNIC '${s.vnic}' got no lease (${l.event}); the client keeps trying`);
        await this.dropBridge(s, l.event);
        this.ctx.emit({ kind: 'changed', name: s.vplc, reason: `dhcp-${l.event}` });
        return this.writeLease(s, failedLeaseFile(l.interface, l.event, ts));
      case 'deconfig':
        // udhcpc also says deconfig when it starts; only a lease we built on is lost.
        if (!s.bridged) return;
        this.ctx.warnings.set(s.vplc, `dhcplease:${s.vnic}`, `WiFi vNIC '${s.vnic}' lost its DHCP lease; the client keeps trying`);
        await this.dropBridge(s, 'lease lost');
        this.ctx.emit({ kind: 'changed', name: s.vplc, reason: 'dhcp-leasefail' });
        return;
      default:
        this.ctx.log.debug('wifi dhcp client event', { vplc: s.vplc, vnic: s.vnic, event: l.event });
    }
  }

  /** The lease's DNS servers into the vPLC's resolv.conf, as for a MACVLAN DHCP vNIC (docs/host-nics.md "WiFi DHCP"). */
  private async applyDns(s: Slot, l: BoundLine): Promise<void> {
    const conf = resolvConf(l.dns, l.domain);
    if (!conf) return;
    try {
      await writeResolvConf(this.ctx.engine, s.containerId, conf);
      this.ctx.warnings.clear(s.vplc, `dhcpdns:${s.vnic}`);
    } catch (err) {
      this.ctx.warnings.set(s.vplc, `dhcpdns:${s.vnic}`, `DNS from the lease of vNIC '${s.vnic}' could not be applied: ${dockerMessage(err)}`);
    }
  }

  private async onLease(s: Slot, gen: number, l: BoundLine, ts: string): Promise<void> {
    const { ctx } = this;
    s.attempts = 0;
    const v = ctx.store.getVnics(s.vplc).find((x) => x.name === s.vnic);
    if (!v) return;
    const lease = toWifiLease(s.vplc, s.vnic, l);
    await ctx.store.patchVnic(s.vplc, s.vnic, { dhcp_ip: lease.ip, dhcp_gateway: lease.gateway ?? undefined, dhcp_dns: l.dns });
    ctx.warnings.clear(s.vplc, `dhcplease:${s.vnic}`);
    const bridgeKey = `wifidhcp:${s.vnic}`;
    if (!lease.gateway) {
      if (s.bridged && s.bridged.ip !== lease.ip) await this.dropBridge(s, 'new address without a router');
      ctx.warnings.set(s.vplc, bridgeKey, `The DHCP lease ${lease.ip} of WiFi vNIC '${s.vnic}' names no router; its bridge needs a gateway`);
      await this.writeLease(s, wifiLeaseFile(l, ts, null));
      ctx.emit({ kind: 'changed', name: s.vplc, reason: 'dhcp-lease' });
      return;
    }
    const refused = await this.refusal(v.parent_interface, lease.ip, lease.prefix, l.router);
    if (refused) {
      if (s.bridged && s.bridged.ip !== lease.ip) await this.dropBridge(s, 'new address refused');
      ctx.warnings.set(s.vplc, bridgeKey, `The DHCP lease ${lease.ip} of WiFi vNIC '${s.vnic}' is not bridged: ${refused}; check the LAN's DHCP server`);
      await this.writeLease(s, wifiLeaseFile(l, ts, null));
      ctx.emit({ kind: 'changed', name: s.vplc, reason: 'dhcp-lease' });
      return;
    }
    const want: Bridged = { containerId: s.containerId, ip: lease.ip, prefix: lease.prefix, gateway: lease.gateway };
    if (sameBridge(s.bridged, want)) {
      // A renewal of the lease the bridge was built for: nothing changes on the host.
      await this.writeLease(s, wifiLeaseFile(l, ts, ctx.store.getVnics(s.vplc).find((x) => x.name === s.vnic)?._proxy_arp_config ?? null));
      return;
    }
    try {
      const cfg = await this.bridges.build({ vplc: s.vplc, vnic: s.vnic, containerId: s.containerId, parent: v.parent_interface, ip: lease.ip, prefix: lease.prefix, gateway: lease.gateway });
      // A client replaced meanwhile (new container or network) builds its own bridge from its own lease.
      if (gen === s.gen) s.bridged = want;
      ctx.warnings.clear(s.vplc, bridgeKey);
      await this.writeLease(s, wifiLeaseFile(l, ts, cfg));
      await this.applyDns(s, l);
      ctx.log.info('WiFi DHCP lease bridged', { vplc: s.vplc, vnic: s.vnic, event: l.event, ip: lease.ip, prefix: lease.prefix, gateway: lease.gateway });
    } catch (err) {
      s.bridged = null;
      ctx.warnings.set(s.vplc, bridgeKey, `WiFi vNIC '${s.vnic}' leased ${lease.ip} but its bridge could not be built: ${dockerMessage(err)}; retried at the next renewal`);
      await this.writeLease(s, wifiLeaseFile(l, ts, null));
    }
    ctx.emit({ kind: 'changed', name: s.vplc, reason: 'dhcp-lease' });
  }

  /** Why a leased address must not be bridged (dhcp-lease.ts `leaseRefusal`); an unreadable parent is a refusal too. */
  private async refusal(parent: string, ip: string, prefix: number, router: string): Promise<string | null> {
    try {
      const own = (await this.ctx.interfaces.list()).find((i) => i.name === parent)?.ipv4 ?? [];
      return leaseRefusal({ ip, prefix, routers: router.split(/\s+/).filter((r) => r.length > 0) }, own);
    } catch (err) {
      return `the addresses of ${parent} could not be read (${dockerMessage(err)})`;
    }
  }

  /** The lease is gone: the bridge goes and the record forgets the address. */
  private async dropBridge(s: Slot, why: string): Promise<void> {
    const had = s.bridged;
    s.bridged = null;
    await this.ctx.store.patchVnic(s.vplc, s.vnic, { dhcp_ip: undefined, dhcp_gateway: undefined });
    if (!had) return;
    const left = await this.bridges.teardown(s.vplc, s.vnic).catch((err: unknown) => [dockerMessage(err)]);
    this.ctx.log.info('WiFi bridge removed with its lease', { vplc: s.vplc, vnic: s.vnic, why, ip: had.ip, left });
    if (left.length) this.ctx.warnings.set(s.vplc, `wifidhcp:${s.vnic}`, `The bridge of WiFi vNIC '${s.vnic}' could not be fully removed: ${left.join('; ')}`);
  }

  private current(s: Slot, gen: number): boolean {
    return !this.closed && gen === s.gen && this.slots.get(slotKey(s.vplc, s.vnic)) === s;
  }

  /**
   * The client is not running: retry with the §5.13 backoff. The bridge stays: the server keeps the lease for the
   * client-id, so the next client is normally given the same address and the bridge is kept as it is.
   */
  private async lost(s: Slot): Promise<void> {
    const gen = s.gen;
    if (!this.current(s, gen) || s.retry) return;
    const delay = retryDelayMs(s.attempts++, this.random);
    s.retry = setTimeout(() => {
      s.retry = null;
      if (gen === s.gen) void this.retry(s);
    }, delay);
    s.retry.unref?.();
  }

  private async retry(s: Slot): Promise<void> {
    const gen = s.gen;
    const v = this.ctx.store.getVnics(s.vplc).find((x) => x.name === s.vnic);
    const info = await this.ctx.engine.resolveVplc(s.vplc, this.ctx.store.installationId).catch(() => null);
    if (!this.current(s, gen)) return;
    if (!v || !isWifiDhcp(v) || !info?.State.Running || this.ctx.store.getDesired(s.vplc)?.desired_state === 'stopped') {
      this.slots.delete(slotKey(s.vplc, s.vnic));
      return;
    }
    if (info.Id !== s.containerId) s.bridged = null;
    s.containerId = info.Id;
    try {
      await this.startClient(s, v);
    } catch (err) {
      this.ctx.log.warn('WiFi DHCP client retry failed', { vplc: s.vplc, vnic: s.vnic, err: dockerMessage(err) });
      await this.lost(s);
    }
  }
}
