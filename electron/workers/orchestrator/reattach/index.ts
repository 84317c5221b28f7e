import type { OrchestratorContext } from '../context.js';
import { Reattacher } from './reattacher.js';

export { Reattacher, type ReattachEvent } from './reattacher.js';

/** The orchestrator's re-attacher: busy means an operation or work queued for the vPLC; DHCP helpers are replaced per vNIC. */
export function reattacherFor(ctx: OrchestratorContext): Reattacher {
  return new Reattacher({
    ctx,
    isBusy: (name) => ctx.ops.inProgress(name) !== null || ctx.exec.busy(name),
    runLocked: (name, fn) => ctx.exec.serial(name, fn),
    replaceDhcp: (vplc, id, vnics) => ctx.dhcp.provision(vplc, id, vnics),
  });
}

/** Agent shutdown: re-attachments in flight finish; DHCP helpers keep running but are no longer followed. */
export async function closeNetworking(ctx: OrchestratorContext, reattacher: Reattacher): Promise<void> {
  await reattacher.close();
  ctx.dhcp.close();
  ctx.wifiDhcp.close();
}
