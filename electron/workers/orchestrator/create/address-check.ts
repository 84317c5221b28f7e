import type { OrchestratorContext } from '../context.js';
import { OperationError } from '../docker/errors.js';
import { ownLabels } from '../docker/labels.js';
import type { StepActor } from '../exec/steps.js';
import { conflictMessage, probeAddress, type ProbeOutcome } from '../net/arp-probe.js';
import type { PersistedVnic } from '../store/schemas.js';
import type { ResolvedVnic } from './validate.js';

/** A static vNIC as the probe needs it: where it joins, the address it takes, the MAC it answers with itself. */
export type ProbeTarget = { vnic: string; parent: string; ip: string; ownMac: string };

/** One round of probes made ahead of several starts (lifecycle/start-probes.ts): outcomes by vPLC and vNIC. */
export type ProbedAddresses = { at: number; byVplc: ReadonlyMap<string, ReadonlyMap<string, ProbeOutcome>> };

/**
 * How long an earlier probe stands in for the probe of a start: a round of automatic starts follows its probe within
 * seconds; a start that comes later (one that waited for its dependencies) probes again, since a device may have
 * taken the address meanwhile.
 */
export const PROBE_REUSE_MS = 30_000;

/** The vNICs a start probes: static MACVLAN vNICs with an address and a network. */
export function staticProbeVnics(ctx: Pick<OrchestratorContext, 'store'>, name: string): PersistedVnic[] {
  return ctx.store.getVnics(name).filter((v) => v.network_mode === 'static' && v.ip && v.docker_network_name && v._network_method === 'macvlan');
}

/**
 * The ARP probe of static vNICs before they join the LAN (docs/decisions.md "ARP probe"), all at once. An answer from
 * the vNIC's own MAC (its old container still running) is not a conflict. Null when the probe is off or no helper
 * image exists (then the warning says the addresses were not checked).
 */
async function probeTargets(ctx: OrchestratorContext, name: string, targets: readonly ProbeTarget[], clearAll = true): Promise<Map<string, ProbeOutcome> | null> {
  const windowMs = ctx.settings.arpProbeMs;
  if (clearAll) ctx.warnings.clearPrefix(name, 'arp:');
  else for (const key of ['arp:helper', ...targets.map((t) => `arp:${t.vnic}`)]) ctx.warnings.clear(name, key);
  if (windowMs <= 0 || targets.length === 0) return null;
  const image = await ctx.helper.image().catch((err: unknown) => err as Error);
  if (image instanceof Error) {
    ctx.warnings.set(name, 'arp:helper', `IP conflicts were not checked: ${image.message}`);
    return null;
  }
  const labels = ownLabels(ctx.store.installationId, 'helper', { vplc: name });
  const outcomes = await Promise.all(
    targets.map(async (t) => {
      const r = await probeAddress((s) => ctx.engine.runOnHost(image, s, labels, ['NET_RAW']), t.parent, t.ip, windowMs);
      return [t.vnic, r.kind === 'conflict' && r.mac === t.ownMac.toLowerCase() ? ({ kind: 'free' } as const) : r] as const;
    }),
  );
  return warnProbeErrors(ctx, name, new Map(outcomes));
}

function warnProbeErrors(ctx: OrchestratorContext, name: string, outcomes: Map<string, ProbeOutcome>): Map<string, ProbeOutcome> {
  for (const [vnic, r] of outcomes) {
    if (r.kind !== 'error') continue;
    ctx.log.warn('IP conflict check could not run', { vplc: name, vnic, reason: r.reason });
    ctx.warnings.set(name, `arp:${vnic}`, `IP conflict check of vNIC '${vnic}' could not run: ${r.reason}`);
  }
  return outcomes;
}

/** The outcomes an earlier round holds for every one of these vNICs, while it is recent enough; else null. */
function earlierOutcomes(ctx: OrchestratorContext, name: string, vnics: readonly PersistedVnic[], probed: ProbedAddresses | undefined): Map<string, ProbeOutcome> | null {
  if (!probed || ctx.settings.arpProbeMs <= 0 || ctx.clock.monotonic() - probed.at > PROBE_REUSE_MS) return null;
  const mine = probed.byVplc.get(name);
  const out = new Map<string, ProbeOutcome>();
  for (const v of vnics) {
    const r = mine?.get(v.name);
    if (!r) return null;
    out.set(v.name, r);
  }
  ctx.warnings.clearPrefix(name, 'arp:');
  return warnProbeErrors(ctx, name, out);
}

