import type { z } from 'zod';
import type { ErrorCode } from '../protocol/messages.js';

/** An error a handler throws on purpose, carried to the caller with its code and field. */
export class WorkerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** One op: its input schema (parsed once, before `run`) and what it does with the parsed input. */
export type Handler<S extends z.ZodType> = { input: S; run: (input: z.output<S>) => Promise<unknown> };

declare const table: unique symbol;
/**
 * A worker's ops, made by `handlers()` only. Calling it runs one op; it rejects with a WorkerError for an unknown op
 * (UNKNOWN_OP) or an input its schema refuses (VALIDATION, naming the field), and with whatever `run` threw otherwise.
 */
export type OpTable = ((op: string, input: unknown) => Promise<unknown>) & { readonly ops: readonly string[]; readonly [table]: true };

/** Where a zod failure points: the first issue's path, or `input` for the input as a whole. */
export function issueField(error: z.ZodError): string {
  const path = error.issues[0]?.path ?? [];
  return path.length ? path.join('.') : 'input';
}

/** The one handler style of every worker: `handlers({ 'op.name': { input: Schema, run: async (input) => … } })`. */
export function handlers<T extends Record<string, z.ZodType>>(ops: { [K in keyof T]: Handler<T[K]> }): OpTable {
  const byName = new Map<string, Handler<z.ZodType>>(Object.entries(ops));
  const call = async (op: string, input: unknown): Promise<unknown> => {
    const h = byName.get(op);
    if (!h) throw new WorkerError('UNKNOWN_OP', `no op ${op}`, 'op');
    const parsed = h.input.safeParse(input);
    if (!parsed.success) {
      const field = issueField(parsed.error);
      throw new WorkerError('VALIDATION', `${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, field);
    }
    return h.run(parsed.data);
  };
  return Object.assign(call, { ops: [...byName.keys()] }) as unknown as OpTable;
}

/** A table whose input schemas come from a shared op list (e.g. the orchestrator's), every op sent to one `run`. */
export function handlersFor<T extends Record<string, z.ZodType>>(schemas: T, run: <K extends keyof T & string>(op: K, input: z.output<T[K]>) => Promise<unknown>): OpTable {
  const entries = Object.keys(schemas).map((op) => [op, { input: schemas[op], run: (input: unknown) => run(op, input as never) }] as const);
  return handlers(Object.fromEntries(entries) as { [K in keyof T]: Handler<T[K]> });
}
