import type { ReattachResult } from '../../../../shared/domain/operations.js';
import type { OrchestratorContext } from '../context.js';
import type { HelperResult } from '../docker/engine.js';
import { ownLabels } from '../docker/labels.js';
import { findConflicts } from '../create/address-check.js';
import { conflictMessage } from '../net/arp-probe.js';
import { afterJoin, type AfterJoinWork } from '../net/after-join.js';
import { recordMacOutcomes } from '../lifecycle/reprovision.js';
import type { MacTarget } from '../net/wire-mac.js';
import { checkAttached, unverifiedMessage, type Attach, type AttachCheck, type AttachFacts } from './verify.js';
import { measureMacs, type WireHelper } from './wire-helper.js';

export type ReattachEvent = {
  vplc: string;
  vnic: string;
  parent: string;
  network: string;
  result: ReattachResult;
  message: string;
  at: string;
};

export type FinishDeps = {
  ctx: OrchestratorContext;
  runLocked: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  replaceDhcp: (vplc: string, containerId: string, vnics: string[]) => Promise<string[]>;
  report: (e: Omit<ReattachEvent, 'at'>) => void;
  closed: () => boolean;
};

/** Where the vNICs of one vPLC were connected: the container, the new network and the parent it is on. */
type Place = { vplc: string; containerId: string; network: string; parent: string };

/** How long the after-join script may take on a MAC helper that is already running in the namespace. */
export const afterJoinOnHelperMs = (work: AfterJoinWork): number => 3_000 + 1_500 * work.announceIps.length;

export const leftOffMessage = (vnic: string, c: { ip: string; mac: string }, parent: string): string =>
  `vNIC '${vnic}' left off the LAN after its parent moved: ${conflictMessage(c, parent)}; retrying until the address is free`;

/**
 * What follows the connects of a running vPLC at re-attach (docs/protocol.md §8 "Verified before reported"): MACs set
 * and measured in its namespace, DHCP clients restarted, then per vNIC `reattached` only once verified; otherwise
 * `failed` with the reason (warning `reattach:<vnic>`) and retried with backoff on the retry board until verified.
 * A static vNIC whose address another device holds stays off the new network and is probed again with backoff.
 *
 * INVARIANTS
 * - Runs in the vPLC's executor queue (retries re-enter it through `runLocked`); nothing throws out of a retry.
 * - A failure is reported once per attempt chain; retries only update warnings until they succeed.
 */
export class Finisher {
  constructor(private readonly d: FinishDeps) {}

  async finish(at: Place, moved: readonly Attach[], helper: WireHelper | null, firstAttempt = true): Promise<void> {
    const { ctx } = this.d;
    let checks: AttachCheck[];
    let failed: Attach[];
    try {
      checks = checkAttached(moved, await this.measure(at, moved, helper));
      failed = moved.filter((m) => checks.some((c) => c.vnic === m.vnic && !c.verified));
      // Peers and switches learn the moved static addresses at once, but never from an interface with the wrong MAC.
      if (!failed.length) {
        // Connecting put Docker's default route back on a static vNIC without a gateway (docs/networking.md); the MAC
        // helper, still in the namespace, runs that script too (one container less per vPLC).
        await afterJoin(ctx, at.vplc, at.containerId, helper?.open ? (script, work) => this.afterJoinOn(helper, at, script, work) : undefined);
      }
    } finally {
      helper?.discard();
    }
    for (const c of checks) {
      const base = { vplc: at.vplc, vnic: c.vnic, parent: at.parent, network: at.network };
      if (c.verified) {
        ctx.warnings.clear(at.vplc, `reattach:${c.vnic}`);
        this.d.report({ ...base, result: 'reattached', message: `vNIC '${c.vnic}' re-attached to ${at.network}; MAC and address verified` });
        continue;
      }
      const message = unverifiedMessage(c.vnic, at.network, c.reason);
      ctx.warnings.set(at.vplc, `reattach:${c.vnic}`, message);
      if (firstAttempt) this.d.report({ ...base, result: 'failed', message });
    }
    const key = `reattach:${at.vplc}:${at.network}`;
    if (!failed.length) return ctx.retries.done(key);
    ctx.retries.later(key, () => this.d.runLocked(at.vplc, () => this.retry(key, at, failed)));
  }

