import { useMemo } from 'react';
import type { Point } from '../../components/Chart';
import { usePolledCall } from '../usePolledCall';

/** A vPLC's CPU (%) and memory (MiB) history from the agent, refreshed every `everyMs`. */
export function useVplcMetrics(name: string, seconds: number, everyMs: number): { cpu: Point[]; memory: Point[]; error?: string } {
  const { value, error } = usePolledCall('metrics:history', { target: name, seconds }, everyMs);
  const series = useMemo(
    () => ({
      cpu: value?.cpu.flatMap((p) => (p.cpu === undefined ? [] : [{ t: p.timestamp, v: p.cpu }])) ?? [],
      memory: value?.memory.flatMap((p) => (p.memory === undefined ? [] : [{ t: p.timestamp, v: p.memory }])) ?? [],
    }),
    [value],
  );
  return error === undefined ? series : { ...series, error };
}
