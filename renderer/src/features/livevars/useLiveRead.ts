import { useEffect, useRef, useState } from 'react';
import type { LiveRead } from '../../../../shared/debug/live';
import { errorText } from '../../api/client';
import { useApi } from '../../store/context';

export type LiveState = { read?: LiveRead; error?: string };

const failure = (err: unknown): string => `the live read failed: ${err instanceof Error ? err.message : String(err)}`;

/**
 * Reads `paths` of vPLC `name` every 1/hz s while mounted, not paused and given paths: the next read is scheduled when
 * the last one settled, so a slow runtime is never asked twice at once. Nothing is asked otherwise (docs/debug.md
 * "Live variables"): the agent closes its runtime session once reads stop.
 */
export function useLiveRead(name: string, paths: readonly string[] | null, hz: number, paused: boolean): LiveState {
  const api = useApi();
  const [state, setState] = useState<LiveState>({});
  // The read still unanswered, across changes of paths, rate or pause: a new read starts only once it has settled.
  const inFlight = useRef<Promise<void> | null>(null);
  const key = paths ? JSON.stringify(paths) : null;
  useEffect(() => {
    if (paused || key === null) return;
    const wanted = JSON.parse(key) as string[];
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      if (!live) return;
      const run: Promise<void> = api
        .call('plc:live-read', { name, paths: wanted })
        .then(
          (r) => {
            // A failed read drops the last values: they are no longer live, and may not fit the names any more.
            if (live) setState(r.ok ? { read: r.value } : { error: errorText(r.error) });
          },
          (err: unknown) => {
            if (live) setState({ error: failure(err) });
          },
        )
        .then(() => {
          if (inFlight.current === run) inFlight.current = null;
          if (live) timer = setTimeout(load, 1_000 / hz);
        });
      inFlight.current = run;
    };
    const outstanding = inFlight.current;
    if (outstanding) void outstanding.then(load);
    else load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, name, key, hz, paused]);
  return state;
}
