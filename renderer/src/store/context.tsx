import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
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
