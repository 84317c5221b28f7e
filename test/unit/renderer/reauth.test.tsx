import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Api } from '../../../renderer/src/api/client';
import { tokenFromFragment, wsTransport } from '../../../renderer/src/api/ws';
import { App } from '../../../renderer/src/App';
import { connectStore, createAppStore } from '../../../renderer/src/store/app';
import { AppProvider } from '../../../renderer/src/store/context';
import { bindRouter } from '../../../renderer/src/store/route';

class Socket {
  static all: Socket[] = [];
  sent: Array<{ t: string; token?: string }> = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor() {
    Socket.all.push(this);
  }
  send(m: string): void {
    this.sent.push(JSON.parse(m) as { t: string });
  }
  close(): void {}
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  window.history.replaceState(null, '', '/');
  window.sessionStorage.clear();
});

describe('an open tab whose token the agent refuses (e.g. after an agent restart)', () => {
  it('says how to get the address, and reconnects with a token pasted into the same tab without a reload', async () => {
    window.history.replaceState(null, '', '/#/logs');
    const api = new Api(wsTransport({ url: 'ws://127.0.0.1:1/api', token: 'aa'.repeat(32), createSocket: () => new Socket() as unknown as WebSocket }));
    const store = createAppStore(api);
    cleanups.push(connectStore(api, store));
    cleanups.push(bindRouter(store, window, () => tokenFromFragment(window.location, window.sessionStorage, window.history), (t) => api.reauth(t)));
    render(
      <AppProvider api={api} store={store}>
        <App />
      </AppProvider>,
    );
    act(() => Socket.all.at(-1)?.onclose?.({ code: 4401 }));
    const banner = screen.getByRole('alert');
    expect(banner.textContent).toContain('vplc-orchestrator status');
    expect(banner.textContent).toContain('#token=');
    expect(banner.textContent).toContain('no reload needed');

    const fresh = 'bb'.repeat(32);
    await act(
      () =>
        new Promise<void>((resolve) => {
          window.addEventListener('hashchange', () => resolve(), { once: true });
          window.location.hash = `#token=${fresh}`;
        }),
    );
    const socket = Socket.all.at(-1)!;
    act(() => socket.onopen?.());
    expect(socket.sent[0]).toEqual({ t: 'auth', token: fresh });
    act(() => socket.onmessage?.({ data: JSON.stringify({ t: 'authed' }) }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(store.getState().link).toBe('open');
    // Still on the page it was on, with the token out of the address and kept for a reload.
    expect(store.getState().page).toBe('logs');
    expect(window.location.hash).toBe('#/logs');
    expect(window.sessionStorage.getItem('vplc-orchestrator.token')).toBe(fresh);
  });
});
