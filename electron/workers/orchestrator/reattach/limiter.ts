export type Limiter = { run<T>(fn: () => Promise<T>): Promise<T> };

/** At most `bound` of the functions run at a time (docs/decisions.md "Reconcile granularity": different vPLCs in parallel with a small bound). */
export function limiter(bound: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= bound) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
  };
}
