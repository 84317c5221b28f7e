import { useEffect, useState } from 'react';
import type { Point } from '../../components/Chart';
import { useApi } from '../../store/context';

/** A vPLC's CPU (%) and memory (MiB) history from the agent, refreshed every `everyMs`. */
export function useVplcMetrics(name: string, seconds: number, everyMs: number): { cpu: Point[]; memory: Point[]; error?: string } {
  const api = useApi();
  const [state, setState] = useState<{ cpu: Point[]; memory: Point[]; error?: string }>({ cpu: [], memory: [] });
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void api.call('metrics:history', { target: name, seconds }).then((r) => {
        if (!live) return;
        if (!r.ok) return setState((s) => ({ ...s, error: r.error.message }));
        setState({
          cpu: r.value.cpu.flatMap((p) => (p.cpu === undefined ? [] : [{ t: p.timestamp, v: p.cpu }])),
          memory: r.value.memory.flatMap((p) => (p.memory === undefined ? [] : [{ t: p.timestamp, v: p.memory }])),
        });
      });
    load();
    const t = setInterval(load, everyMs);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, name, seconds, everyMs]);
  return state;
}
