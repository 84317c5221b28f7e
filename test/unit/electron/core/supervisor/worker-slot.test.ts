import { describe, expect, it } from 'vitest';
import { WorkerSlot } from '../../../../../electron/core/supervisor/worker-slot.js';
import type { WorkerSpec, WorkerState } from '../../../../../electron/core/supervisor/types.js';
import { FakeTimers, FakeWorker } from '../../../../support/fake-workers.js';
import { backoffDelay } from '../../../../../electron/lib/time/backoff.js';
import { ToWorker, type Envelope, type WorkerRequest } from '../../../../../electron/lib/protocol/messages.js';

const spec: WorkerSpec = {
  name: 'orchestrator',
  entry: 'x',
  config: {},
  backoff: { baseMs: 1_000, maxMs: 30_000, jitter: 0.3 },
  loop: { maxCrashes: 5, windowMs: 600_000, slowRetryMs: 300_000 },
  livenessMs: 6_000,
  stableMs: 60_000,
};

type Asked = { req: WorkerRequest; reply: (e: Envelope) => void };

function setup(): { slot: WorkerSlot; timers: FakeTimers; workers: FakeWorker[]; states: WorkerState[]; asked: Asked[]; logs: string[] } {
  const timers = new FakeTimers();
  const workers: FakeWorker[] = [];
  const states: WorkerState[] = [];
  const asked: Asked[] = [];
  const logs: string[] = [];
  const slot = new WorkerSlot(spec, {
    spawn: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    timers,
    random: () => 0.5,
    onState: (s) => states.push(s),
    onEvent: () => undefined,
    onRequest: (req, reply) => asked.push({ req, reply }),
    onLog: (_level, msg) => logs.push(msg),
  });
  return { slot, timers, workers, states, asked, logs };
}

describe('backoffDelay', () => {
  it('doubles from the base up to the cap and spreads by ±30 %', () => {
    const b = spec.backoff;
    expect([0, 1, 2, 5, 9].map((a) => backoffDelay(a, b, () => 0.5))).toEqual([1_000, 2_000, 4_000, 30_000, 30_000]);
    expect(backoffDelay(0, b, () => 0)).toBe(700);
    expect(backoffDelay(0, b, () => 1)).toBe(1_300);
  });
});

