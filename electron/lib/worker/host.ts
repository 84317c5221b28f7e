import { parentPort } from 'node:worker_threads';
import { ALIVE_INTERVAL_MS, FromWorker, ToWorker, type Envelope } from '../protocol/messages.js';

export type WorkerLogger = {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
};

export type WorkerApi = {
  emit(name: string, payload: unknown): void;
  log: WorkerLogger;
};

/** What a worker class provides to its entry file. */
export type WorkerImpl = {
  start(config: unknown, api: WorkerApi): Promise<void>;
  /** One handler per op; the input is the raw value, parsed by the handler with its own schema. */
  handle(op: string, input: unknown): Promise<unknown>;
  stop(graceMs: number): Promise<void>;
};

/** An error a handler throws on purpose, carried to the caller with its code and field. */
export class WorkerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function toEnvelope(err: unknown): Envelope {
  if (err instanceof WorkerError) return { ok: false, error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
  return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

/**
 * Connects `parentPort` to a worker implementation: zod-validated messages in and out, `alive` beats every 2 s,
 * and no handler error ever escapes (each request gets exactly one `res`).
 */
export function hostWorker(impl: WorkerImpl): void {
  const port = parentPort;
  if (!port) throw new Error('hostWorker must run inside a worker thread');
  const post = (m: FromWorker): void => port.postMessage(FromWorker.parse(m));
  const api: WorkerApi = {
    emit: (name, payload) => post({ t: 'event', name, payload }),
    log: {
      debug: (msg, data) => post({ t: 'log', level: 'debug', msg, ...(data ? { data } : {}) }),
      info: (msg, data) => post({ t: 'log', level: 'info', msg, ...(data ? { data } : {}) }),
      warn: (msg, data) => post({ t: 'log', level: 'warn', msg, ...(data ? { data } : {}) }),
      error: (msg, data) => post({ t: 'log', level: 'error', msg, ...(data ? { data } : {}) }),
    },
  };
  const alive = setInterval(() => post({ t: 'alive', at: Date.now() }), ALIVE_INTERVAL_MS);
  port.on('message', (raw: unknown) => {
    const msg = ToWorker.safeParse(raw);
    if (!msg.success) {
      api.log.warn('worker ignored a malformed message', { issue: msg.error.issues[0]?.message });
      return;
    }
    const m = msg.data;
    if (m.t === 'start') {
      impl.start(m.config, api).then(
        () => post({ t: 'ready' }),
        (err: unknown) => {
          api.log.error('worker failed to start', { err: err instanceof Error ? err.message : String(err) });
          // A worker that cannot start is a crash: the supervisor restarts it with backoff.
          setImmediate(() => process.exit(1));
        },
      );
    } else if (m.t === 'req') {
      impl.handle(m.op, m.input).then(
        (value) => post({ t: 'res', id: m.id, result: { ok: true, value } }),
        (err: unknown) => post({ t: 'res', id: m.id, result: toEnvelope(err) }),
      );
    } else {
      clearInterval(alive);
      impl
        .stop(m.graceMs)
        .catch((err: unknown) => api.log.warn('worker stop failed', { err: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          post({ t: 'stopped' });
          port.close();
        });
    }
  });
}
