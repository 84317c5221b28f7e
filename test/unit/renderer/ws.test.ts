import { describe, expect, it, vi } from 'vitest';
import { takeToken, tokenFromFragment, wsTransport } from '../../../renderer/src/api/ws';
import type { LinkState } from '../../../renderer/src/api/transport';

class FakeSocket {
  static last: FakeSocket;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(m: string): void {
    this.sent.push(JSON.parse(m));
  }
  close(): void {
    this.closed = true;
  }
  serverSays(m: unknown): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}
const factory = (u: string): WebSocket => new FakeSocket(u) as unknown as WebSocket;

describe('the WebSocket transport', () => {
  it('moves the token from the fragment to session storage and out of the address bar', () => {
    const storage = new Map<string, string>();
    const store = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) } as Storage;
    const replaced: string[] = [];
    const history = { replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } as History;
    const token = 'ab'.repeat(32);
    expect(takeToken({ hash: `#token=${token}`, pathname: '/', search: '' } as Location, store, history)).toBe(token);
    expect(replaced).toEqual(['/']);
    expect(takeToken({ hash: '', pathname: '/', search: '' } as Location, store, history)).toBe(token);
    expect(takeToken({ hash: '#token=<script>', pathname: '/', search: '' } as Location, { getItem: () => null, setItem: () => undefined } as unknown as Storage, history)).toBeNull();
  });

  it('takes a token pasted with a route and keeps the route in the address', () => {
    const storage = new Map<string, string>();
    const store = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) } as Storage;
    const replaced: string[] = [];
    const history = { replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } as History;
    const token = 'cd'.repeat(32);
    expect(tokenFromFragment({ hash: `#/vplcs/plc1&token=${token}`, pathname: '/', search: '' } as Location, store, history)).toBe(token);
    expect(replaced).toEqual(['/#/vplcs/plc1']);
    // A route alone is no token, even though this tab has one stored.
    expect(tokenFromFragment({ hash: '#/logs', pathname: '/', search: '' } as Location, store, history)).toBeNull();
    expect(takeToken({ hash: '#/logs', pathname: '/', search: '' } as Location, store, history)).toBe(token);
    expect(replaced).toHaveLength(1);
  });

  it('re-authenticates a refused tab with a new token on a fresh socket, without a second reconnect from the old one', () => {
    vi.useFakeTimers();
    try {
      const states: LinkState[] = [];
      const t = wsTransport({ url: 'ws://x/api', token: 'old', createSocket: factory });
      t.onState((s) => states.push(s));
      const first = FakeSocket.last;
      first.onopen?.();
      first.onclose?.({ code: 4401 });
      expect(states.at(-1)).toBe('unauthorised');
      const pending = t.invoke('vplc:list', {});
      t.reauth?.('new');
      const second = FakeSocket.last;
      expect(second).not.toBe(first);
      expect(states.at(-1)).toBe('connecting');
      second.onopen?.();
      expect(second.sent).toEqual([{ t: 'auth', token: 'new' }]);
      second.serverSays({ t: 'authed' });
      expect(states.at(-1)).toBe('open');
      expect(second.sent[1]).toMatchObject({ t: 'invoke', channel: 'vplc:list' });
      second.serverSays({ t: 'result', id: 1, envelope: { ok: true, value: [] } });
      // Re-authenticating an open socket closes it quietly: no 'closed' state, no timer-driven third socket.
      t.reauth?.('newer');
      const third = FakeSocket.last;
      expect(second.closed).toBe(true);
      expect(second.onclose).toBeNull();
      vi.advanceTimersByTime(60_000);
      expect(FakeSocket.last).toBe(third);
      expect(states).not.toContain('closed');
      // The same token on an open link is no reason to reconnect.
      third.onopen?.();
      third.serverSays({ t: 'authed' });
      t.reauth?.('newer');
      expect(FakeSocket.last).toBe(third);
      return expect(pending).resolves.toEqual({ ok: true, value: [] });
    } finally {
      vi.useRealTimers();
    }
  });

  it('authenticates first, queues calls until authed, and resolves each by id', async () => {
    const states: LinkState[] = [];
    const t = wsTransport({ url: 'ws://127.0.0.1:1/api', token: 'tok', createSocket: factory });
    t.onState((s) => states.push(s));
    const s = FakeSocket.last;
    const pending = t.invoke('vplc:list', {});
    s.onopen?.();
    expect(s.sent).toEqual([{ t: 'auth', token: 'tok' }]);
    s.serverSays({ t: 'authed' });
    expect(s.sent[1]).toEqual({ t: 'invoke', id: 1, channel: 'vplc:list', input: {} });
    s.serverSays({ t: 'result', id: 1, envelope: { ok: true, value: [] } });
    expect(await pending).toEqual({ ok: true, value: [] });
    const events: unknown[] = [];
    t.on('link:state', (p) => events.push(p));
    s.serverSays({ t: 'event', name: 'link:state', payload: { state: 'connected', agentId: null } });
    s.serverSays({ t: 'result', id: 99, envelope: 'garbage' });
    expect(events).toEqual([{ state: 'connected', agentId: null }]);
    expect(states).toEqual(['connecting', 'open']);
  });

  it('reports a refused token and does not reconnect; reconnects after other closes', () => {
    vi.useFakeTimers();
    try {
      const states: LinkState[] = [];
      const t = wsTransport({ url: 'ws://x/api', token: 'bad', createSocket: factory });
      t.onState((s) => states.push(s));
      const first = FakeSocket.last;
      first.onclose?.({ code: 1006 });
      expect(states.at(-1)).toBe('closed');
      vi.advanceTimersByTime(1_000);
      const second = FakeSocket.last;
      expect(second).not.toBe(first);
      second.onclose?.({ code: 4401 });
      expect(states.at(-1)).toBe('unauthorised');
      vi.advanceTimersByTime(60_000);
      expect(FakeSocket.last).toBe(second);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers a call that gets no reply with a TIMEOUT envelope instead of hanging', async () => {
    vi.useFakeTimers();
    try {
      const t = wsTransport({ url: 'ws://x/api', token: 't', createSocket: factory, callTimeoutMs: 500 });
      const r = t.invoke('agent:status', {});
      vi.advanceTimersByTime(500);
      expect(await r).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'not connected to the agent' } });
    } finally {
      vi.useRealTimers();
    }
  });
});
