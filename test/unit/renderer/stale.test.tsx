// While the agent cannot be reached, the page keeps what it last showed, says from when, greys it and turns its actions
// off (the wrapper is inert); when the agent answers again everything is live and usable.
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Api } from '../../../renderer/src/api/client';
import { App } from '../../../renderer/src/App';
import { connectStore, createAppStore } from '../../../renderer/src/store/app';
import { AppProvider } from '../../../renderer/src/store/context';
import { FakeTransport, ok } from './fake-transport';

afterEach(cleanup);

describe('a page whose connection to the agent is lost', () => {
  it('stays readable, greyed and inert with the time it is from, and comes back live', async () => {
    const f = new FakeTransport({ 'logs:tail': () => ok([]) });
    const api = new Api(f);
    const store = createAppStore(api);
    const off = connectStore(api, store);
    store.getState().navigate('logs');
    render(
      <AppProvider api={api} store={store}>
        <App />
      </AppProvider>,
    );
    const content = (): HTMLElement => screen.getByRole('heading', { level: 1, name: 'Logs' }).closest('.content') as HTMLElement;
    act(() => f.setState('open'));
    expect(content().hasAttribute('inert')).toBe(false);
    expect(content().className).not.toContain('stale');

    act(() => f.setState('closed'));
    expect(content().hasAttribute('inert')).toBe(true);
    expect(content().className).toContain('stale');
    expect(screen.getByRole('status').textContent).toMatch(/What this page shows is from .* and may be out of date; actions are off until the agent answers again\./);
    // An unauthorised page (a restarted agent) is just as old.
    act(() => f.setState('unauthorised'));
    expect(content().hasAttribute('inert')).toBe(true);
    expect(screen.getByRole('alert').textContent).toMatch(/What this page shows is from .*; actions are off until this tab is let in again\./);
    // Reconnecting is still the same outage: the page stays marked as old.
    act(() => f.setState('connecting'));
    expect(content().hasAttribute('inert')).toBe(true);

    act(() => f.setState('open'));
    expect(content().hasAttribute('inert')).toBe(false);
    expect(screen.queryByText(/may be out of date/)).toBeNull();
    off();
  });

  it('is not marked old before the first connection (there is nothing old to show)', () => {
    const f = new FakeTransport();
    const api = new Api(f);
    const store = createAppStore(api);
    const off = connectStore(api, store);
    render(
      <AppProvider api={api} store={store}>
        <App />
      </AppProvider>,
    );
    act(() => f.setState('connecting'));
    // The dashboard's own loading notes are status regions too (serial devices): the link's is one of them.
    expect(screen.getAllByRole('status').some((s) => s.textContent?.includes('Connecting to the agent…'))).toBe(true);
    expect(document.querySelector('.content')?.hasAttribute('inert')).toBe(false);
    off();
  });
});
