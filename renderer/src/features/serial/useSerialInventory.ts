import { useCallback, useEffect, useRef, useState } from 'react';
import type { SerialInventory } from '../../../../shared/domain/serial';
import { errorText } from '../../api/client';
import { useApi } from '../../store/context';

export type SerialInventoryState = { inventory?: SerialInventory; error?: string; reload(): void };

/** The host's serial devices: fetched once, then replaced by each `serial:changed` event (plug, unplug) without a reload. */
export function useSerialInventory(): SerialInventoryState {
  const api = useApi();
  const [state, setState] = useState<{ inventory?: SerialInventory; error?: string }>({});
  // An answer to a fetch that started before the latest event is older than that event's lists: it is dropped.
  const events = useRef(0);
  const reload = useCallback(() => {
    const seen = events.current;
    void api.call('serial:devices', {}).then((r) => {
      if (events.current !== seen) return;
      setState((s) => (r.ok ? { inventory: r.value } : { ...s, error: errorText(r.error) }));
    });
  }, [api]);
  useEffect(() => {
    const off = api.on('serial:changed', (c) => {
      events.current++;
      setState({ inventory: { devices: c.devices, ports: c.ports } });
    });
    reload();
    return off;
  }, [api, reload]);
  return { ...state, reload };
}
