import { useCallback, useEffect, useState } from 'react';
import type { Output } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { useApi } from '../../store/context';

export type RuntimeImageRow = Output<'images:list'>[number];

/** The runtime images on this PC, fetched on mount; `refresh` fetches again (after a load). */
export function useRuntimeImages(): { images?: RuntimeImageRow[]; error?: string; loading: boolean; refresh(): Promise<void> } {
  const api = useApi();
  const [state, setState] = useState<{ images?: RuntimeImageRow[]; error?: string; loading: boolean }>({ loading: true });
  const refresh = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }));
    const r = await api.call('images:list', {});
    setState((s) => (r.ok ? { images: r.value, loading: false } : { ...(s.images ? { images: s.images } : {}), error: errorText(r.error), loading: false }));
  }, [api]);
  useEffect(() => void refresh(), [refresh]);
  return { ...state, refresh };
}
