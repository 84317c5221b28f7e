import { z } from 'zod';

export const ApiErrorCode = z.enum(['VALIDATION', 'UNKNOWN_CHANNEL', 'UNAVAILABLE', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TIMEOUT', 'INTERNAL']);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

export const ApiError = z.object({ code: ApiErrorCode, message: z.string(), field: z.string().optional() });
export type ApiError = z.infer<typeof ApiError>;

/** Every API call resolves to one of these; errors never surface as a rejected promise in the renderer. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const fail = (code: ApiErrorCode, message: string, field?: string): Envelope<never> => ({
  ok: false,
  error: { code, message, ...(field ? { field } : {}) },
});
