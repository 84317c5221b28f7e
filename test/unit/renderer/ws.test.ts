import { describe, expect, it, vi } from 'vitest';
import { takeToken, wsTransport } from '../../../renderer/src/api/ws';
import type { LinkState } from '../../../renderer/src/api/transport';

class FakeSocket {
  static last: FakeSocket;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(m: string): void {
    this.sent.push(JSON.parse(m));
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