/**
 * At create, while the image, the networks and the container are prepared: resolves when no other device holds a
 * static address; rejects with the field, the address and the MAC that holds it (the create is refused).
 */
export async function checkStaticAddresses(ctx: OrchestratorContext, name: string, vnics: readonly ResolvedVnic[]): Promise<void> {
  const targets = vnics.flatMap((v) => (v.mode === 'static' && v.ip ? [{ vnic: v.name, parent: v.parentInterface, ip: v.ip, ownMac: v.requestedMac }] : []));
  const outcomes = await probeTargets(ctx, name, targets);
  for (const [i, v] of vnics.entries()) {
    const r = outcomes?.get(v.name);
    if (r?.kind !== 'conflict') continue;
    ctx.log.warn('IP conflict: create refused', { vplc: name, vnic: v.name, ip: r.ip, heldBy: r.mac });
    throw new OperationError(`vnics[${i}].ip: ${conflictMessage(r, v.parentInterface)}`, 'validating_config');
  }
}

/**
 * Before a start: a static vNIC whose address another device now holds stays off the LAN (its endpoint disconnected,
 * in error with the reason), the rest of the vPLC starts; one left off earlier whose address is free again goes back.
 * Runs in the vPLC's executor queue, on a stopped container.
 */
export async function gateStaticAddresses(ctx: OrchestratorContext, name: string, containerId: string, attached: ReadonlySet<string>, by: StepActor, probed?: ProbedAddresses): Promise<void> {
  const vnics = staticProbeVnics(ctx, name);
  const targets = vnics.map((v) => ({ vnic: v.name, parent: v.parent_interface, ip: v.ip as string, ownMac: v.mac_address }));
  const outcomes = earlierOutcomes(ctx, name, vnics, probed) ?? (await probeTargets(ctx, name, targets));
  if (!outcomes) return;
  for (const v of vnics) {
    const r = outcomes.get(v.name);
    const network = v.docker_network_name as string;
    const about = { vplc: name, by, reason: `IP conflict check of vNIC '${v.name}'` };
    if (r?.kind === 'conflict') {
      if (attached.has(network)) await ctx.exec.run({ kind: 'disconnect', network, container: containerId, ...about, tolerate: ['not-found'] });
      const text = `vNIC '${v.name}' left off the LAN: ${conflictMessage(r, v.parent_interface)}; then start the vPLC again`;
      ctx.warnings.set(name, `arp:${v.name}`, text);
      ctx.log.warn('IP conflict: vNIC left detached at start', { vplc: name, vnic: v.name, ip: r.ip, heldBy: r.mac });
      ctx.emit({ kind: 'changed', name, reason: 'vnic-detached' });
    } else if (r?.kind === 'free' && !attached.has(network)) {
      await ctx.exec.run({ kind: 'connect', network, container: containerId, endpoint: { MacAddress: v.mac_address, IPAMConfig: { IPv4Address: v.ip } }, ...about });
      ctx.log.info('vNIC back on the LAN: its address is free again', { vplc: name, vnic: v.name, ip: v.ip });
      ctx.emit({ kind: 'changed', name, reason: 'vnic-reattached' });
    }
  }
}

/**
 * At re-attach, before moved static vNICs join the new network: the addresses another device holds, by vNIC. Only
 * these vNICs' probe warnings are replaced (others of the vPLC may be on other parents). Empty when the probe is off.
 */
export async function findConflicts(ctx: OrchestratorContext, name: string, targets: readonly ProbeTarget[]): Promise<Map<string, { ip: string; mac: string }>> {
  const outcomes = await probeTargets(ctx, name, targets, false);
  const out = new Map<string, { ip: string; mac: string }>();
  for (const [vnic, r] of outcomes ?? []) if (r.kind === 'conflict') out.set(vnic, { ip: r.ip, mac: r.mac });
  return out;
}

