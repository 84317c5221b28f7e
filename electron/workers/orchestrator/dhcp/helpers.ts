import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { z } from 'zod';
import type { DhcpUpdateData } from '../../../../shared/netmon/events.js';
import { writeFileAtomic } from '../../../lib/fs/atomic.js';
import type { DhcpContext, DhcpProvisioner } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { ownFilter, ownLabels, Label } from '../docker/labels.js';
import { leaseKey } from '../delete/pipeline.js';
import type { PersistedVnic } from '../store/schemas.js';
import { netnsHelperSpec } from '../spec/netns-helper.js';
import { dockerTime, followClientLog, lastLeaseLine } from './client-log.js';
import { writeResolvConf } from './dns.js';
import { dhcpUpdate, failedLeaseFile, leaseFile, resolvConf, retryDelayMs, type BoundLine, type LeaseLine } from './lease.js';
import { ENTRY_SCRIPT, HELPER_TMPFS, LEASE_SCRIPT } from './script.js';

type Slot = { vplc: string; vnic: string; gen: number; attempts: number; retry: NodeJS.Timeout | null; stream: Readable | null };

const slotKey = (vplc: string, vnic: string): string => `${vplc}:${vnic}`;
const isDhcpMacvlan = (v: PersistedVnic): boolean => v.network_mode === 'dhcp' && v._network_method === 'macvlan';

export type DhcpHelpersOptions = { random?: () => number };

/** The labels that tie a helper container to its vNIC, checked at the Docker boundary. */
const HelperLabels = z.object({ [Label.vplc]: z.string().min(1).max(255), [Label.vnic]: z.string().min(1).max(255) });
/** Enough of a helper's recent stdout to hold its last lease line (udhcpc logs a few lines per renewal). */
/** Docker's `since`/`until` with sub-second precision (`seconds.fraction`). */

/**
 * DHCP for MACVLAN vNICs through one helper container per vNIC in the vPLC's network namespace (docs/protocol.md §5.13,
 * docs/architecture.md decision 5). The orchestrator follows each helper's log stream, records leases and applies DNS.
 *
 * INVARIANTS
 * - At most one helper per vNIC: starting one removes the previous (a namespace is bound to one start).
 * - Each slot has a generation; lines and exits from a replaced helper are ignored, so a stale stream never
 *   overwrites a newer lease or schedules a retry.
 * - Owns one retry timer per vNIC at most; `stop()` and `close()` clear them and end the log streams.
 * - Nothing throws out of the stream handlers; failures become warnings and retries.
 */
export class DhcpHelpers implements DhcpProvisioner {
  private readonly slots = new Map<string, Slot>();
  private readonly events = new TypedEmitter<{ update: [DhcpUpdateData] }>((err) => this.ctx.log.warn('DHCP update listener failed', { err: String(err) }));
  private readonly random: () => number;
  private closed = false;

  constructor(
    private readonly ctx: DhcpContext,
    opts: DhcpHelpersOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
  }

  /** Every lease as `dhcp_update` data (UI/API). */
  onUpdate(cb: (d: DhcpUpdateData) => void): () => void {
    return this.events.on('update', cb);
  }

  private slot(vplc: string, vnic: string): Slot {
    const k = slotKey(vplc, vnic);
    let s = this.slots.get(k);
    if (!s) this.slots.set(k, (s = { vplc, vnic, gen: 0, attempts: 0, retry: null, stream: null }));
    return s;
  }

  /** Starts or replaces the helpers of the vPLC's DHCP vNICs (all, or only `only`). Returns one warning per vNIC not served. */
  async provision(vplc: string, containerId: string, only?: string[]): Promise<string[]> {
    const warnings: string[] = [];
    const vnics = this.ctx.store.getVnics(vplc).filter((v) => isDhcpMacvlan(v) && (!only || only.includes(v.name)));
    for (const v of vnics) {
      const s = this.slot(vplc, v.name);
      try {
        await this.startHelper(s, containerId, v);
      } catch (err) {
        warnings.push(`DHCP client for vNIC '${v.name}' could not be started: ${dockerMessage(err)}`);
        await this.lost(s);
      }
    }
    return warnings;
  }

