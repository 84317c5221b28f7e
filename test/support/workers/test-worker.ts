// A worker for supervisor and bus tests: echoes, crashes, hangs, or asks another worker through the bus, on command.
import { execFileSync } from 'node:child_process';
import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import { WorkerName } from '../../../electron/lib/protocol/messages.js';
import { handlers, hostWorker, type WorkerApi } from '../../../electron/lib/worker/host.js';

let api: WorkerApi | undefined;

hostWorker({
  start: (_config, a) => {
    api = a;
    return Promise.resolve();
  },
  handle: handlers({
    echo: { input: z.unknown(), run: (input) => Promise.resolve(input) },
    pid: { input: z.unknown(), run: () => Promise.resolve(process.pid + ':' + String(Math.random())) },
    /** Answers after `ms`: a slow target for deadline tests. */
    slow: { input: z.object({ ms: z.number().int().nonnegative(), value: z.unknown() }), run: ({ ms, value }) => new Promise((r) => setTimeout(() => r(value), ms)) },
    /** Makes a request of another worker through the bus and answers with the envelope it got. */
    ask: {
      input: z.object({ to: WorkerName, op: z.string(), input: z.unknown(), timeoutMs: z.number().int().positive() }),
      run: (q) => (api ? api.request(q.to, q.op, q.input, q.timeoutMs) : Promise.reject(new Error('not started'))),
    },
    /** Stands in for the orchestrator's op of the same name: answers an ack body, after `sleepMs` if asked. */
    'cloud.execute': {
      input: z.object({ topic: z.string(), request: z.record(z.string(), z.unknown()), sleepMs: z.number().optional() }),
      run: ({ topic, request, sleepMs }) => new Promise((r) => setTimeout(() => r({ status: 'success', topic, request, pid: process.pid }), sleepMs ?? 0)),
    },
    crash: {
      input: z.unknown(),
      run: () => {
        setImmediate(() => {
          throw new Error('injected worker crash');
        });
        return new Promise(() => undefined);
      },
    },
    /** Keeps the event loop busy for `ms` without ever waiting (a chain of immediates), then answers. */
    spin: {
      input: z.object({ ms: z.number().int().positive() }),
      run: ({ ms }) =>
        new Promise((resolve) => {
          const end = Date.now() + ms;
          const step = (): void => void (Date.now() < end ? setImmediate(step) : resolve('spun'));
          step();
        }),
    },
    /** Stops hearing the supervisor while its loop keeps turning: closes its port, or drops its message listener. */
    deafen: {
      input: z.enum(['close', 'unlisten']),
      run: (how) => {
        setImmediate(() => {
          if (how === 'close') parentPort?.close();
          else parentPort?.removeAllListeners('message');
          setInterval(() => undefined, 200);
        });
        return Promise.resolve('deaf');
      },
    },
    /** Blocks the thread in a system call for `s` seconds: terminate() cannot end it before the call returns. */
    block: {
      input: z.number().int().positive(),
      run: (s) => {
        setImmediate(() => execFileSync('sleep', [String(s)]));
        return Promise.resolve('blocking');
      },
    },
    hang: {
      input: z.unknown(),
      run: () => {
        setImmediate(() => {
          const end = Date.now() + 60_000;
          while (Date.now() < end) {
            // A stuck event loop: no alive beats any more.
          }
        });
        return new Promise(() => undefined);
      },
    },
  }),
  stop: () => Promise.resolve(),
});