describe('WorkerSlot', () => {
  it('is running only after ready', () => {
    const { slot, workers } = setup();
    slot.start();
    expect(slot.state.kind).toBe('starting');
    expect(workers[0]?.sent[0]).toEqual({ t: 'start', config: {} });
    workers[0]?.say({ t: 'ready' });
    expect(slot.state.kind).toBe('running');
  });

  it('restarts a crashed worker after an exponential delay', () => {
    const { slot, timers, workers } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    workers[0]?.crash(3);
    expect(slot.state).toMatchObject({ kind: 'backoff', exitCode: 3, retryAt: 1_000 });
    timers.advance(999);
    expect(workers).toHaveLength(1);
    timers.advance(1);
    expect(workers).toHaveLength(2);
    workers[1]?.crash();
    expect(slot.state).toMatchObject({ kind: 'backoff', retryAt: 1_000 + 2_000 });
  });

  it('pauses fast restarts after 5 crashes in 10 minutes, reports failed, and keeps retrying slowly', () => {
    const { slot, timers, workers } = setup();
    slot.start();
    for (let i = 0; i < 5; i++) {
      workers.at(-1)?.crash();
      // Straight to the retry, so no liveness deadline expires in between.
      if (i < 4) timers.advance((slot.state as { retryAt: number }).retryAt - timers.t);
    }
    expect(slot.state).toMatchObject({ kind: 'failed', crashes: 5 });
    const before = workers.length;
    timers.advance(299_999);
    expect(workers).toHaveLength(before);
    timers.advance(1);
    expect(workers).toHaveLength(before + 1);
  });

  it('sends nothing to a worker whose event loop keeps waiting for work', () => {
    const { slot, timers, workers } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    for (let i = 0; i < 10; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
    }
    expect(workers[0]?.sent).toEqual([{ t: 'start', config: {} }]);
    expect(slot.state.kind).toBe('running');
  });

  it('probes a worker whose loop stopped waiting, and terminates and restarts it when no answer comes', () => {
    const { slot, timers, workers, states } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    workers[0]?.hang();
    timers.advance(2_000);
    slot.checkLiveness();
    expect(workers[0]?.sent.at(-1)).toEqual({ t: 'probe', id: 1 });
    expect(ToWorker.safeParse(workers[0]?.sent.at(-1)).success).toBe(true);
    timers.advance(3_999);
    slot.checkLiveness();
    // One probe at a time.
    expect(workers[0]?.sent).toHaveLength(2);
    expect(slot.state.kind).toBe('running');
    timers.advance(1);
    slot.checkLiveness();
    expect(states.map((s) => s.kind)).toContain('unresponsive');
    expect(slot.state.kind).toBe('backoff');
  });

  it('ends a starting worker that never answers a probe, although its loop idles', () => {
    const { slot, timers, workers, states } = setup();
    slot.start();
    for (let i = 0; i < 2; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
    }
    expect(workers[0]?.sent).toEqual([{ t: 'start', config: {} }, { t: 'probe', id: 1 }]);
    expect(slot.state.kind).toBe('starting');
    timers.advance(2_000);
    slot.checkLiveness();
    expect(states.map((s) => s.kind)).toContain('unresponsive');
  });

  it('keeps a starting worker that answers its probes', () => {
    const { slot, timers, workers } = setup();
    slot.start();
    for (let i = 0; i < 10; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
      const probe = workers[0]?.sent.at(-1) as { t: string; id: number };
      if (probe.t === 'probe') workers[0]?.say({ t: 'alive', id: probe.id, tid: 7, heapUsed: 1, heapTotal: 2 });
    }
    expect(slot.state.kind).toBe('starting');
  });

  it('keeps a busy worker that answers its probes', () => {
    const { slot, timers, workers } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    workers[0]?.hang();
    for (let i = 0; i < 10; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
      const probe = workers[0]?.sent.at(-1) as { t: string; id: number };
      if (probe.t === 'probe') workers[0]?.say({ t: 'alive', id: probe.id, tid: 7, heapUsed: 1, heapTotal: 2 });
    }
    expect(slot.state.kind).toBe('running');
  });

  it('counts a busy worker that keeps sending messages as alive without probing it', () => {
    const { slot, timers, workers } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    workers[0]?.hang();
    for (let i = 0; i < 10; i++) {
      timers.advance(2_000);
      workers[0]?.say({ t: 'event', name: 'tick', payload: i });
      slot.checkLiveness();
    }
    expect(workers[0]?.sent).toEqual([{ t: 'start', config: {} }]);
    expect(slot.state.kind).toBe('running');
  });

  it('ends a hung worker on its third check without progress, counted in checks, not read off the clock', () => {
    const { slot, workers, states } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    workers[0]?.hang();
    // A clock that lags behind the checks (a check landing at 5999.x ms of 6000) must not slip a period.
    slot.checkLiveness();
    slot.checkLiveness();
    expect(slot.state.kind).toBe('running');
    slot.checkLiveness();
    expect(states.map((s) => s.kind)).toContain('unresponsive');
  });

  it('probes an idle worker once a minute and ends one whose idle loop no longer hears messages', () => {
    const { slot, timers, workers, states } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    const probes = (): Array<{ t: string; id: number }> => (w.sent as Array<{ t: string; id: number }>).filter((m) => m.t === 'probe');
    // A healthy idle worker: one probe per 60 s, answered.
    let seen = 0;
    for (let i = 0; i < 62; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
      for (const p of probes().slice(seen)) w.say({ t: 'alive', id: p.id, tid: 7, heapUsed: 1, heapTotal: 2 });
      seen = probes().length;
    }
    expect(probes()).toHaveLength(2);
    expect(slot.state.kind).toBe('running');
    // Now its loop still idles but nothing reaches it any more (closed port, removed listener).
    const before = probes().length;
    for (let i = 0; i < 32; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
    }
    expect(probes()).toHaveLength(before + 1);
    expect(states.map((s) => s.kind)).toContain('unresponsive');
    expect(workers).toHaveLength(1);
    timers.advance(1_000);
    expect(workers).toHaveLength(2);
  });

  it('requires an answered probe of an idle worker after one of its requests timed out', async () => {
    const { slot, timers, workers, states } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    const lost = slot.request('status', {}, 500);
    timers.advance(500);
    expect(await lost).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    timers.advance(1_500);
    slot.checkLiveness();
    expect(w.sent.at(-1)).toMatchObject({ t: 'probe' });
    // Events still flow out, the loop still idles: neither answers the probe.
    w.say({ t: 'event', name: 'tick', payload: 1 });
    for (let i = 0; i < 2; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
    }
    expect(states.map((s) => s.kind)).toContain('unresponsive');
  });

  it('keeps a worker that answers the probe sent after a request timed out', async () => {
    const { slot, timers, workers } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    const lost = slot.request('status', {}, 500);
    timers.advance(2_000);
    await lost;
    slot.checkLiveness();
    const probe = w.sent.at(-1) as { t: string; id: number };
    expect(probe.t).toBe('probe');
    w.say({ t: 'alive', id: probe.id, tid: 7, heapUsed: 1, heapTotal: 2 });
    for (let i = 0; i < 10; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
    }
    expect(slot.state.kind).toBe('running');
    expect(w.sent.filter((m) => (m as { t: string }).t === 'probe')).toHaveLength(1);
  });

  it('asks a running worker for its thread id and heap, and gives null past the deadline', async () => {
    const { slot, timers, workers } = setup();
    expect(await slot.threadFacts(100)).toBeNull();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    const answered = slot.threadFacts(1_000);
    expect(workers[0]?.sent.at(-1)).toEqual({ t: 'probe', id: 1 });
    workers[0]?.say({ t: 'alive', id: 1, tid: 4242, heapUsed: 10, heapTotal: 20 });
    expect(await answered).toEqual({ tid: 4242, heapUsed: 10, heapTotal: 20 });
    const silent = slot.threadFacts(1_000);
    timers.advance(1_000);
    expect(await silent).toBeNull();
  });

  it('ignores exits and messages from a replaced worker', () => {
    const { slot, timers, workers } = setup();
    slot.start();
    const old = workers[0];
    old?.crash();
    timers.advance(1_000);
    workers[1]?.say({ t: 'ready' });
    old?.say({ t: 'ready' });
    old?.crash();
    expect(slot.state.kind).toBe('running');
  });

  it('answers every request once: with the reply, on timeout, or when the worker goes away', async () => {
    const { slot, timers, workers } = setup();
    expect(await slot.request('x', {}, 100)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    slot.start();
    workers[0]?.say({ t: 'ready' });
    const answered = slot.request('status', { name: 'p' }, 1_000);
    const timedOut = slot.request('slow', {}, 500);
    const orphaned = slot.request('pending', {}, 10_000);
    workers[0]?.say({ t: 'res', id: 1, result: { ok: true, value: 42 } });
    timers.advance(500);
    workers[0]?.crash();
    expect(await answered).toEqual({ ok: true, value: 42 });
    expect(await timedOut).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(await orphaned).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });

  it('holds a request made while the worker starts and sends it on ready', async () => {
    const { slot, workers } = setup();
    slot.start();
    const early = slot.request('status', {}, 5_000);
    expect(workers[0]?.sent).toHaveLength(1);
    workers[0]?.say({ t: 'ready' });
    expect(workers[0]?.sent[1]).toEqual({ t: 'req', id: 1, op: 'status', input: {} });
    workers[0]?.say({ t: 'res', id: 1, result: { ok: true, value: 'up' } });
    expect(await early).toEqual({ ok: true, value: 'up' });
  });

  it('gives up on a held request at its deadline', async () => {
    const { slot, timers } = setup();
    slot.start();
    const early = slot.request('status', {}, 1_000);
    timers.advance(1_000);
    expect(await early).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: 'worker orchestrator did not become ready within 1000 ms' } });
  });

  it('drops malformed worker messages without changing state', () => {
    const { slot, workers } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready', extra: 1 });
    workers[0]?.say({ t: 'res', id: 'nope' });
    workers[0]?.say('garbage');
    expect(slot.state.kind).toBe('running');
  });

  it('does not restart a worker that was asked to stop', async () => {
    const { slot, timers, workers } = setup();
    slot.start();
    workers[0]?.say({ t: 'ready' });
    const stopping = slot.stop(1_000);
    workers[0]?.say({ t: 'stopped' });
    await stopping;
    timers.advance(60_000);
    expect(workers).toHaveLength(1);
    expect(slot.state.kind).toBe('stopped');
  });
});

