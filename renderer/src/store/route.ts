import type { StoreApi } from 'zustand/vanilla';
import type { AppState, Page } from './app';

/**
 * Hash routes (`#/vplcs/plc1`), so every page has an address that survives a reload and opens in a new tab without
 * the loopback UI server knowing about routes. The fragment also carries the one-time `#token=…` (see api/ws.ts).
 */
export type Route = { page: Page; selected: string | null };

const SIMPLE: ReadonlyArray<Exclude<Page, 'dashboard' | 'vplc' | 'edit' | 'create'>> = ['vplcs', 'network', 'logs', 'enrol', 'settings'];

/** The fragment (with its `#`) for a page; a vPLC page needs its name. */
export function routeHash(page: Page, selected: string | null = null): string {
  if (page === 'dashboard') return '#/';
  if (page === 'create') return '#/create';
  if (page === 'vplc') return selected ? `#/vplcs/${encodeURIComponent(selected)}` : '#/vplcs';
  if (page === 'edit') return selected ? `#/vplcs/${encodeURIComponent(selected)}/edit` : '#/vplcs';
  return `#/${page}`;
}

/** Reads a fragment; anything unknown is the dashboard. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  const [head, name, extra] = parts;
  if (head === 'create' && parts.length === 1) return { page: 'create', selected: null };
  if (head === 'vplcs' && name !== undefined && (extra === undefined || (extra === 'edit' && parts.length === 3))) {
    try {
      return { page: extra === 'edit' ? 'edit' : 'vplc', selected: decodeURIComponent(name) };
    } catch {
      return { page: 'vplcs', selected: null };
    }
  }
  const simple = SIMPLE.find((p) => p === head);
  if (simple && parts.length === 1) return { page: simple, selected: null };
  return { page: 'dashboard', selected: null };
}

type RouterWindow = Pick<Window, 'addEventListener' | 'removeEventListener'> & { location: Pick<Location, 'hash'>; history: Pick<History, 'pushState' | 'replaceState'> };

/**
 * Keeps the store's page and the address bar in step both ways. `tokenInFragment` runs first on every fragment change:
 * a pasted `#token=…` is handed to `onToken` (re-authentication without a reload) and leaves the current page as it is.
 * Returns the unsubscribe.
 */
export function bindRouter(store: StoreApi<AppState>, win: RouterWindow, tokenInFragment: () => string | null, onToken: (token: string) => void): () => void {
  const fromAddress = (): void => {
    const token = tokenInFragment();
    if (token) onToken(token);
    const hash = win.location.hash;
    const s = store.getState();
    if (hash === '' || hash === '#') {
      // Only a token was given (or nothing): stay where we are and show that page's address.
      if (token || s.page !== 'dashboard') win.history.replaceState(null, '', routeHash(s.page, s.selected));
      return;
    }
    const r = parseRoute(hash);
    if (r.page !== s.page || r.selected !== s.selected) store.setState(r);
  };
  const fromStore = store.subscribe((s, prev) => {
    if (s.page === prev.page && s.selected === prev.selected) return;
    const hash = routeHash(s.page, s.selected);
    if (win.location.hash !== hash) win.history.pushState(null, '', hash);
  });
  fromAddress();
  const onChange = (): void => fromAddress();
  win.addEventListener('hashchange', onChange);
  win.addEventListener('popstate', onChange);
  return () => {
    fromStore();
    win.removeEventListener('hashchange', onChange);
    win.removeEventListener('popstate', onChange);
  };
}
