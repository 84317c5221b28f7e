import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { handlers, hostWorker, WorkerError, type WorkerApi } from '../../../../../electron/lib/worker/host.js';

/** The host on one end of a real MessageChannel; the test plays the main thread on the other. */
function host(): { main: MessagePort; api: () => WorkerApi; next: (pred?: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> } {
  const { port1, port2 } = new MessageChannel();
  let api: WorkerApi | undefined;
  hostWorker(
    {
      start: (_c, a) => {
        api = a;
        return Promise.resolve();
      },
      handle: handlers({
        'vplc.rename': { input: z.object({ name: z.string(), to: z.object({ name: z.string().min(1) }) }), run: ({ to }) => Promise.resolve(`renamed to ${to.name}`) },
        'engine.write': { input: z.object({}), run: () => Promise.reject(new WorkerError('FORBIDDEN', 'not allowed here')) },
        'bug.throw': { input: z.object({}), run: () => Promise.reject(new TypeError('x is undefined')) },
      }),
      stop: () => Promise.resolve(),
    },
    port1,
  );
  const inbox: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  port2.on('message', (m: Record<string, unknown>) => {
    inbox.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (pred: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> => {
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0] as Record<string, unknown>;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  opened.push(port2);
  return {
    main: port2,
    api: () => {
      if (!api) throw new Error('not started');
      return api;
    },
    next,
  };
}

const opened: MessagePort[] = [];
afterEach(() => {
  // Stopping closes the host's end.
  for (const p of opened.splice(0)) p.postMessage({ t: 'stop', graceMs: 1_000 });
});

async function started(): Promise<ReturnType<typeof host>> {
  const h = host();
  h.main.postMessage({ t: 'start', config: {} });
  expect(await h.next()).toEqual({ t: 'ready' });
  return h;
}

const answer = async (h: ReturnType<typeof host>, id: number, op: string, input: unknown): Promise<unknown> => {
  h.main.postMessage({ t: 'req', id, op, input });
  return (await h.next((m) => m['t'] === 'res' && m['id'] === id))['result'];
};

describe('hostWorker with a handler table', () => {
  it('parses the input once and runs the op', async () => {
    const h = await started();
    expect(await answer(h, 1, 'vplc.rename', { name: 'a', to: { name: 'b' } })).toEqual({ ok: true, value: 'renamed to b' });
  });

  it('refuses an input its schema refuses with VALIDATION naming the field path', async () => {
    const h = await started();
    expect(await answer(h, 2, 'vplc.rename', { name: 'a', to: { name: '' } })).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringMatching(/^to\.name: /) as unknown, field: 'to.name' },
    });
    expect(await answer(h, 3, 'vplc.rename', 'not an object')).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'input' } });
  });

  it('answers UNKNOWN_OP for an op it has not, keeps a WorkerError’s code, and maps anything else to INTERNAL', async () => {
    const h = await started();
    expect(await answer(h, 4, 'vplc.nope', {})).toEqual({ ok: false, error: { code: 'UNKNOWN_OP', message: 'no op vplc.nope', field: 'op' } });
    expect(await answer(h, 5, 'engine.write', {})).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'not allowed here' } });
    expect(await answer(h, 6, 'bug.throw', {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'x is undefined' } });
  });

  it('ignores a malformed message and logs it', async () => {
    const h = await started();
    h.main.postMessage({ t: 'req', id: 'seven', op: 'vplc.rename' });
    expect(await h.next((m) => m['t'] === 'log')).toMatchObject({ t: 'log', level: 'warn', msg: 'worker ignored a malformed message' });
    expect(await answer(h, 7, 'engine.write', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('hostWorker: liveness probes', () => {
  it('answers a probe with its thread id and heap', async () => {
    const h = await started();
    h.main.postMessage({ t: 'probe', id: 41 });
    const alive = await h.next((m) => m['t'] === 'alive');
    // This host runs on the test's own thread, whose id is the pid.
    expect(alive).toEqual({ t: 'alive', id: 41, tid: process.pid, heapUsed: expect.any(Number) as unknown, heapTotal: expect.any(Number) as unknown });
    expect(alive['heapUsed'] as number).toBeGreaterThan(0);
  });
});

describe('hostWorker: requests the worker makes', () => {
  it('posts a req naming the target and settles it with the res of the same id', async () => {
    const h = await started();
    const pending = h.api().request('orchestrator', 'cloud.execute', { topic: 'get_host_interfaces', request: {} }, 5_000);
    const req = await h.next((m) => m['t'] === 'req');
    expect(req).toEqual({ t: 'req', id: expect.any(Number) as unknown, to: 'orchestrator', op: 'cloud.execute', input: { topic: 'get_host_interfaces', request: {} }, timeoutMs: 5_000 });
    h.main.postMessage({ t: 'res', id: 999, result: { ok: true, value: 'not this one' } });
    h.main.postMessage({ t: 'res', id: req['id'], result: { ok: true, value: { status: 'success' } } });
    expect(await pending).toEqual({ ok: true, value: { status: 'success' } });
  });

  it('settles every request still out with UNAVAILABLE when the worker stops', async () => {
    const h = await started();
    const pending = h.api().request('orchestrator', 'cloud.execute', {}, 60_000);
    await h.next((m) => m['t'] === 'req');
    h.main.postMessage({ t: 'stop', graceMs: 1_000 });
    expect(await pending).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'the worker is stopping' } });
    expect(await h.next((m) => m['t'] === 'stopped')).toEqual({ t: 'stopped' });
  });
});
