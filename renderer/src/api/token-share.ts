import { z } from 'zod';

/**
 * Tabs of this UI share the agent token over a same-origin BroadcastChannel, so the token stays out of persistent
 * storage (sessionStorage is per tab) and yet a vPLC opened in a new tab (middle-click) is authorised, and a new token
 * pasted into one tab reaches the others.
 */
const Message = z.discriminatedUnion('t', [z.object({ t: z.literal('ask') }), z.object({ t: z.literal('token'), token: z.string().regex(/^[0-9a-fA-F]{16,128}$/) })]);

export type Channel = Pick<BroadcastChannel, 'postMessage' | 'close'> & { onmessage: ((ev: MessageEvent) => void) | null };

export type TokenShare = {
  /** The first token another tab offers within `timeoutMs`, or null. */
  ask(timeoutMs: number): Promise<string | null>;
  /** Tells the other tabs about a new token. */
  announce(token: string): void;
  close(): void;
};

type Options = {
  /** The token this tab can vouch for (its link is open), else null: a refused tab must not hand out its stale one. */
  mine: () => string | null;
  /** Another tab announced a token. */
  adopt: (token: string) => void;
  channel?: Channel;
};

export function tokenShare(o: Options): TokenShare {
  const ch: Channel = o.channel ?? new BroadcastChannel('vplc-orchestrator.token');
  let waiting: ((t: string) => void) | null = null;
  ch.onmessage = (ev) => {
    const m = Message.safeParse(ev.data);
    if (!m.success) return;
    if (m.data.t === 'ask') {
      const token = o.mine();
      if (token) ch.postMessage({ t: 'token', token });
    } else if (waiting) waiting(m.data.token);
    else if (m.data.token !== o.mine()) o.adopt(m.data.token);
  };
  return {
    ask: (timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          resolve(null);
        }, timeoutMs);
        waiting = (t) => {
          clearTimeout(timer);
          waiting = null;
          resolve(t);
        };
        ch.postMessage({ t: 'ask' });
      }),
    announce: (token) => ch.postMessage({ t: 'token', token }),
    close: () => ch.close(),
  };
}
