import { afterEach, describe, expect, it } from 'vitest';
import { Api } from '../../../renderer/src/api/client';
import { createAppStore } from '../../../renderer/src/store/app';
import { bindRouter, parseRoute, routeHash } from '../../../renderer/src/store/route';
import { FakeTransport } from './fake-transport';

const hashChanged = (hash: string): Promise<void> =>
  new Promise((resolve) => {
    window.addEventListener('hashchange', () => resolve(), { once: true });
    window.location.hash = hash;
  });

describe('hash routes', () => {
  it('give every page an address and read it back', () => {
    for (const [page, selected] of [['dashboard', null], ['vplcs', null], ['create', null], ['vplc', 'plc.1_a-b'], ['vplc', 'new'], ['network', null], ['logs', null], ['enrol', null], ['settings', null]] as const)
      expect(parseRoute(routeHash(page, selected))).toEqual({ page, selected });
    expect(routeHash('vplc', 'plc1')).toBe('#/vplcs/plc1');
    expect(routeHash('dashboard')).toBe('#/');
  });

  it('read anything unknown or malformed as the dashboard or the list, never a page with a bad name', () => {
    expect(parseRoute('')).toEqual({ page: 'dashboard', selected: null });
    expect(parseRoute('#main')).toEqual({ page: 'dashboard', selected: null });
    expect(parseRoute('#/nope')).toEqual({ page: 'dashboard', selected: null });
    expect(parseRoute('#/logs/extra')).toEqual({ page: 'dashboard', selected: null });
    expect(parseRoute('#/vplcs/a/b')).toEqual({ page: 'dashboard', selected: null });
    expect(parseRoute('#/vplcs/%E0%A4%A')).toEqual({ page: 'vplcs', selected: null });
    expect(parseRoute('#/vplcs/')).toEqual({ page: 'vplcs', selected: null });
  });
});

describe('the router', () => {
  let unbind = (): void => undefined;
  afterEach(() => {
    unbind();
    window.history.replaceState(null, '', '/');
    window.sessionStorage.clear();
  });

  const setup = (tokens: string[]) => {
    const store = createAppStore(new Api(new FakeTransport()));
    const given: string[] = [];
    unbind = bindRouter(
      store,
      window,
      () => {
        const m = /token=([0-9a-f]+)/.exec(window.location.hash);
        if (!m?.[1]) return null;
        window.history.replaceState(null, '', '/');
        tokens.push(m[1]);
        return m[1];
      },
      (t) => given.push(t),
    );
    return { store, given };
  };

  it('opens the page in the address (a reload on a detail page stays there)', () => {
    window.history.replaceState(null, '', '/#/vplcs/plc1');
    const { store } = setup([]);
    expect(store.getState()).toMatchObject({ page: 'vplc', selected: 'plc1' });
  });

  it('writes in-app navigation to the address and follows address changes (links, back)', async () => {
    const { store } = setup([]);
    store.getState().navigate('logs');
    expect(window.location.hash).toBe('#/logs');
    store.getState().navigate('vplc', 'a b');
    expect(window.location.hash).toBe('#/vplcs/a%20b');
    await hashChanged('#/network');
    expect(store.getState()).toMatchObject({ page: 'network', selected: null });
  });

  it('hands a pasted token to re-authentication and stays on the current page', async () => {
    const tokens: string[] = [];
    const { store, given } = setup(tokens);
    store.getState().navigate('settings');
    await hashChanged(`#token=${'ef'.repeat(32)}`);
    expect(given).toEqual(['ef'.repeat(32)]);
    expect(store.getState().page).toBe('settings');
    expect(window.location.hash).toBe('#/settings');
    await hashChanged('#/logs');
    expect(given).toHaveLength(1);
  });
});
