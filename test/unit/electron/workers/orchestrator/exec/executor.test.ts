import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../../../../electron/workers/orchestrator/context.js';
import { Engine } from '../../../../../../electron/workers/orchestrator/docker/engine.js';
import { Executor } from '../../../../../../electron/workers/orchestrator/exec/executor.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function gate(): { open: () => void; opened: Promise<void> } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('Executor.serial (the per-vPLC queue every actor takes)', () => {
  it('runs work for one vPLC strictly in arrival order, and work for another vPLC meanwhile', async () => {
    const exec = new Executor(new Engine(), quiet);
    const order: string[] = [];
    const first = gate();
    const a1 = exec.serial('a', async () => {
      order.push('a1 start');
      await first.opened;
      order.push('a1 end');
    });
    const a2 = exec.serial('a', () => Promise.resolve(void order.push('a2')));
    const b = exec.serial('b', () => Promise.resolve(void order.push('b')));
    await b;
    expect(exec.busy('a')).toBe(true);
    expect(order).toEqual(['a1 start', 'b']);
    first.open();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(exec.busy('a')).toBe(false);
  });

  it('keeps the queue going after a failed section', async () => {
    const exec = new Executor(new Engine(), quiet);
    const failed = exec.serial('a', () => Promise.reject(new Error('boom')));
    const next = exec.serial('a', () => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });
});
