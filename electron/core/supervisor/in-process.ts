import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { describeError } from '../../lib/process/fatal.js';
import { hostWorker, type HostedWorker, type WorkerImpl, type WorkerPort } from '../../lib/worker/host.js';
import type { Spawn, WorkerHandle, WorkerName } from './types.js';

/** How each worker is made when it runs inside the agent's own thread (a lazy import keeps unused ones unloaded). */
export type ServiceLoaders = Partial<Record<WorkerName, () => Promise<WorkerImpl>>>;

/**
 * How long a crashed or hung service gets to let go of what it holds (its stop: timers, sockets, children, operations
 * in flight). A stop on request has its own grace, from the supervisor.
 */
export const RELEASE_MS = 5_000;

type Service = { readonly name: WorkerName; crash(err: unknown): void };

/** Reports an error from a service that has already ended (a timer or socket it left behind fired). */
export type LateError = (name: WorkerName, err: unknown) => void;

/** The service whose code runs now: every timer, socket, promise and child a service creates carries it. */
const running = new AsyncLocalStorage<Service>();

/** What happens to an error that is the agent's own: thrown again, so the process's fatal handlers end the agent. */
const throwAgain = (err: unknown): void => {
  throw err;
};

/** Hands `err` to `fault` from the agent's own context (outside every service), after the current task. */
const asAgent =
  (fault: (err: unknown) => void) =>
  (err: unknown): void =>
    running.exit(() => {
      setImmediate(() => fault(err));
    });

/**
 * Runs the workers as services inside the agent's thread, one V8 isolate for all (docs/decisions.md "Supervised
 * workers"): the same supervisor, messages and schemas as threads, with each message copied as a thread's would be.
 *
 * A crash stays the service's own. Everything a service runs carries it (AsyncLocalStorage), so an uncaught exception or
 * unhandled rejection from its code reaches `claim`, which ends only that service: its own requests still out are
 * answered, its start (if still running) and then its stop are awaited (releasing its timers, sockets, child processes
 * and operations), its messages stop, and the supervisor restarts it with backoff as it would a thread that exited with
 * code 1. A service whose stop does not settle in time cannot be replaced safely (its work would run beside its
 * successor's), so the agent then exits as after its own fault. What a shared isolate cannot do, and threads can: end a
 * service stuck in a busy loop or a blocking call (the whole agent waits; nothing restarts it), or cap one service's heap.
 */
export class InProcessServices {
  private readonly agentFault: (err: unknown) => void;

  /** `fault`: what to do with an error that is the agent's own (tests record it); by default it ends the process. */
  constructor(
    private readonly loaders: ServiceLoaders,
    private readonly late: LateError,
    fault: (err: unknown) => void = throwAgain,
  ) {
    this.agentFault = asAgent(fault);
  }

  private ending = false;

  /**
   * The agent is stopping for good (its process ends next): a service that does not stop in time no longer ends the
   * agent early, since no successor will start beside it. A stop on request (agent:stop, then agent:start) is not final.
   */
  final(): void {
    this.ending = true;
  }

  /** For the process's fatal handlers: ends the service whose code threw and returns true; false for the agent's own code. */
  readonly claim = (err: unknown): boolean => {
    const service = running.getStore();
    if (!service) return false;
    service.crash(err);
    return true;
  };

  readonly spawn: Spawn = (entry, opts) => {
    const load = this.loaders[opts.name];
    return startService(opts.name, load ?? (() => Promise.reject(new Error(`no in-process service for ${opts.name} (${entry})`))), this.late, this.agentFault, () => this.ending);
  };
}

/**
 * `final`: true once the agent itself is stopping (no successor can start in this process, so a service that does not
 * stop in time is left to end with the process instead of ending it early).
 */
function startService(name: WorkerName, load: () => Promise<WorkerImpl>, late: LateError, rethrowAsAgent: (err: unknown) => void, final: () => boolean): WorkerHandle {
  const toAgent: Array<(msg: unknown) => void> = [];
  const exits: Array<(code: number) => void> = [];
  let listener: ((msg: unknown) => void) | undefined;
  /** Messages for the service that came before it listened (the supervisor sends `start` right after spawning). */
  const early: unknown[] = [];
  /** The worker, once its module loaded (never when the service ended first). */
  let hosted: HostedWorker | undefined;
  /** The service closed its port (it has stopped), or it is ending: nothing more goes either way. */
  let closed = false;
  /** The service stopped on the supervisor's request and closed its port. */
  let stoppedItself = false;
  /** A crash or a terminate is ending it; a later error from it is reported, not acted on. */
  let ending = false;
  let escalated = false;
  let exitCode: number | undefined;
  let exited: Promise<void> | undefined;

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
  /** Like a thread's 'exit': once, after the current task, outside the service (the slot's handling is the agent's). */
  const exit = (code: number): Promise<void> => {
    exitCode ??= code;
    const first = exitCode;
    exited ??= new Promise<void>((resolve) =>
      running.exit(() =>
        setImmediate(() => {
          try {
            for (const cb of exits) cb(first);
          } catch (err) {
            rethrowAsAgent(err);
          }
          resolve();
        }),
      ),
    );
    return exited;
  };
  /**
   * Ends the service's work (once: see HostedWorker.release); false when that did not settle in time. Its port is
   * closed by now, so whatever it still asks is answered at once instead of waiting out its deadline.
   */
  const end = (): Promise<boolean> => {
    const h = hosted;
    return h ? running.run(service, () => h.release(RELEASE_MS, true)) : Promise.resolve(true);
  };
  /**
   * A service whose work is still running cannot be replaced: its successor would resume the same operations. With no
   * isolate to end, the agent ends, as after its own fault, and systemd starts a clean one.
   */
  const escalate = (why: string): void => {
    if (escalated) return;
    escalated = true;
    rethrowAsAgent(new Error(`the ${name} service ${why} in time; the agent exits so that no second ${name} service runs beside it`));
  };
  const service: Service = {
    name,
    crash: (err) => {
      if (ending || exitCode !== undefined) return late(name, err);
      ending = closed = true;
      deliverToAgent({ t: 'log', level: 'error', msg: `${name} service crashed; it is stopped and restarted alone`, data: { err: describeError(err) } });
      void end().then((released) => (released || final() ? exit(1) : escalate('did not stop after its crash')));
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
        // Ended while its module loaded: it never runs.
        if (!closed) hosted = hostWorker(made, port, service.crash);
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
    // Like a terminated thread: its work is ended first, and it exits (1 unless it had stopped on request).
    terminate: async () => {
      closed = true;
      ending = true;
      if (!(await end())) {
        if (!final()) return escalate('did not stop');
        deliverToAgent({ t: 'log', level: 'error', msg: `${name} service did not stop in time; it ends with the agent` });
      }
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