  async stop(vplc: string): Promise<void> {
    for (const s of [...this.slots.values()].filter((x) => x.vplc === vplc)) {
      this.retire(s);
      this.slots.delete(slotKey(s.vplc, s.vnic));
    }
    await this.removeHelperContainers(vplc);
  }

  /**
   * After an agent restart (call once `open` has adopted the vPLCs): this installation's DHCP helpers kept running and
   * renewing, but nobody followed them. Each helper of a running vPLC's DHCP vNIC is followed again from now, after
   * its last lease line is replayed when it differs from the record (a change while no agent ran is not lost).
   * Helpers whose vPLC or vNIC is gone, or whose vPLC is not running, are removed; an exited helper, or one in an
   * earlier container's namespace, is replaced. Never throws for one helper; each failure is logged.
   */
  async adoptRunning(): Promise<void> {
    const { engine, store } = this.ctx;
    const list = await engine.docker.listContainers({ all: true, filters: ownFilter(store.installationId, 'dhcp') });
    const seen = new Set<string>();
    for (const c of list) {
      await this.adoptOne(c, seen).catch((err: unknown) => this.ctx.log.warn('DHCP helper could not be adopted', { helper: c.Id, err: dockerMessage(err) }));
    }
  }

  private async adoptOne(c: Docker.ContainerInfo, seen: Set<string>): Promise<void> {
    const { engine, exec, store, log } = this.ctx;
    const remove = async (why: string): Promise<void> => {
      log.info('removing a DHCP helper left by the previous agent', { helper: c.Id, why });
      await exec.run({ kind: 'remove', container: c.Id, by: 'agent', reason: `DHCP helper left by the previous agent: ${why}`, tolerate: ['not-found'] });
    };
    const labels = HelperLabels.safeParse(c.Labels ?? {});
    if (!labels.success) return remove('no vPLC or vNIC label');
    const vplc = labels.data[Label.vplc];
    const vnic = labels.data[Label.vnic];
    const v = store.getVnics(vplc).find((x) => x.name === vnic);
    if (!v || !isDhcpMacvlan(v)) return remove('the vNIC is gone or no longer DHCP');
    if (seen.has(slotKey(vplc, vnic))) return remove('a second helper for the same vNIC');
    const info = await engine.resolveVplc(vplc, store.installationId);
    if (!info?.State.Running || store.getDesired(vplc)?.desired_state === 'stopped') return remove('the vPLC is gone or not running');
    seen.add(slotKey(vplc, vnic));
    const s = this.slot(vplc, vnic);
    if (s.stream || s.retry) return; // provisioned by a start since open: that helper is the one followed
    if (c.State !== 'running' || c.HostConfig?.NetworkMode !== `container:${info.Id}`) {
      log.info('replacing a DHCP helper that is not serving the running vPLC', { vplc, vnic, state: c.State });
      try {
        await this.startHelper(s, info.Id, v);
      } catch (err) {
        log.warn('DHCP helper could not be started', { vplc, vnic, err: dockerMessage(err) });
        await this.lost(s);
      }
      return;
    }
    this.retire(s);
    const gen = s.gen;
    const now = Date.now();
    await this.replayLast(s, gen, c.Id, info.Id, v, now);
    if (gen === s.gen && !this.closed) await this.follow(s, gen, c.Id, info.Id, { since: dockerTime(now) });
    log.info('following a running DHCP helper again', { vplc, vnic, helper: c.Id });
  }

  /** The helper's last lease line up to `untilMs`, applied when it is a failure or a lease other than the recorded one. */
  private async replayLast(s: Slot, gen: number, helperId: string, containerId: string, v: PersistedVnic, untilMs: number): Promise<void> {
    const last = await lastLeaseLine(this.ctx.engine, helperId, untilMs, ['bound', 'renew', 'leasefail', 'nak']);
    if (!last) return;
    if ((last.event === 'bound' || last.event === 'renew') && last.ip === v.dhcp_ip) {
      // The recorded lease holds: a failure warning kept from before the restart is over.
      this.ctx.warnings.clear(s.vplc, `dhcplease:${s.vnic}`);
      return;
    }
    await this.onLine(s, gen, last, containerId);
  }

