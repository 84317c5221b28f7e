import type { OrchestratorContext } from '../context.js';
import { OperationError } from '../docker/errors.js';
import { ownLabels } from '../docker/labels.js';
import { announceAddressesScript, conflictMessage, probeAddress } from '../net/arp-probe.js';
import type { ResolvedVnic } from './validate.js';

/**
 * The ARP probe of every static vNIC of a create, run while the image and the networks are prepared (docs/decisions.md
 * "ARP probe"). Resolves when no other device answers; rejects with the field, the address and the MAC that holds it.
 * An answer from the vNIC's own MAC (a recreate whose old container still runs) is not a conflict. A probe that cannot
 * run does not block the create: the vPLC carries a warning instead.
 */
export async function checkStaticAddresses(ctx: OrchestratorContext, name: string, vnics: readonly ResolvedVnic[]): Promise<void> {
  const windowMs = ctx.settings.arpProbeMs;
  const statics = vnics.map((v, i) => ({ v, i })).filter(({ v }) => v.mode === 'static' && v.ip);
  ctx.warnings.clearPrefix(name, 'arp:');
  if (windowMs <= 0 || statics.length === 0) return;
  const image = await ctx.helper.image().catch((err: unknown) => err as Error);
  if (image instanceof Error) {
    ctx.warnings.set(name, 'arp:helper', `IP conflicts were not checked: ${image.message}`);
    return;
  }
  const labels = ownLabels(ctx.store.installationId, 'helper', { vplc: name });
  const outcomes = await Promise.all(
    statics.map(async ({ v, i }) => ({ v, i, r: await probeAddress((s) => ctx.engine.runOnHost(image, s, labels, ['NET_RAW']), v.parentInterface, v.ip as string, windowMs) })),
  );
  for (const { v, i, r } of outcomes) {
    if (r.kind === 'conflict' && r.mac !== v.requestedMac.toLowerCase()) {
      ctx.log.warn('IP conflict: create refused', { vplc: name, vnic: v.name, ip: r.ip, heldBy: r.mac });
      throw new OperationError(`vnics[${i}].ip: ${conflictMessage(r, v.parentInterface)}`, 'validating_config');
    }
    if (r.kind === 'error') {
      ctx.log.warn('IP conflict check could not run', { vplc: name, vnic: v.name, reason: r.reason });
      ctx.warnings.set(name, `arp:${v.name}`, `IP conflict check of vNIC '${v.name}' could not run: ${r.reason}`);
    }
  }
}

/** After a static vNIC joined the LAN: one unsolicited ARP per address, from inside the vPLC, so peers learn it at once. */
export async function announceStaticAddresses(ctx: OrchestratorContext, name: string, containerId: string): Promise<void> {
  const ips = ctx.store.getVnics(name).flatMap((v) => (v.network_mode === 'static' && v.ip ? [v.ip] : []));
  if (ips.length === 0) return;
  const r = await ctx.engine.runInNetns(containerId, await ctx.helper.image(), announceAddressesScript(ips), ownLabels(ctx.store.installationId, 'helper', { vplc: name }));
  if (!r.stdout.includes('announced')) ctx.log.warn('gratuitous ARP not sent', { vplc: name, out: (r.stdout + r.stderr).trim().slice(0, 300) });
}
