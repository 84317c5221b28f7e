// Heartbeat loop (docs/protocol.md §2.6) on a fake monotonic clock: timing, payload, failure limit. Runtime: < 200 ms.
import { describe, expect, it } from 'vitest';
import { HEARTBEAT_KEYS, HeartbeatPayload } from '../../../../../shared/cloud/heartbeat.js';
import { HeartbeatBuilder, HeartbeatLoop, type LoopClock } from '../../../../../electron/workers/cloudlink/heartbeat.js';
import { silentLogger } from '../../../../../electron/workers/cloudlink/types.js';

/** A manual clock: `advance(ms)` fires due timers in order. */
function fakeClock(): LoopClock & { advance(ms: number): void; block(ms: number): void } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock = {
    monotonic: () => now,
    wallMs: () => 1_775_850_000_000 + now,
    setTimeout: (fn: () => void, ms: number) => {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h: unknown) => void timers.delete(h as number),
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
      }
      now = end;
    },
    block(ms: number) {
      now += ms;
    },
  };
  return clock;
}

const sample = { cpu_usage: 15.2, memory_usage: 2.5, memory_total: 16, disk_usage: 45.8, disk_total: 500 };

function loop(opts: { writable?: () => boolean; send?: (p: unknown) => void; onFailureLimit?: () => void; latest?: () => typeof sample | null }) {
  const clock = fakeClock();
  const sent: Array<{ at: number; payload: unknown }> = [];
  const l = new HeartbeatLoop({
    intervalMs: 5_000,
    failureLimit: 3,
    agentId: () => '07048933',
    builder: new HeartbeatBuilder({ latest: opts.latest ?? (() => sample), uptimeSeconds: () => 86_400.7 }),
    writable: opts.writable ?? (() => true),
    send: opts.send ?? ((p) => sent.push({ at: clock.monotonic(), payload: p })),
    onFailureLimit: opts.onFailureLimit ?? (() => undefined),
    clock,
    log: silentLogger,
  });
  return { l, clock, sent };
}

describe('HeartbeatLoop', () => {
  it('sends the first beat 5 s after start and then every 5 s on the grid', () => {
    const { l, clock, sent } = loop({});
    l.start();
    clock.advance(4_999);
    expect(sent).toHaveLength(0);
    clock.advance(20_001);
    expect(sent.map((s) => s.at)).toEqual([5_000, 10_000, 15_000, 20_000, 25_000]);
  });

  it('does not drift or burst after the event loop was blocked', () => {
    const { l, clock, sent } = loop({});
    l.start();
    clock.advance(5_000);
    clock.block(12_300);
    clock.advance(10_000);
    expect(sent.map((s) => s.at)).toEqual([5_000, 17_300, 20_000, 25_000]);
  });

  it('sends the exact MATCH payload with the latest sample, agent uptime and a naive local timestamp', () => {
    const { l, clock, sent } = loop({});
    l.start();
    clock.advance(5_000);
    const p = sent[0]?.payload as Record<string, unknown>;
    expect(HeartbeatPayload.parse(p)).toBeTruthy();
    expect(Object.keys(p)).toEqual([...HEARTBEAT_KEYS]);
    expect(p).toMatchObject({ agent_id: '07048933', ...sample, uptime: 86_400, status: 'active' });
  });

  it('keeps sending the last good sample when sampling fails', () => {
    let n = 0;
    const { l, clock, sent } = loop({ latest: () => (n++ === 0 ? sample : null) });
    l.start();
    clock.advance(10_000);
    expect(sent).toHaveLength(2);
    expect((sent[1]?.payload as Record<string, unknown>)['cpu_usage']).toBe(15.2);
  });

  it('asks for a reconnect once after 3 consecutive failed beats, and a success resets the count', () => {
    let trips = 0;
    const writable = [false, false, true, false, false, false, false];
    const { l, clock } = loop({ writable: () => writable.shift() ?? false, send: () => undefined, onFailureLimit: () => trips++ });
    l.start();
    clock.advance(25_000);
    expect(trips).toBe(0);
    clock.advance(10_000);
    expect(trips).toBe(1);
    clock.advance(20_000);
    expect(trips).toBe(1);
  });

  it('counts a throwing emit as a failure and stops cleanly', () => {
    let trips = 0;
    const { l, clock } = loop({ send: () => { throw new Error('boom'); }, onFailureLimit: () => trips++ });
    l.start();
    clock.advance(15_000);
    expect(trips).toBe(1);
    l.stop();
    expect(l.running).toBe(false);
  });
});