  /** Agent shutdown: stop following; helpers keep running so leases stay renewed. */
  close(): void {
    this.closed = true;
    for (const s of this.slots.values()) this.retire(s);
  }

  private retire(s: Slot): void {
    s.gen++;
    if (s.retry) clearTimeout(s.retry);
    s.retry = null;
    s.stream?.destroy();
    s.stream = null;
  }

  private async removeHelperContainers(vplc: string, vnic?: string): Promise<void> {
    const filters = ownFilter(this.ctx.store.installationId, 'dhcp', vplc);
    if (vnic) filters.label.push(`${Label.vnic}=${vnic}`);
    const list = await this.ctx.engine.docker.listContainers({ all: true, filters });
    await Promise.all(list.map((c) => this.ctx.exec.run({ kind: 'remove', container: c.Id, vplc, by: 'agent', reason: 'replace or stop the DHCP helper', tolerate: ['not-found'] })));
  }

  private async startHelper(s: Slot, containerId: string, v: PersistedVnic): Promise<void> {
    this.retire(s);
    const gen = s.gen;
    const { exec, store } = this.ctx;
    if (!v.docker_network_name) throw new Error(`vNIC '${v.name}' is not attached to a MACVLAN network`);
    await this.removeHelperContainers(s.vplc, s.vnic);
    const macs = [...new Set([v.mac_address, v._wire_mac_address].filter((m): m is string => !!m))];
    const about = { vplc: s.vplc, by: 'agent', reason: `DHCP client of vNIC '${s.vnic}'` } as const;
    const helperId = await exec.run({
      kind: 'create-container',
      ...about,
      options: netnsHelperSpec({
        image: await this.ctx.helper.image(),
        target: containerId,
        cmd: ['sh', '-c', ENTRY_SCRIPT],
        env: [`VPLC_MACS=${macs.join(' ')}`, `VPLC_LEASE_SCRIPT=${LEASE_SCRIPT}`],
        labels: ownLabels(store.installationId, 'dhcp', { vplc: s.vplc, vnic: s.vnic }),
        tmpfs: HELPER_TMPFS,
      }),
    });
    if (gen !== s.gen) {
      await exec.run({ kind: 'remove', container: helperId, ...about, reason: 'superseded DHCP helper' }).catch(() => undefined);
      return;
    }
    await exec.run({ kind: 'start', container: helperId, ...about });
    await this.follow(s, gen, helperId, containerId, {});
  }

  /** Follows a helper's log stream from `since` (Docker time; default: from its start) into the lease handling. */
  private async follow(s: Slot, gen: number, helperId: string, containerId: string, opts: { since?: string }): Promise<void> {
    const about = { vplc: s.vplc, vnic: s.vnic };
    const raw = await followClientLog(this.ctx.engine, helperId, opts.since, {
      lease: (l) => {
        if (gen !== s.gen) return;
        void this.onLine(s, gen, l, containerId).catch((e: unknown) => this.ctx.log.warn('lease handling failed', { ...about, err: dockerMessage(e) }));
      },
      other: (line) => gen === s.gen && this.ctx.log.debug('dhcp helper', { ...about, line }),
      stderr: (line) => this.ctx.log.debug('dhcp helper', { ...about, line }),
      closed: () => {
        if (gen !== s.gen || this.closed) return;
        s.stream = null;
        this.ctx.log.warn('DHCP helper ended', about);
        void this.lost(s);
      },
    });
    if (gen !== s.gen) raw.destroy();
    else s.stream = raw;
  }


  private leasePath(s: Slot): string {
    return path.join(this.ctx.store.dir, 'dhcp', `${leaseKey(s.vplc)}_${leaseKey(s.vnic)}.lease`);
  }

  private async writeLease(s: Slot, body: Record<string, unknown>): Promise<void> {
    await fs.mkdir(path.join(this.ctx.store.dir, 'dhcp'), { recursive: true });
    await writeFileAtomic(this.leasePath(s), `${JSON.stringify(body)}\n`, 0o644);
  }

