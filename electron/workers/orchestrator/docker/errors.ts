/** Guards over dockerode errors, which carry the HTTP status in `statusCode` and the engine's text in `json.message`. */

export function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function dockerMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const json = (err as { json?: unknown }).json;
    if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
      return (json as { message: string }).message;
    }
    if (err instanceof Error) return err.message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
  }
  return String(err);
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isNotModified = (err: unknown): boolean => statusOf(err) === 304;

/** runc refuses real-time ulimits on rootless, LXC and sandboxed hosts: "error setting rlimit … operation not permitted". */
export const isRlimitRefusal = (err: unknown): boolean => /error setting rlimit/i.test(dockerMessage(err)) && /not permitted/i.test(dockerMessage(err));

export const isOverlapError = (err: unknown): boolean => /overlaps/i.test(dockerMessage(err));

/** A failure that carries the exact text get_device_status must show. */
export class OperationError extends Error {
  constructor(message: string, readonly step?: string) {
    super(message);
    this.name = 'OperationError';
  }
}
