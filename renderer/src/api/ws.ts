import { z } from 'zod';
import { ApiError, type Envelope } from '../../../shared/api/envelope';
import type { LinkState, Transport } from './transport';

const TOKEN_KEY = 'vplc-orchestrator.token';

/**
 * The token comes in the URL fragment (`#token=…`, printed by the agent and by `vplc-orchestrator status`); it is moved
 * to sessionStorage (so a reload keeps it, a new browser session does not) and removed from the address bar so it does
 * not end up in bookmarks or screenshots. Whatever else the fragment holds (a page route) stays.
 * Returns the token only when the fragment carried one.
 */
export function tokenFromFragment(loc: Location, storage: Storage, history: History): string | null {
  const m = /(?:^#|&)token=([0-9a-fA-F]{16,128})(?=&|$)/.exec(loc.hash);
  if (!m?.[1]) return null;
  keepToken(storage, m[1]);
  const rest = loc.hash.slice(1).split('&').filter((p) => !p.startsWith('token=')).join('&');
  history.replaceState(null, '', loc.pathname + loc.search + (rest ? `#${rest}` : ''));
  return m[1];
}

/** Remembers this tab's token so a reload keeps it. */
export function keepToken(storage: Storage, token: string): void {
  storage.setItem(TOKEN_KEY, token);
}

/** The token from the fragment if there is one, else the one this tab was given before. */
export function takeToken(loc: Location, storage: Storage, history: History): string | null {
  return tokenFromFragment(loc, storage, history) ?? storage.getItem(TOKEN_KEY);
}

const ServerMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('authed') }),
  z.object({ t: z.literal('result'), id: z.number(), envelope: z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: ApiError })]) }),
  z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({ t: z.literal('error'), message: z.string() }),
]);

type Pending = { resolve: (e: Envelope<unknown>) => void; timer: ReturnType<typeof setTimeout> };

export type WsOptions = { url: string; token: string; callTimeoutMs?: number; createSocket?: (url: string) => WebSocket };

/** Reconnects with a growing delay (1 s … 15 s); calls made while the socket is down wait for it, up to their timeout. */
export function wsTransport(o: WsOptions): Transport {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: LinkState) => void>();
  const pending = new Map<number, Pending>();
  const queue: Array<{ id: number; message: string }> = [];
  let state: LinkState = 'connecting';
  let socket: WebSocket | null = null;
  let nextId = 1;
  let delay = 1_000;
  let token = o.token;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const setState = (s: LinkState): void => {
    state = s;
    for (const l of stateListeners) l(s);
  };

  const connect = (): void => {
    setState('connecting');
    const ws = (o.createSocket ?? ((u) => new WebSocket(u)))(o.url);
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ t: 'auth', token }));
    ws.onmessage = (ev) => {
      let msg: z.infer<typeof ServerMessage>;
      try {
        const parsed = ServerMessage.safeParse(JSON.parse(String(ev.data)));
        if (!parsed.success) return;
        msg = parsed.data;
      } catch {
        return;
      }
      if (msg.t === 'authed') {
        delay = 1_000;
        setState('open');
        for (const q of queue.splice(0)) ws.send(q.message);
      } else if (msg.t === 'result') {
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        clearTimeout(p.timer);
        p.resolve(msg.envelope as Envelope<unknown>);
      } else if (msg.t === 'event') {
        for (const l of listeners.get(msg.name) ?? []) l(msg.payload);
      }
    };
    ws.onclose = (ev) => {
      socket = null;
      if (ev.code === 4401) {
        setState('unauthorised');
        return;
      }
      setState('closed');
      retry = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15_000);
    };
  };
  connect();

  return {
    kind: 'ws',
    invoke: (channel, input) =>
      new Promise((resolve) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          // A call that timed out while waiting for the connection is dropped, not sent late.
          const queued = queue.findIndex((q) => q.id === id);
          if (queued >= 0) queue.splice(queued, 1);
          resolve({ ok: false, error: { code: 'TIMEOUT', message: state === 'open' ? `the agent did not answer ${channel} in time` : 'not connected to the agent' } });
        }, o.callTimeoutMs ?? 120_000);
        pending.set(id, { resolve, timer });
        const m = JSON.stringify({ t: 'invoke', id, channel, input });
        if (state === 'open' && socket) socket.send(m);
        else queue.push({ id, message: m });
      }),
    on: (name, listener) => {
      const set = listeners.get(name) ?? new Set();
      set.add(listener);
      listeners.set(name, set);
      return () => void set.delete(listener);
    },
    reauth: (next) => {
      if (next === token && state === 'open') return;
      token = next;
      delay = 1_000;
      clearTimeout(retry);
      const old = socket;
      if (old) {
        // The old socket's close must not schedule a second connection or report a state for the new one.
        old.onopen = null;
        old.onclose = null;
        old.onmessage = null;
        old.close();
      }
      connect();
    },
    onState: (listener) => {
      stateListeners.add(listener);
      listener(state);
      return () => void stateListeners.delete(listener);
    },
  };
}
