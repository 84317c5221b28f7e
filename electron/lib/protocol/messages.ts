import { z } from 'zod';

/** The envelope every request to a worker resolves to (docs/architecture.md D1/D2). */
export const Envelope = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) }),
]);
export type Envelope = z.infer<typeof Envelope>;

export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);

/** Main → worker. */
export const ToWorker = z.discriminatedUnion('t', [
  z.object({ t: z.literal('start'), config: z.unknown() }),
  z.object({ t: z.literal('req'), id: z.number().int(), op: z.string(), input: z.unknown() }),
  z.object({ t: z.literal('stop'), graceMs: z.number().int().positive() }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

/** Worker → main. */
export const FromWorker = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ready') }),
  z.object({ t: z.literal('alive'), at: z.number() }),
  z.object({ t: z.literal('res'), id: z.number().int(), result: Envelope }),
  z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({ t: z.literal('log'), level: LogLevel, msg: z.string(), data: z.record(z.string(), z.unknown()).optional() }),
  z.object({ t: z.literal('stopped') }),
]);
export type FromWorker = z.infer<typeof FromWorker>;

export const ALIVE_INTERVAL_MS = 2_000;