describe('WorkerSlot: requests a worker makes', () => {
  it('hands a request to the bus and posts the answer back to the thread that asked', () => {
    const { slot, workers, asked } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    w.say({ t: 'req', id: 7, to: 'orchestrator', op: 'cloud.execute', input: { topic: 'get_host_interfaces', request: {} }, timeoutMs: 1_000 });
    expect(asked.map((a) => a.req)).toEqual([{ t: 'req', id: 7, to: 'orchestrator', op: 'cloud.execute', input: { topic: 'get_host_interfaces', request: {} }, timeoutMs: 1_000 }]);
    asked[0]?.reply({ ok: true, value: { status: 'success' } });
    expect(w.sent.at(-1)).toEqual({ t: 'res', id: 7, result: { ok: true, value: { status: 'success' } } });
  });

  it('never posts an answer to a successor of the thread that asked', () => {
    const { slot, workers, asked, timers } = setup();
    slot.start();
    const first = workers[0] as FakeWorker;
    first.say({ t: 'ready' });
    first.say({ t: 'req', id: 1, to: 'orchestrator', op: 'cloud.execute', input: {}, timeoutMs: 1_000 });
    first.crash();
    timers.advance(60_000);
    const second = workers[1] as FakeWorker;
    expect(second).toBeDefined();
    const before = second.sent.length;
    asked[0]?.reply({ ok: true, value: 'late' });
    expect(second.sent.length).toBe(before);
  });

  it('ignores and logs a malformed request (no target worker)', () => {
    const { slot, workers, asked, logs } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    w.say({ t: 'req', id: 2, to: 'nobody', op: 'x', input: {}, timeoutMs: 1_000 });
    expect(asked).toEqual([]);
    expect(logs).toContain('worker orchestrator sent a malformed message');
  });
});

