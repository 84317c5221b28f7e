import type { VplcEvent } from '../context.js';

/** Changes after which a vPLC's runtime is gone or is another container: its debug sessions close (docs/debug.md "Sessions"). */
const CLOSING_REASONS: ReadonlySet<string> = new Set(['stopped', 'created', 'update-applied', 'update-rolled-back', 'plc-fault-restart']);

export function closesDebugSessions(e: VplcEvent): boolean {
  if (e.kind === 'removed') return true;
  return e.kind === 'changed' && CLOSING_REASONS.has(e.reason);
}

/**
 * Changes after which the runtime forgot what was forced (docs/debug.md "Forcing"): those that close the debug
 * sessions, and any start (a fresh runtime process).
 */
export function clearsForcedMarks(e: VplcEvent): boolean {
  if (closesDebugSessions(e)) return true;
  return e.kind === 'changed' && (e.reason === 'started' || e.reason.startsWith('auto-start:'));
}
