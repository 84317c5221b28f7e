import type { OrchestratorContext } from '../context.js';

/** Host-level health warnings, each with its fix (shown in status, tray and UI). */
export async function hostWarnings(ctx: OrchestratorContext): Promise<string[]> {
  const info = await ctx.engine.describe();
  const out: string[] = [];
  if (!info.liveRestore) {
    out.push('Docker live-restore is off: restarting or upgrading Docker stops every vPLC. Set "live-restore": true in /etc/docker/daemon.json and reload dockerd (systemctl reload docker).');
  }
  if (ctx.hostFacts.rtLimitsRefused) out.push('real-time limits unavailable on this host: the engine refuses rtprio/memlock ulimits, vPLCs run without them');
  for (const p of ctx.store.problems) out.push(`${p.file} was corrupt (${p.reason}) and was moved to ${p.movedTo}`);
  return out;
}
