import { createContext, useContext, useLayoutEffect, useRef, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { EventName, EventPayload } from '../../../shared/api/contract';
import type { Api } from '../api/client';
import type { AppState } from './app';

type Ctx = { api: Api; store: StoreApi<AppState> };
const AppContext = createContext<Ctx | null>(null);

export function AppProvider({ api, store, children }: Ctx & { children: ReactNode }) {
  return <AppContext.Provider value={{ api, store }}>{children}</AppContext.Provider>;
}

function useCtx(): Ctx {
  const c = useContext(AppContext);
  if (!c) throw new Error('AppProvider is missing');
  return c;
}

export const useApi = (): Api => useCtx().api;
export function useApp<T>(select: (s: AppState) => T): T {
  return useStore(useCtx().store, select);
}

/**
 * Listens to an agent event while the component is mounted. The listener is added in the commit (a layout effect): in
 * a passive effect, which runs after the paint, an event that came between the paint and the effect was lost. The
 * newest listener is the one called, so it sees the state as last rendered without subscribing again.
 */
export function useApiEvent<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): void {
  const api = useApi();
  const latest = useRef(listener);
  useLayoutEffect(() => {
    latest.current = listener;
  });
  useLayoutEffect(() => api.on(name, (payload) => latest.current(payload)), [api, name]);
}
