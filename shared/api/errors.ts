import { z } from 'zod';
import { ApiErrorCode } from './envelope.js';

/** The codes an orchestrator refusal carries to the local API (a refused create, delete, ...). */
export const RefusalCode = ApiErrorCode.extract(['VALIDATION', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND']);
export type RefusalCode = z.infer<typeof RefusalCode>;

/**
 * A refused request as the orchestrator answers it: the cloud ack's `{status: 'error', error}` plus the typed code
 * (and the request field it concerns) the local API turns into its error envelope. `code` and `field` never reach
 * the cloud: `cloudAck` drops them.
 */
export const Refusal = z.object({ status: z.literal('error'), error: z.string(), code: RefusalCode.optional(), field: z.string().optional() });
export type Refusal = z.infer<typeof Refusal>;

export function refusal(code: RefusalCode, error: string, field?: string): Refusal {
  return { status: 'error', error, code, ...(field ? { field } : {}) };
}

/** The ack body the cloud sees: the answer without the local API's `code`/`field` (the cloud wire shape is fixed). */
export function cloudAck<T extends object>(answer: T): Omit<T, 'code' | 'field'> {
  const { code: _code, field: _field, ...rest } = answer as T & { code?: unknown; field?: unknown };
  return rest;
}
