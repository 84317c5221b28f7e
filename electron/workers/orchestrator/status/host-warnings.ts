import type { OrchestratorContext } from '../context.js';
import { liveRestoreFix } from '../docker/live-restore.js';

export const LIVE_RESTORE_WARNING = 'Docker live-restore is off: restarting or upgrading Docker stops every vPLC.';

/** Host-level health warnings, each with its fix (shown in status, tray and UI). */
export async function hostWarnings(ctx: OrchestratorContext): Promise<string[]> {
  const info = await ctx.engine.describe({ maxAgeMs: 30_000 });
  const out: string[] = [];
  if (!info.liveRestore) out.push(`${LIVE_RESTORE_WARNING} ${liveRestoreFix(ctx.settings.dockerDaemonConfig)}`);
  if (ctx.hostFacts.rtLimitsRefused) out.push('real-time limits unavailable on this host: the engine refuses rtprio/memlock ulimits, vPLCs run without them');
  // Built once and cached; a failure is retried at the next look, so the warning goes once the cause is fixed.
  const helper = await ctx.helper.image().then(() => null, (err: unknown) => (err as Error).message);
  if (helper) out.push(`namespace helper image unavailable (${helper}): requested MACs cannot be verified and DHCP vNICs cannot get a lease`);
  for (const p of ctx.store.problems) out.push(`${p.file} was corrupt (${p.reason}) and was moved to ${p.movedTo}`);
  return out;
}
