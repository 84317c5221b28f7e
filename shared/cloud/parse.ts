import type { z } from 'zod';
import { isCorrelationId } from './base.js';
import type { CorrelationId } from './base.js';
import { fallbackReason, issueToFailure, NOT_AN_OBJECT_ERROR } from './errors.js';
import type { ValidationFailure } from './errors.js';

export type ParseResult<T> = { ok: true; value: T } | ({ ok: false } & ValidationFailure);

/** A JSON object: not null, not an array, not a class instance (e.g. a Buffer). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates a cloud command against its contract (docs/protocol.md §3.4). On failure, only the first issue
 * (contract declaration order, depth-first) is reported, as the exact §3.4 text plus its path.
 */
export function parseCommand<T>(schema: z.ZodType<T>, payload: unknown): ParseResult<T> {
  if (!isPlainObject(payload)) return { ok: false, error: NOT_AN_OBJECT_ERROR, field: '' };
  const result = schema.safeParse(payload, { error: (iss) => fallbackReason(iss) });
  if (result.success) return { ok: true, value: result.data };
  const first = result.error.issues[0];
  if (first === undefined) return { ok: false, error: 'Validation error: invalid message', field: '' };
  return { ok: false, ...issueToFailure(first, payload) };
}

/** The correlation id to echo: the payload's own when it is a number or a string, else null. */
export function echoCorrelationId(payload: unknown): CorrelationId | null {
  if (!isPlainObject(payload)) return null;
  const id = payload['correlation_id'];
  return isCorrelationId(id) ? id : null;
}

export interface ValidationAck {
  status: 'error';
  error: string;
  action: string;
  correlation_id: CorrelationId | null;
  field: string;
}

/**
 * The ack for a request that failed validation, keys in §3.4 order:
 * `{"status":"error","error":…,"action":<topic>,"correlation_id":<echo or null>,"field":…}`.
 * `correlationId` is the raw value from the payload; only a number or a string is echoed.
 */
export function validationAck(topic: string, correlationId: unknown, err: ValidationFailure): ValidationAck {
  return {
    status: 'error',
    error: err.error,
    action: topic,
    correlation_id: isCorrelationId(correlationId) ? correlationId : null,
    field: err.field,
  };
}