  /** Connects a static vNIC left off by a conflict once its address is free (probed again with backoff). */
  async whenFree(vplc: string, vnic: string): Promise<void> {
    const { ctx } = this.d;
    const key = `arp:${vplc}:${vnic}`;
    if (this.d.closed()) return;
    const v = ctx.store.getVnics(vplc).find((x) => x.name === vnic);
    const info = await ctx.engine.resolveVplc(vplc, ctx.store.installationId);
    const network = v?.docker_network_name;
    // Stopped, edited, moved again or already back (a start's probe put it back): nothing left for this chain.
    if (!v?.ip || v.network_mode !== 'static' || !network || !info?.State.Running || info.NetworkSettings.Networks[network]) return ctx.retries.done(key);
    const held = (await findConflicts(ctx, vplc, [{ vnic, parent: v.parent_interface, ip: v.ip, ownMac: v.mac_address }])).get(vnic);
    if (held) {
      ctx.warnings.set(vplc, `arp:${vnic}`, leftOffMessage(vnic, held, v.parent_interface));
      return ctx.retries.later(key, () => this.d.runLocked(vplc, () => this.whenFree(vplc, vnic)));
    }
    ctx.retries.done(key);
    await ctx.exec.run({
      kind: 'connect',
      network,
      container: info.Id,
      endpoint: { MacAddress: v.mac_address, IPAMConfig: { IPv4Address: v.ip } },
      vplc,
      by: 'reattach',
      reason: `address ${v.ip} of vNIC '${vnic}' is free again`,
    });
    ctx.log.info('vNIC back on the LAN: its address is free again', { vplc, vnic, ip: v.ip });
    await this.finish({ vplc, containerId: info.Id, network, parent: v.parent_interface }, [{ vnic, action: 'attach', mac: v.mac_address, ip: v.ip, dhcp: false }], null);
  }

  private async retry(key: string, at: Place, failed: readonly Attach[]): Promise<void> {
    const { ctx } = this.d;
    if (this.d.closed()) return;
    const info = await ctx.engine.resolveVplc(at.vplc, ctx.store.installationId);
    const still = failed.filter((m) => ctx.store.getVnics(at.vplc).find((v) => v.name === m.vnic)?.docker_network_name === at.network);
    // Stopped or replaced (its start verifies MACs again), or moved on: this chain ends.
    if (info?.Id !== at.containerId || !info.State.Running || !info.NetworkSettings.Networks[at.network] || !still.length) {
      failed.forEach((m) => ctx.warnings.clear(at.vplc, `reattach:${m.vnic}`));
      return ctx.retries.done(key);
    }
    if (ctx.retries.attempt(key) > 0) ctx.log.info('re-attach: verifying again', { vplc: at.vplc, network: at.network, attempt: ctx.retries.attempt(key) });
    await this.finish(at, still, null, false);
  }

  /**
   * The after-join script on the MAC helper; if that one fails, once more with the engine's one-shot helper. The vPLC
   * stays locked meanwhile, so the wait on the MAC helper is bounded by what the script does (route removal and one
   * `arping -w 1` per address), not by the one-shot helper's 20 s.
   */
  private async afterJoinOn(helper: WireHelper, at: Place, script: string, work: AfterJoinWork): Promise<HelperResult> {
    const { ctx } = this.d;
    try {
      await ctx.fault('reattach-after-join-on-mac-helper', at.vplc);
      return await helper.run(script, { last: true, timeoutMs: afterJoinOnHelperMs(work) });
    } catch (err) {
      ctx.log.warn('re-attach: MAC helper could not run the after-join script; using a one-shot helper', { vplc: at.vplc, err: (err as Error).message });
      return ctx.engine.runInNetns(at.containerId, await ctx.helper.image(), script, ownLabels(ctx.store.installationId, 'helper', { vplc: at.vplc }));
    }
  }

  /** The wire in the vPLC's namespace (MACs set where the engine ignored them), then DHCP clients for vNICs with their MAC. */
  private async measure(at: Place, moved: readonly Attach[], helper: WireHelper | null): Promise<AttachFacts> {
    const { ctx } = this.d;
    const fresh = await ctx.engine.inspectContainer(at.containerId);
    const ep = fresh?.NetworkSettings.Networks[at.network];
    const targets: MacTarget[] = moved.map((m) => ({
      vnic: m.vnic,
      requested: m.mac,
      dockerMac: ep?.MacAddress?.toLowerCase() || undefined,
      dockerIp: ep?.IPAddress || undefined,
      flush: m.dhcp,
    }));
    let wire: AttachFacts['wire'];
    try {
      wire = await measureMacs(ctx, at.vplc, at.containerId, targets, helper);
      await recordMacOutcomes(ctx, at.vplc, wire);
      ctx.warnings.clear(at.vplc, 'mac:helper');
    } catch (err) {
      wire = { error: (err as Error).message };
      ctx.warnings.set(at.vplc, 'mac:helper', `MACs could not be verified on the wire: ${wire.error}; retrying`);
      ctx.log.warn('re-attach: MACs not verified on the wire; retrying', { vplc: at.vplc, err: wire.error });
    }
    // A lease asked for under the wrong MAC would land on the wrong reservation: the client waits for the MAC.
    const outcomes = 'error' in wire ? [] : wire;
    const dhcp = moved.filter((m) => m.dhcp && outcomes.some((o) => o.vnic === m.vnic && o.honoured)).map((m) => m.vnic);
    if (!dhcp.length) return { wire, dhcpWarnings: [] };
    ctx.warnings.clearPrefix(at.vplc, 'dhcp:');
    const dhcpWarnings = await this.d.replaceDhcp(at.vplc, at.containerId, dhcp).catch((err: unknown) => [`DHCP could not be started: ${(err as Error).message}`]);
    dhcpWarnings.forEach((w, i) => ctx.warnings.set(at.vplc, `dhcp:${i}`, w));
    return { wire, dhcpWarnings };
  }
}
