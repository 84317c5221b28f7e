import { afterEach, describe, expect, it, vi } from 'vitest';
import { tokenShare, type Channel } from '../../../renderer/src/api/token-share';

/** An in-memory BroadcastChannel: a message reaches every other member, never the sender. */
function bus() {
  const members: Channel[] = [];
  return (): Channel => {
    const ch: Channel = {
      onmessage: null,
      postMessage: (data: unknown) => {
        for (const m of members) if (m !== ch) m.onmessage?.({ data } as MessageEvent);
      },
      close: () => void members.splice(members.indexOf(ch), 1),
    };
    members.push(ch);
    return ch;
  };
}

const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);

describe('sharing the token between tabs', () => {
  afterEach(() => vi.useRealTimers());

  it('lends a working token to a new tab that asks (a vPLC opened with middle-click)', async () => {
    const join = bus();
    tokenShare({ mine: () => A, adopt: () => undefined, channel: join() });
    const fresh = tokenShare({ mine: () => null, adopt: () => undefined, channel: join() });
    await expect(fresh.ask(1_000)).resolves.toBe(A);
  });

  it('lends nothing from a tab the agent refused, and the asker gives up after its timeout', async () => {
    vi.useFakeTimers();
    const join = bus();
    tokenShare({ mine: () => null, adopt: () => undefined, channel: join() });
    const fresh = tokenShare({ mine: () => null, adopt: () => undefined, channel: join() });
    const asked = fresh.ask(700);
    vi.advanceTimersByTime(700);
    await expect(asked).resolves.toBeNull();
  });

  it('passes a token pasted into one tab to the others, and ignores what is not a token', () => {
    const join = bus();
    const adopted: string[] = [];
    const other = join();
    tokenShare({ mine: () => null, adopt: (t) => adopted.push(t), channel: other });
    const pasted = tokenShare({ mine: () => B, adopt: () => undefined, channel: join() });
    pasted.announce(B);
    const rogue = join();
    rogue.postMessage({ t: 'token', token: '<script>' });
    rogue.postMessage('garbage');
    expect(adopted).toEqual([B]);
  });
});
