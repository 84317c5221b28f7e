import { useEffect, useState } from 'react';
import type { InvokeChannel, Output } from '../../../shared/api/contract';
import type { CallInput } from '../api/client';
import { useApi } from '../store/context';

export type Polled<T> = { value?: T; error?: string };

/**
 * Calls `channel` now and every `everyMs` while mounted (and again when the input changes). An answer replaces the
 * value; a refusal keeps the last value and sets `error` to the agent's message.
 */
export function usePolledCall<C extends InvokeChannel>(channel: C, input: CallInput<C>, everyMs: number): Polled<Output<C>> {
  const api = useApi();
  const [state, setState] = useState<Polled<Output<C>>>({});
  // The input by value: callers build a new object on every render.
  const key = JSON.stringify(input);
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void api.call(channel, JSON.parse(key) as CallInput<C>).then((r) => {
        if (!live) return;
        setState(r.ok ? { value: r.value } : (s) => ({ ...s, error: r.error.message }));
      });
    load();
    const t = setInterval(load, everyMs);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, channel, key, everyMs]);
  return state;
}
