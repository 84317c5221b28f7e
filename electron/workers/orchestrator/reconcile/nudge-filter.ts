import type { VplcEvent } from '../context.js';

/**
 * vPLC events that can leave the reconcile loop work its plan would see (reconcile/plan.ts's inputs): the desired
 * record changed (an edit, a runtime update found, applied or rolled back), an operation that held the vPLC ended
 * (`busy` turns false; a failed create or delete may leave a tombstone or no container), or the PLC state changed
 * (a held change's window may have opened). Container changes arrive as Docker events (reconcile/drift-events.ts), so
 * create progress, DHCP leases, vNIC re-attachments, forces and host NIC moves nudge nothing.
 */
const NUDGING: ReadonlySet<string> = new Set([
  'edited',
  'update-pending',
  'update-applied',
  'update-rolled-back',
  'created',
  'create-failed',
  'delete-failed',
  'started',
  'stopped',
  'plc-fault-restart',
  'plc-state',
]);

export function nudgesReconcile(e: VplcEvent): boolean {
  return e.kind === 'changed' && (NUDGING.has(e.reason) || e.reason.startsWith('auto-start:'));
}
