/**
 * The usage period grammar of docs/protocol.md §4.8, shared by `cpuPeriod` and `memoryPeriod`:
 *   "<start>,<end>"  unix seconds, inclusive
 *   "<n>h" / "<n>m" / "<n>d"  the last n hours / minutes / days, ending now
 *   "<n>"  the last n seconds
 *   anything else  the last 3600 s, with a warning for the log
 * n is a non-negative integer. An absent period (undefined / null) means "1h" (IMPROVE), without a warning.
 */

export const DEFAULT_PERIOD = '1h';
export const FALLBACK_SECONDS = 3600;

export interface PeriodRange {
  /** Inclusive, unix seconds. */
  start: number;
  /** Inclusive, unix seconds. */
  end: number;
  /** Set when the text did not match the grammar and the 3600 s fallback was used. */
  warning?: string;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { h: 3600, m: 60, d: 86_400, '': 1 };

const RANGE_RE = /^\s*(\d+)\s*,\s*(\d+)\s*$/;
const RELATIVE_RE = /^\s*(\d+)\s*([hmd]?)\s*$/;

function lastSeconds(seconds: number, now: number): { start: number; end: number } {
  return { start: Math.max(0, now - seconds), end: now };
}

export function parsePeriod(text: string | undefined | null, nowSec: number): PeriodRange {
  const now = Math.trunc(nowSec);
  const value = text ?? DEFAULT_PERIOD;
  const range = RANGE_RE.exec(value);
  if (range?.[1] !== undefined && range[2] !== undefined) {
    return { start: Number(range[1]), end: Number(range[2]) };
  }
  const rel = RELATIVE_RE.exec(value);
  if (rel?.[1] !== undefined) {
    const n = Number(rel[1]);
    const unit = UNIT_SECONDS[rel[2] ?? ''] ?? 1;
    return lastSeconds(n * unit, now);
  }
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return { ...lastSeconds(FALLBACK_SECONDS, now), warning: `Unrecognised period ${JSON.stringify(shown)}; using the last ${FALLBACK_SECONDS} s` };
}