  private async onLine(s: Slot, gen: number, l: LeaseLine, containerId: string): Promise<void> {
    const { ctx } = this;
    const ts = new Date(ctx.clock.now()).toISOString();
    const warnKey = `dhcplease:${s.vnic}`;
    switch (l.event) {
      case 'bound':
      case 'renew':
        return this.onBound(s, gen, l, ts, containerId);
      case 'leasefail':
      case 'nak':
        ctx.warnings.set(s.vplc, warnKey, `DHCP for vNIC '${s.vnic}' got no lease (${l.event}); the client keeps trying`);
        ctx.emit({ kind: 'changed', name: s.vplc, reason: `dhcp-${l.event}` });
        return this.writeLease(s, failedLeaseFile(l.interface, l.event, ts));
      case 'nomac':
        ctx.warnings.set(s.vplc, warnKey, `DHCP for vNIC '${s.vnic}': ${l.message}`);
        return;
      default:
        ctx.log.debug('dhcp helper event', { vplc: s.vplc, vnic: s.vnic, event: l.event, interface: l.interface });
    }
  }

  private async onBound(s: Slot, gen: number, l: BoundLine, ts: string, containerId: string): Promise<void> {
    const { ctx } = this;
    s.attempts = 0;
    const v = ctx.store.getVnics(s.vplc).find((x) => x.name === s.vnic);
    if (!v || gen !== s.gen) return;
    const update = dhcpUpdate(s.vplc, s.vnic, v._wire_mac_address ?? v.mac_address, l, ts);
    await ctx.store.patchVnic(s.vplc, s.vnic, { dhcp_ip: l.ip, dhcp_gateway: update.gateway || undefined, dhcp_dns: l.dns });
    await this.writeLease(s, leaseFile(l, ts));
    ctx.warnings.clear(s.vplc, `dhcplease:${s.vnic}`);
    const conf = resolvConf(l.dns, l.domain);
    if (conf) {
      try {
        await writeResolvConf(ctx.engine, containerId, conf);
        ctx.warnings.clear(s.vplc, `dhcpdns:${s.vnic}`);
      } catch (err) {
        ctx.warnings.set(s.vplc, `dhcpdns:${s.vnic}`, `DNS from the lease of vNIC '${s.vnic}' could not be applied: ${dockerMessage(err)}`);
      }
    }
    ctx.log.info('DHCP lease', { vplc: s.vplc, vnic: s.vnic, event: l.event, ip: l.ip, prefix: l.prefix, router: l.router });
    ctx.emit({ kind: 'changed', name: s.vplc, reason: 'dhcp-lease' });
    this.events.emit('update', update);
  }

  /** Whether this slot is still the one followed for its vNIC (stop() or a newer provision replaces it). */
  private current(s: Slot, gen: number): boolean {
    return !this.closed && gen === s.gen && this.slots.get(slotKey(s.vplc, s.vnic)) === s;
  }

  /** The client is not running: forget the lease and retry with the §5.13 backoff. */
  private async lost(s: Slot): Promise<void> {
    const gen = s.gen;
    await this.ctx.store.patchVnic(s.vplc, s.vnic, { dhcp_ip: undefined, dhcp_gateway: undefined }).catch(() => undefined);
    // A slot retired while the record was written (the vPLC stopped, or was started again with a new slot) stays
    // retired: scheduling a retry for it would start a second client next to the new slot's.
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
    // Dropped when the vPLC stopped or is gone, or the vNIC is gone or no longer DHCP.
    if (!v || !isDhcpMacvlan(v) || !info?.State.Running || this.ctx.store.getDesired(s.vplc)?.desired_state === 'stopped') {
      this.slots.delete(slotKey(s.vplc, s.vnic));
      return;
    }
    try {
      await this.startHelper(s, info.Id, v);
    } catch (err) {
      this.ctx.log.warn('DHCP helper retry failed', { vplc: s.vplc, vnic: s.vnic, err: dockerMessage(err) });
      await this.lost(s);
    }
  }
}
