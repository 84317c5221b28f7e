import { describe, expect, it } from 'vitest';
import { limiter } from '../../../../../../electron/workers/orchestrator/reattach/limiter.js';

const gate = (): { wait: Promise<void>; open: () => void } => {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
};
const ticks = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('limiter', () => {
  it('runs at most `bound` functions at once, the rest in arrival order', async () => {
    const lim = limiter(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const done = gates.map((g, i) =>
      lim.run(async () => {
        started.push(i);
        await g.wait;
        return i;
      }),
    );
    await ticks();
    expect(started).toEqual([0, 1]);
    gates[1]?.open();
    await ticks();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.open();
    gates[2]?.open();
    gates[3]?.open();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('frees the slot when a function throws', async () => {
    const lim = limiter(1);
    await expect(lim.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lim.run(() => Promise.resolve('next'))).toBe('next');
  });
});
