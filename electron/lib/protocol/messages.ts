import { z } from 'zod';

/** The agent's workers; a worker's request names its target by one of these (docs/architecture.md "The worker bus"). */
export const WorkerName = z.enum(['netmon', 'orchestrator', 'cloudlink']);
export type WorkerName = z.infer<typeof WorkerName>;

/**
 * Why a request failed. Handlers raise VALIDATION, UNKNOWN_OP, UNAVAILABLE and FORBIDDEN on purpose; INTERNAL is any
 * other throw; TIMEOUT and NO_ROUTE come from the carrier (the slot or the bus), never from a handler.
 */
export const ErrorCode = z.enum(['VALIDATION', 'UNKNOWN_OP', 'INTERNAL', 'UNAVAILABLE', 'FORBIDDEN', 'TIMEOUT', 'NO_ROUTE', 'NOT_FOUND', 'CONFLICT']);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The envelope every request resolves to, whoever asked (docs/architecture.md D1/D2). */
export const Envelope = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: ErrorCode, message: z.string(), field: z.string().optional() }) }),
]);
export type Envelope = z.infer<typeof Envelope>;

export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);

/**
 * Main → worker: start and stop it, a request for it to answer, the answer to a request it made, or a probe (the
 * supervisor asks whether the thread still turns its event loop, and what it is: see `alive`).
 */
export const ToWorker = z.discriminatedUnion('t', [
  z.object({ t: z.literal('start'), config: z.unknown() }),
  z.object({ t: z.literal('req'), id: z.number().int(), op: z.string(), input: z.unknown() }),
  z.object({ t: z.literal('res'), id: z.number().int(), result: Envelope }),
  z.object({ t: z.literal('stop'), graceMs: z.number().int().positive() }),
  z.object({ t: z.literal('probe'), id: z.number().int() }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

/** Worker → main. `req` asks another worker (through the bus); `res` answers a request made to this worker. */
export const FromWorker = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ready') }),
  /** The answer to probe `id`: the thread's OS thread id and its isolate's V8 heap, in bytes. */
  z.object({ t: z.literal('alive'), id: z.number().int(), tid: z.number().int(), heapUsed: z.number(), heapTotal: z.number() }),
  z.object({ t: z.literal('res'), id: z.number().int(), result: Envelope }),
  z.object({ t: z.literal('req'), id: z.number().int(), to: WorkerName, op: z.string(), input: z.unknown(), timeoutMs: z.number().int().positive() }),
  z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({ t: z.literal('log'), level: LogLevel, msg: z.string(), data: z.record(z.string(), z.unknown()).optional() }),
  z.object({ t: z.literal('stopped') }),
]);
export type FromWorker = z.infer<typeof FromWorker>;
export type WorkerRequest = Extract<FromWorker, { t: 'req' }>;

export type ThreadFacts = Omit<Extract<FromWorker, { t: 'alive' }>, 't' | 'id'>;
