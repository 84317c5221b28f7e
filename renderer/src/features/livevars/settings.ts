import { useStore } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';

export const MIN_HZ = 2;
export const MAX_HZ = 10;
export const DEFAULT_HZ = 4;
/** Rows read per refresh: the table shows these; a filter narrows which. */
export const MAX_ROWS = 200;

type LiveSettings = { hz: number; filter: string; setHz(hz: number): void; setFilter(filter: string): void };

const clampHz = (hz: number): number => (Number.isFinite(hz) ? Math.min(MAX_HZ, Math.max(MIN_HZ, Math.round(hz))) : DEFAULT_HZ);

/** The live view's refresh rate and filter, kept for the tab (the rate is also kept across vPLCs). */
export const liveSettings = createStore<LiveSettings>()(
  persist(
    (set) => ({
      hz: DEFAULT_HZ,
      filter: '',
      setHz: (hz) => set({ hz: clampHz(hz) }),
      setFilter: (filter) => set({ filter }),
    }),
    {
      name: 'vplc.livevars.settings',
      storage: createJSONStorage(() => sessionStorage),
      partialize: (s) => ({ hz: s.hz, filter: s.filter }),
      merge: (stored, current) => {
        const s = (stored ?? {}) as { hz?: unknown; filter?: unknown };
        return { ...current, ...(typeof s.hz === 'number' ? { hz: clampHz(s.hz) } : {}), ...(typeof s.filter === 'string' ? { filter: s.filter } : {}) };
      },
    },
  ),
);

export function useLiveSettings<T>(pick: (s: LiveSettings) => T): T {
  return useStore(liveSettings, pick);
}
