import type { OrchestratorContext } from '../context.js';
import { staticProbeVnics, type ProbedAddresses } from '../create/address-check.js';
import { ownLabels } from '../docker/labels.js';
import type { ProbeOutcome } from '../net/arp-probe.js';
import { parseProbeAll, probeAllScript } from '../reattach/probe-all.js';

type Target = { vplc: string; vnic: string; ip: string; ownMac: string };

/**
 * The ARP probes of a round of automatic starts (boot sync, the engine's return) in one host helper per parent
 * interface, before the first start (docs/decisions.md "ARP probe"). Probed one vPLC at a time, each start waited for
 * a helper container of its own, and on a 2-core host 8 such helpers at once took 3-4 s before any vPLC could start.
 * Only parents present now are probed: a vPLC whose parent is still missing probes at its own start. Null when the
 * probe is off, nothing is to be probed or no helper image exists (each start then probes, and warns, on its own).
 * Never rejects: a helper that fails gives every address on its parent an `error` outcome.
 */
export async function probeBeforeStarts(ctx: OrchestratorContext, names: readonly string[]): Promise<ProbedAddresses | null> {
  const windowMs = ctx.settings.arpProbeMs;
  if (windowMs <= 0) return null;
  const present = new Set((await ctx.interfaces.list().catch(() => [])).map((i) => i.name));
  const byParent = new Map<string, Target[]>();
  for (const vplc of names) {
    for (const v of staticProbeVnics(ctx, vplc)) {
      if (!present.has(v.parent_interface)) continue;
      const list = byParent.get(v.parent_interface) ?? [];
      list.push({ vplc, vnic: v.name, ip: v.ip as string, ownMac: v.mac_address });
      byParent.set(v.parent_interface, list);
    }
  }
  if (byParent.size === 0) return null;
  const image = await ctx.helper.image().catch(() => null);
  if (!image) return null;
  const byVplc = new Map<string, Map<string, ProbeOutcome>>();
  await Promise.all(
    [...byParent].map(async ([parent, targets]) => {
      const ips = targets.map((t) => t.ip);
      const labels = ownLabels(ctx.store.installationId, 'helper', { parent });
      const outcomes = await ctx.engine.runOnHost(image, probeAllScript(parent, ips, windowMs), labels, ['NET_RAW']).then(
        (r) => parseProbeAll(ips, r),
        (err: unknown) => ips.map((ip): ProbeOutcome => ({ kind: 'error', reason: `ARP probe for ${ip} could not run: ${(err as Error).message}` })),
      );
      for (const [i, t] of targets.entries()) {
        const r = outcomes[i] ?? { kind: 'error', reason: 'no outcome' };
        // Its own MAC answering (an old container of it still on the LAN) is not a conflict.
        const outcome: ProbeOutcome = r.kind === 'conflict' && r.mac === t.ownMac.toLowerCase() ? { kind: 'free' } : r;
        const mine = byVplc.get(t.vplc) ?? new Map<string, ProbeOutcome>();
        mine.set(t.vnic, outcome);
        byVplc.set(t.vplc, mine);
      }
    }),
  );
  return { at: ctx.clock.monotonic(), byVplc };
}
