export type Backoff = { baseMs: number; maxMs: number; /** 0.3 means ±30 % */ jitter: number };

/** Exponential backoff with symmetric jitter: base × 2^attempt, capped, then scaled by 1 ± jitter. */
export const backoffDelay = (attempt: number, b: Backoff, random: () => number = Math.random): number =>
  Math.round(Math.min(b.baseMs * 2 ** attempt, b.maxMs) * (1 - b.jitter + 2 * b.jitter * random()));
