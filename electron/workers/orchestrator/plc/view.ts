import type { PlcConnection, PlcStatusWord, PlcTaskView } from '../../../../shared/domain/plc.js';
import type { RuntimeTaskStats } from './types.js';
import { PlcSessionError } from './types.js';

/** false for EMPTY (no program), true for RUNNING/STOPPED (a program is there), null when the word does not tell. */
export function programLoaded(status: PlcStatusWord | null): boolean | null {
  if (status === 'EMPTY') return false;
  if (status === 'RUNNING' || status === 'STOPPED') return true;
  return null;
}

// The runtime's figures are doubles that can come out slightly negative (clock adjustments); the view's are not.
const nonNeg = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);
const count = (v: number): number => Math.trunc(nonNeg(v));

/** One task as the runtime reports it (µs), as the view shows it (µs). */
export function taskView(t: RuntimeTaskStats): PlcTaskView {
  return {
    name: t.name,
    scan_time: { min: nonNeg(t.scan_time_min), avg: nonNeg(t.scan_time_avg), max: nonNeg(t.scan_time_max) },
    cycle_time: { min: nonNeg(t.cycle_time_min), avg: nonNeg(t.cycle_time_avg), max: nonNeg(t.cycle_time_max) },
    cycle_latency: { min: nonNeg(t.cycle_latency_min), avg: nonNeg(t.cycle_latency_avg), max: nonNeg(t.cycle_latency_max) },
    overruns: count(t.overruns),
    scan_count: count(t.scan_count),
  };
}

/** What a failed poll says about the session: the kind of a PlcSessionError, `error` for anything else. */
export function connectionOf(err: unknown): PlcConnection {
  if (!(err instanceof PlcSessionError)) return 'error';
  switch (err.kind) {
    case 'no_credentials':
      return 'not_connected';
    case 'auth_failed':
      return 'auth_failed';
    case 'unreachable':
      return 'unreachable';
    default:
      return 'error';
  }
}

/** The failure in words; a session error's message never holds a secret, anything else is named by its type only. */
export function errorText(err: unknown): string {
  if (err instanceof PlcSessionError) return err.message;
  return err instanceof Error ? `unexpected failure (${err.name})` : 'unexpected failure';
}
