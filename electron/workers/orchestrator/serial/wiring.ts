import type { ChangeReason } from '../../../../shared/domain/operations.js';
import type { OrchestratorContext, VplcEvent } from '../context.js';

/**
 * Changes after which a vPLC's serial nodes are checked again (starts do it in their re-provisioning): its creation or
 * recreation, a stop, an edit of its spec.
 */
const SERIAL_RESYNC_REASONS: ReadonlySet<ChangeReason> = new Set<ChangeReason>(['created', 'stopped', 'edited', 'update-applied', 'update-rolled-back']);

/**
 * Connects the serial port tracker to the orchestrator (docs/serial.md "Device nodes"): plugs, the vPLC changes above,
 * deletes, the stored file of port states, and one check of every vPLC at agent start. Returns the unsubscribe.
 */
export function wireSerialPorts(ctx: OrchestratorContext, onEvent: (cb: (e: VplcEvent) => void) => () => void, track: (p: Promise<unknown>) => void): () => void {
  const unfollow = ctx.serialPorts.follow();
  // data/serial_configs.json carries each port's last state, as the reference's file does (docs/serial.md "Stored files").
  const unrecord = ctx.serialPorts.onChange((c) => track(ctx.serialConfigs.recordState(c.vplc, c.ports)));
  const unlisten = onEvent((e) => {
    if (e.kind === 'removed') ctx.serialPorts.forget(e.name);
    else if (e.kind === 'changed' && e.reason && SERIAL_RESYNC_REASONS.has(e.reason)) track(ctx.serialPorts.resync(e.name, e.reason));
  });
  // Agent start: the nodes of running vPLCs are checked without waiting for a plug or a start.
  track(ctx.serialPorts.resyncAll('agent start'));
  return () => {
    unfollow();
    unrecord();
    unlisten();
  };
}
