import type Docker from 'dockerode';
import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../../../../electron/workers/orchestrator/context.js';
import { Engine } from '../../../../../../electron/workers/orchestrator/docker/engine.js';
import { Executor, OWN_STOP_GRACE_MS } from '../../../../../../electron/workers/orchestrator/exec/executor.js';

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

describe('Executor.stoppedByAgent (the kill events the agent causes itself)', () => {
  it('holds while a stop or remove step of the vPLC runs and for the grace after it, for that container only', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const stopping = gate();
      const docker = { getContainer: () => ({ stop: () => stopping.opened, remove: () => Promise.resolve() }) } as unknown as Docker;
      const exec = new Executor(new Engine(docker), quiet);
      const fullId = 'abc123def456' + '0'.repeat(52);
      expect(exec.stoppedByAgent('plc-a', fullId)).toBe(false);
      const step = exec.run({ kind: 'stop', container: 'abc123def456', timeoutSec: 10, vplc: 'plc-a', by: 'ui', reason: 'test' });
      expect(exec.stoppedByAgent('plc-a', fullId)).toBe(true);
      // Another container of the same vPLC (a helper) and another vPLC are not the step's.
      expect(exec.stoppedByAgent('plc-a', 'ffff' + '0'.repeat(60))).toBe(false);
      expect(exec.stoppedByAgent('plc-b', fullId)).toBe(false);
      stopping.open();
      await step;
      vi.advanceTimersByTime(OWN_STOP_GRACE_MS - 100);
      expect(exec.stoppedByAgent('plc-a', fullId)).toBe(true);
      vi.advanceTimersByTime(200);
      expect(exec.stoppedByAgent('plc-a', fullId)).toBe(false);
      // A removal named by the vPLC's container name counts for every id of it; a start does not count at all.
      await exec.run({ kind: 'remove', container: 'plc-a', vplc: 'plc-a', by: 'ui', reason: 'test' });
      expect(exec.stoppedByAgent('plc-a', fullId)).toBe(true);
      vi.advanceTimersByTime(OWN_STOP_GRACE_MS + 1);
      const started = { getContainer: () => ({ start: () => Promise.resolve() }) } as unknown as Docker;
      const other = new Executor(new Engine(started), quiet);
      await other.run({ kind: 'start', container: 'plc-a', vplc: 'plc-a', by: 'ui', reason: 'test' });
      expect(other.stoppedByAgent('plc-a', fullId)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
