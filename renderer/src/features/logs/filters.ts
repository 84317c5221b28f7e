import { useStore } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

type LogFilters = { level: Level; search: string; setLevel(level: Level): void; setSearch(search: string): void };

/**
 * The Logs page's filters, kept outside the page so leaving and coming back (or reloading the tab) keeps them.
 * sessionStorage: per tab, gone with it; a stored value that is not a level falls back to the default.
 */
export const logFilters = createStore<LogFilters>()(
  persist(
    (set) => ({
      level: 'info',
      search: '',
      setLevel: (level) => set({ level }),
      setSearch: (search) => set({ search }),
    }),
    {
      name: 'vplc.logs.filters',
      storage: createJSONStorage(() => sessionStorage),
      partialize: (s) => ({ level: s.level, search: s.search }),
      merge: (stored, current) => {
        const s = (stored ?? {}) as { level?: unknown; search?: unknown };
        return {
          ...current,
          ...(LEVELS.includes(s.level as Level) ? { level: s.level as Level } : {}),
          ...(typeof s.search === 'string' ? { search: s.search } : {}),
        };
      },
    },
  ),
);

export function useLogFilters<T>(pick: (s: LogFilters) => T): T {
  return useStore(logFilters, pick);
}
