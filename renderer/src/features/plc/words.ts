import type { PlcConnection, PlcStatusWord } from '../../../../shared/domain/plc';
import type { Point } from '../../components/Chart';

type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'busy';

/**
 * What a PLC badge says, in words (readable without its colour): the runtime's own state once the agent is connected,
 * otherwise why the agent does not know it.
 */
export function plcBadge(connection: PlcConnection, status: PlcStatusWord | null, faultSince: string | null = null): { text: string; tone: Tone } {
  if (connection === 'not_connected') return { text: 'not connected', tone: 'idle' };
  if (connection === 'auth_failed') return { text: 'login refused', tone: 'bad' };
  if (connection === 'connecting') return { text: 'connecting', tone: 'busy' };
  if (connection === 'unreachable') return { text: 'no answer', tone: 'warn' };
  if (connection === 'error') return { text: 'unreadable answer', tone: 'warn' };
  if (status === 'ERROR' || faultSince) return { text: 'PLC fault', tone: 'bad' };
  switch (status) {
    case 'RUNNING':
      return { text: 'RUNNING', tone: 'ok' };
    case 'STOPPED':
      return { text: 'STOPPED', tone: 'warn' };
    case 'EMPTY':
      return { text: 'no program', tone: 'warn' };
    case 'INIT':
    case 'TRANSITIONING':
      return { text: status, tone: 'busy' };
    default:
      return { text: 'unknown', tone: 'idle' };
  }
}

/** The connection in words, with the agent's reason when it failed. */
export function connectionText(connection: PlcConnection, error: string | null): string {
  const base: Record<PlcConnection, string> = {
    not_connected: 'not connected: no credentials given',
    connecting: 'connecting…',
    connected: 'connected',
    auth_failed: 'the runtime refused the stored credentials: give new ones',
    unreachable: 'the runtime does not answer',
    error: 'the runtime answered something the agent cannot read',
  };
  return error && connection !== 'connected' && connection !== 'not_connected' ? `${base[connection]} (${error})` : base[connection];
}

/** A duration the runtime gives in microseconds: µs below a millisecond, ms above, with its unit. */
export function formatMicros(us: number): string {
  if (us < 1_000) return `${us < 10 ? us.toFixed(1) : Math.round(us)} µs`;
  const ms = us / 1_000;
  return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** A chart series in µs or, when its largest value reaches a millisecond, in ms (so the axis reads naturally). */
export function microsSeries(points: Point[]): { points: Point[]; unit: 'µs' | 'ms' } {
  const max = Math.max(0, ...points.map((p) => p.v));
  return max >= 1_000 ? { points: points.map((p) => ({ t: p.t, v: p.v / 1_000 })), unit: 'ms' } : { points, unit: 'µs' };
}
