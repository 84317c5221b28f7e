import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../../../electron/lib/sync/keyed-lock.js';

const gate = (): { wait: Promise<void>; open: () => void } => {
  let open = (): void => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
};

describe('KeyedLock', () => {
  it('runs work for one key in arrival order and keys apart from each other', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const g = gate();
    const a = lock.run('plc1', async () => {
      await g.wait;
      order.push('a');
    });
    const b = lock.run('plc1', async () => void order.push('b'));
    await lock.run('plc2', async () => void order.push('other'));
    g.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['other', 'a', 'b']);
    expect(lock.busy('plc1')).toBe(false);
  });

  it('idle: true at once for a free key, true once queued work drains, and queues nothing itself', async () => {
    const lock = new KeyedLock();
    expect(await lock.idle('plc1', 1_000)).toBe(true);
    const first = gate();
    const second = gate();
    const ran: string[] = [];
    void lock.run('plc1', async () => {
      await first.wait;
      ran.push('first');
    });
    void lock.run('plc1', async () => {
      await second.wait;
      ran.push('second');
    });
    const idle = lock.idle('plc1', 10_000);
    first.open();
    await Promise.resolve();
    second.open();
    expect(await idle).toBe(true);
    expect(ran).toEqual(['first', 'second']);
    expect(lock.busy('plc1')).toBe(false);
  });

  it('idle: false when the work outlasts the wait, and the work still runs afterwards', async () => {
    const lock = new KeyedLock();
    const g = gate();
    let done = false;
    const work = lock.run('plc1', async () => {
      await g.wait;
      done = true;
    });
    expect(await lock.idle('plc1', 20)).toBe(false);
    expect(lock.busy('plc1')).toBe(true);
    g.open();
    await work;
    expect(done).toBe(true);
  });

  it('idle survives failing work', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('plc1', () => Promise.reject(new Error('boom')));
    expect(await lock.idle('plc1', 1_000)).toBe(true);
    await expect(failed).rejects.toThrow('boom');
  });
});
