import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { describeError } from '../../lib/process/fatal.js';
import { hostWorker, type WorkerImpl, type WorkerPort } from '../../lib/worker/host.js';
import type { Spawn, WorkerHandle, WorkerName } from './types.js';

/** How each worker is made when it runs inside the agent's own thread (a lazy import keeps unused ones unloaded). */
export type ServiceLoaders = Partial<Record<WorkerName, () => Promise<WorkerImpl>>>;

/** How long a crashed or terminated service gets to let go of what it holds (its stop: timers, sockets, children). */
export const RELEASE_MS = 5_000;

type Service = { readonly name: WorkerName; crash(err: unknown): void };

/** Reports an error from a service that has already ended (a timer or socket it left behind fired). */
export type LateError = (name: WorkerName, err: unknown) => void;

/** The service whose code runs now: every timer, socket, promise and child a service creates carries it. */
const running = new AsyncLocalStorage<Service>();

/** Throws `err` again from the agent's own context, where the process's fatal handlers treat it as the agent's fault. */
const rethrowAsAgent = (err: unknown): void =>
  running.exit(() => {
    setImmediate(() => {
      throw err;
    });
  });

/**
 * Runs the workers as services inside the agent's thread, one V8 isolate for all (docs/decisions.md "Supervised
 * workers"): the same supervisor, messages and schemas as threads, with each message copied as a thread's would be.
 *
 * A crash stays the service's own. Everything a service runs carries it (AsyncLocalStorage), so an uncaught exception or
 * unhandled rejection from its code reaches `claim`, which ends only that service: it is asked to stop (releasing its
 * timers, sockets and child processes), its messages stop, and the supervisor restarts it with backoff as it would a
 * thread that exited with code 1. What a shared isolate cannot do, and threads can: end a service stuck in a busy loop
 * or a blocking call (the whole agent waits, and systemd's restart is the remedy), or cap one service's heap.
 */
export class InProcessServices {
  constructor(
    private readonly loaders: ServiceLoaders,
    private readonly late: LateError,
  ) {}

  /** For the process's fatal handlers: ends the service whose code threw and returns true; false for the agent's own code. */
  readonly claim = (err: unknown): boolean => {
    const service = running.getStore();
    if (!service) return false;
    service.crash(err);
    return true;
  };

  readonly spawn: Spawn = (entry, opts) => {
    const load = this.loaders[opts.name];
    return startService(opts.name, load ?? (() => Promise.reject(new Error(`no in-process service for ${opts.name} (${entry})`))), this.late);
  };
}

function startService(name: WorkerName, load: () => Promise<WorkerImpl>, late: LateError): WorkerHandle {
  const toAgent: Array<(msg: unknown) => void> = [];
  const exits: Array<(code: number) => void> = [];
  let listener: ((msg: unknown) => void) | undefined;
  /** Messages for the service that came before it listened (the supervisor sends `start` right after spawning). */
  const early: unknown[] = [];
  let impl: WorkerImpl | undefined;
  /** The service closed its port (it has stopped), or it crashed: nothing more goes either way. */
  let closed = false;
  /** The service stopped on the supervisor's request and closed its port: there is nothing left to release. */
  let stoppedItself = false;
  let released: Promise<void> | undefined;
  let exitCode: number | undefined;

  const deliverToAgent = (msg: unknown): void => {
    const copy = structuredClone(msg);
    setImmediate(() =>
      running.exit(() => {
        try {
          for (const cb of toAgent) cb(copy);
        } catch (err) {
          rethrowAsAgent(err);
        }
      }),
    );
  };
  let exited: Promise<void> | undefined;
  /** Like a thread's 'exit': once, after the current task, outside the service. */
  const exit = (code: number): Promise<void> => {
    if (exitCode === undefined) exitCode = code;
    const final = exitCode;
    exited ??= new Promise<void>((resolve) =>
      setImmediate(() =>
        running.exit(() => {
          exits.forEach((cb) => cb(final));
          resolve();
        }),
      ),
    );
    return exited;
  };
  /** Asks the service to stop, once, within RELEASE_MS; its errors there no longer matter. */
  const release = (): Promise<void> => {
    released ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, RELEASE_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      if (!impl || stoppedItself) return done();
      const stopping = impl;
      running.run(service, () => {
        stopping.stop(RELEASE_MS).then(done, done);
      });
    });
    return released;
  };
  const service: Service = {
    name,
    crash: (err) => {
      if (exitCode !== undefined) return late(name, err);
      const first = !closed;
      closed = true;
      if (first) deliverToAgent({ t: 'log', level: 'error', msg: `${name} service crashed; it is stopped and restarted alone`, data: { err: describeError(err) } });
      void release().then(() => exit(1));
    },
  };
  const port: WorkerPort = {
    postMessage: (msg) => {
      if (!closed) deliverToAgent(msg);
    },
    on: (_event, cb) => {
      listener = cb;
      for (const msg of early.splice(0)) deliverToService(msg);
    },
    close: () => {
      closed = stoppedItself = true;
    },
  };
  const deliverToService = (msg: unknown): void => {
    if (!listener) return void early.push(msg);
    const cb = listener;
    setImmediate(() =>
      running.run(service, () => {
        if (closed) return;
        try {
          cb(msg);
        } catch (err) {
          service.crash(err);
        }
      }),
    );
  };
  running.run(service, () => {
    load().then(
      (made) => {
        impl = made;
        hostWorker(made, port, service.crash);
      },
      (err: unknown) => service.crash(err),
    );
  });
  return {
    postMessage: (msg) => {
      if (!closed) deliverToService(structuredClone(msg));
    },
    onMessage: (cb) => void toAgent.push(cb),
    onExit: (cb) => void exits.push(cb),
    // Like a terminated thread: whatever the service still holds is released, and it exits (1 unless it had stopped).
    terminate: async () => {
      closed = true;
      await release();
      await exit(stoppedItself ? 0 : 1);
    },
    // One event loop for the agent and its services: it waiting for work shows that none of them is stuck.
    loopIdleMs: () => performance.eventLoopUtilization().idle,
    abandon: () => {
      toAgent.length = 0;
      exits.length = 0;
    },
  };
}
