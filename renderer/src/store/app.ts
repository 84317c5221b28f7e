import type { HostSample } from '../../../shared/domain/host-sample';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EventPayload, Output } from '../../../shared/api/contract';
import { errorText, type Api } from '../api/client';
import type { LinkState } from '../api/transport';

export type Page = 'dashboard' | 'vplcs' | 'create' | 'vplc' | 'edit' | 'network' | 'logs' | 'enrol' | 'settings';

/** One remote value: what we have, whether it is being fetched, and why the last fetch failed. */
export type Res<T> = { data?: T; loading: boolean; error?: string };

export type { HostSample };
export type LogLine = Output<'logs:tail'>[number];

export type AppState = {
  link: LinkState;
  /** When the connection to the agent was lost (ms since the epoch): what the page shows is from then. Null while live. */
  staleSince: number | null;
  page: Page;
  selected: string | null;
  status: Res<Output<'agent:status'>>;
  cert: Res<Output<'certs:info'>>;
  vplcs: Res<Output<'vplc:list'>>;
  interfaces: Res<Output<'netmon:interfaces'>>;
  cloudLink: EventPayload<'link:state'> | null;
  hostSamples: HostSample[];
  logs: LogLine[];
  /** Bumped on every vplc:changed event so open detail views refresh. */
  vplcRevision: number;
  navigate(page: Page, selected?: string | null): void;
  refreshStatus(): Promise<void>;
  refreshCert(): Promise<void>;
  refreshVplcs(): Promise<void>;
  refreshInterfaces(): Promise<void>;
  refreshLogs(): Promise<void>;
};

export const MAX_SAMPLES = 3_000;
export const MAX_LOG_LINES = 2_000;

const idle = { loading: false } as const;

export function createAppStore(api: Api): StoreApi<AppState> {
  const store = createStore<AppState>()((set, get) => {
    /** Fetches into one resource, keeping the previous value on failure so the page does not go blank. */
    const load = async <K extends 'status' | 'cert' | 'vplcs' | 'interfaces', T>(key: K, fetch: () => Promise<{ ok: true; value: T } | { ok: false; error: { message: string; field?: string } }>): Promise<void> => {
      set({ [key]: { ...get()[key], loading: true } } as Partial<AppState>);
      const r = await fetch();
      set({ [key]: r.ok ? { data: r.value, loading: false } : { data: get()[key].data, loading: false, error: errorText(r.error) } } as Partial<AppState>);
    };
    return {
      link: 'connecting',
      staleSince: null,
      page: 'dashboard',
      selected: null,
      status: { ...idle },
      cert: { ...idle },
      vplcs: { ...idle },
      interfaces: { ...idle },
      cloudLink: null,
      hostSamples: [],
      logs: [],
      vplcRevision: 0,
      navigate: (page, selected = null) => set({ page, selected }),
      refreshStatus: () => load('status', () => api.call('agent:status', {})),
      refreshCert: () => load('cert', () => api.call('certs:info', {})),
      refreshVplcs: () => load('vplcs', () => api.call('vplc:list', {})),
      refreshInterfaces: () => load('interfaces', () => api.call('netmon:interfaces', {})),
      refreshLogs: async () => {
        const r = await api.call('logs:tail', { limit: 1_000 });
        if (r.ok) set({ logs: r.value });
      },
    };
  });
  return store;
}

/** Subscribes the store to the agent's events and does the first fetches; returns the unsubscribe. */
export function connectStore(api: Api, store: StoreApi<AppState>): () => void {
  const s = store.getState;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshSoon = (): void => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void Promise.all([s().refreshVplcs(), s().refreshStatus()]), 250);
  };
  const offs = [
    api.onState((link) => {
      const { link: before, staleSince } = s();
      store.setState({ link, staleSince: link === 'open' ? null : (staleSince ?? (before === 'open' ? Date.now() : null)) });
      if (link === 'open') void Promise.all([s().refreshStatus(), s().refreshCert(), s().refreshVplcs(), s().refreshInterfaces(), s().refreshLogs()]);
    }),
    api.on('metrics:sample', (sample) => store.setState((st) => ({ hostSamples: [...st.hostSamples, sample].slice(-MAX_SAMPLES) }))),
    api.on('logs:line', (batch) => store.setState((st) => ({ logs: [...st.logs, ...batch].slice(-MAX_LOG_LINES) }))),
    api.on('link:state', (l) => {
      store.setState({ cloudLink: l });
      void s().refreshStatus();
    }),
    api.on('vplc:changed', () => {
      store.setState((st) => ({ vplcRevision: st.vplcRevision + 1 }));
      refreshSoon();
    }),
    api.on('netmon:change', () => void s().refreshInterfaces()),
    // A port's state changes on plug and unplug without any vplc:changed: the list's copy is updated in place.
    api.on('serial:ports', (e) =>
      store.setState((st) => {
        const data = st.vplcs.data?.map((v) => (v.name === e.vplc ? { ...v, serial_ports: e.ports.map((p) => ({ name: p.name, device_id: p.device_id, container_path: p.container_path, status: p.status, current_host_path: p.current_host_path })) } : v));
        return data ? { vplcs: { ...st.vplcs, data } } : {};
      }),
    ),
    api.on('certs:progress', (p) => {
      if (p.step === 'enrolled') void s().refreshCert();
    }),
  ];
  const poll = setInterval(() => void s().refreshStatus(), 15_000);
  return () => {
    clearInterval(poll);
    clearTimeout(refreshTimer);
    for (const off of offs) off();
  };
}
