import { readlinkSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { FromWorker, ToWorker, type Envelope, type ThreadFacts, type WorkerName } from '../protocol/messages.js';
import { WorkerError, type OpTable } from './handlers.js';

export { WorkerError, handlers, handlersFor, type Handler, type OpTable } from './handlers.js';

export type WorkerLogger = {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
};

export type WorkerApi = {
  emit(name: string, payload: unknown): void;
  /**
   * Asks another worker through the bus. Never rejects: the answer, or an error envelope (NO_ROUTE when the bus has no
   * route for it, UNAVAILABLE when the target is not running, TIMEOUT past `timeoutMs`).
   */
  request(to: WorkerName, op: string, input: unknown, timeoutMs: number): Promise<Envelope>;
  log: WorkerLogger;
  /** Ends this worker as a crash (a fault it cannot recover from): the supervisor restarts it with backoff. */
  fail(err: unknown): void;
};

/** The worker's end of its channel to the supervisor: a thread's `parentPort`, or an in-process service's port. */
export type WorkerPort = {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (msg: unknown) => void): unknown;
  close(): void;
};

/** A thread ends as a crash by exiting: its isolate goes with it. */
const exitThread = (): void => void setImmediate(() => process.exit(1));

/** What a worker class provides to its entry file. */
export type WorkerImpl = {
  start(config: unknown, api: WorkerApi): Promise<void>;
  /** The worker's ops, made with `handlers()`: each input is parsed once, by the op's own schema. */
  readonly handle: OpTable;
  stop(graceMs: number): Promise<void>;
};

/** Beyond its own deadline the bus always answers; this local one only guards against a main thread that never does. */
const LOCAL_GRACE_MS = 5_000;

function toEnvelope(err: unknown): Envelope {
  if (err instanceof WorkerError) return { ok: false, error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
  return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

type Post = (m: FromWorker) => void;

/** The worker's own outgoing requests: each settles exactly once, with the bus's answer or a local error. */
class Outgoing {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (e: Envelope) => void; timer: NodeJS.Timeout }>();

  /** Set once the worker crashed: nothing it asks can be answered any more, so it is told at once. */
  private refusal?: string;

  constructor(private readonly post: Post) {}

  request(to: WorkerName, op: string, input: unknown, timeoutMs: number): Promise<Envelope> {
    if (this.refusal !== undefined) return Promise.resolve({ ok: false, error: { code: 'UNAVAILABLE', message: this.refusal } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(id, { ok: false, error: { code: 'TIMEOUT', message: `no answer from the bus for ${to} ${op}` } }), timeoutMs + LOCAL_GRACE_MS);
      this.pending.set(id, { resolve, timer });
      this.post({ t: 'req', id, to, op, input, timeoutMs });
    });
  }

  settle(id: number, result: Envelope): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(result);
  }

  settleAll(message: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, error: { code: 'UNAVAILABLE', message } });
  }

  /** Answers every request out now and every later one at once (the worker's stop may still ask). */
  refuse(message: string): void {
    this.refusal = message;
    this.settleAll(message);
  }
}

function loggerOver(post: Post): WorkerLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, data?: Record<string, unknown>): void =>
      post({ t: 'log', level, msg, ...(data ? { data } : {}) });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

let ownTid: number | undefined;

/** This thread's OS thread id (/proc/thread-self names it; 0 where there is no procfs) and its heap. */
function threadFacts(): ThreadFacts {
  if (ownTid === undefined) {
    try {
      ownTid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1] ?? 0);
    } catch {
      ownTid = 0;
    }
  }
  const heap = getHeapStatistics();
  return { tid: ownTid, heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size };
}

/** What the host of a worker lets its carrier do (an in-process service's handle; a thread has no use for it). */
export type HostedWorker = {
  /**
   * Ends the worker's work once, however often it is asked (a stop message, a crash, a terminate): waits for a start
   * still running, then calls its stop. `crashed` first answers the worker's own requests, those out and any its stop
   * makes, with UNAVAILABLE (nobody will answer them). Resolves true when all of that settled within `graceMs`, false when the stop failed or is still running.
   */
  release(graceMs: number, crashed: boolean): Promise<boolean>;
};

const settledWithin = (work: Promise<unknown>, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });

/**
 * Connects `parentPort` to a worker implementation: zod-validated messages in and out, an `alive` answer to each
 * probe (no timer of its own: the supervisor watches the thread's event loop and probes only when that shows no
 * idle time), requests both ways, and no handler error ever escapes (each request to the worker gets exactly one `res`).
 * `port` is the thread's parent port; tests pass one end of a MessageChannel, and an in-process service its own port
 * with `crash`, which ends that service instead of the thread.
 */
export function hostWorker(impl: WorkerImpl, port: WorkerPort | null = parentPort, crash: (err: unknown) => void = exitThread): HostedWorker {
  if (!port) throw new Error('hostWorker must run inside a worker thread');
  const post: Post = (m) => port.postMessage(FromWorker.parse(m));
  const outgoing = new Outgoing(post);
  const api: WorkerApi = {
    emit: (name, payload) => post({ t: 'event', name, payload }),
    request: (to, op, input, timeoutMs) => outgoing.request(to, op, input, timeoutMs),
    log: loggerOver(post),
    fail: crash,
  };
  let starting: Promise<unknown> = Promise.resolve();
  let releasing: Promise<boolean> | undefined;
  const hosted: HostedWorker = {
    release: (graceMs, crashed) => {
      if (crashed) outgoing.refuse('the worker crashed');
      releasing ??= (async () => {
        const deadline = performance.now() + graceMs;
        // A stop during start would find nothing to stop yet, and what the start builds next would run on unowned.
        if (!(await settledWithin(starting.catch(() => undefined), graceMs))) return false;
        // A stop that throws at once counts as a failed stop, not as an error of whoever asked.
        const stopping = Promise.resolve()
          .then(() => impl.stop(Math.max(1, Math.round(deadline - performance.now()))))
          .catch((err: unknown) => {
            api.log.warn('worker stop failed', { err: err instanceof Error ? err.message : String(err) });
            throw err;
          });
        return settledWithin(stopping, deadline - performance.now());
      })();
      return releasing;
    },
  };
  port.on('message', (raw: unknown) => {
    const msg = ToWorker.safeParse(raw);
    if (!msg.success) {
      api.log.warn('worker ignored a malformed message', { issue: msg.error.issues[0]?.message });
      return;
    }
    const m = msg.data;
    if (m.t === 'start') {
      starting = impl.start(m.config, api);
      starting.then(
        () => post({ t: 'ready' }),
        (err: unknown) => {
          api.log.error('worker failed to start', { err: err instanceof Error ? err.message : String(err) });
          // A worker that cannot start is a crash: the supervisor restarts it with backoff.
          crash(err);
        },
      );
    } else if (m.t === 'req') {
      impl.handle(m.op, m.input).then(
        (value) => post({ t: 'res', id: m.id, result: { ok: true, value } }),
        (err: unknown) => post({ t: 'res', id: m.id, result: toEnvelope(err) }),
      );
    } else if (m.t === 'res') {
      outgoing.settle(m.id, m.result);
    } else if (m.t === 'probe') {
      post({ t: 'alive', id: m.id, ...threadFacts() });
    } else {
      void hosted.release(m.graceMs, false).then((released) => {
        if (!released) api.log.warn('worker did not stop within its grace period', { graceMs: m.graceMs });
        outgoing.settleAll('the worker is stopping');
        post({ t: 'stopped' });
        port.close();
      });
    }
  });
  return hosted;
}