describe('WorkerSlot: stopping', () => {
  it('asks the worker to stop with a message it accepts, even for a fractional budget', async () => {
    const { slot, workers } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    const stopped = slot.stop(29_999.37);
    const stop = w.sent.find((m) => (m as { t: string }).t === 'stop');
    expect(ToWorker.safeParse(stop).success).toBe(true);
    expect(stop).toEqual({ t: 'stop', graceMs: 29_999 });
    w.say({ t: 'stopped' });
    await stopped;
  });
});

describe('WorkerSlot: a thread that will not exit', () => {
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('abandons a hung thread that ignores terminate and starts a replacement with the usual backoff', async () => {
    const { slot, timers, workers, logs } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    w.hang();
    w.wedge();
    for (let i = 0; i < 3; i++) {
      timers.advance(2_000);
      slot.checkLiveness();
    }
    expect(slot.state.kind).toBe('unresponsive');
    await flush();
    timers.advance(9_999);
    await flush();
    expect(slot.state.kind).toBe('unresponsive');
    timers.advance(1);
    await flush();
    expect(w.abandoned).toBe(true);
    expect(logs).toContain('worker orchestrator did not exit within 10 s of being terminated; abandoning its thread');
    expect(slot.state).toMatchObject({ kind: 'backoff', exitCode: -1 });
    timers.advance(1_000);
    expect(workers).toHaveLength(2);
    workers[1]?.say({ t: 'ready' });
    expect(slot.state.kind).toBe('running');
  });

  it('finishes stopping a thread that ignores terminate', async () => {
    const { slot, timers, workers } = setup();
    slot.start();
    const w = workers[0] as FakeWorker;
    w.say({ t: 'ready' });
    w.wedge();
    let stopped = false;
    void slot.stop(1_000).then(() => (stopped = true));
    timers.advance(1_000);
    await flush();
    timers.advance(10_000);
    await flush();
    expect(stopped).toBe(true);
    expect(w.abandoned).toBe(true);
    expect(slot.state.kind).toBe('stopped');
    timers.advance(60_000);
    expect(workers).toHaveLength(1);
  });
});
