import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkConflict, WorkQueue } from '../../../../electron/core/work-queue/queue.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const file = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-work-'));
  dirs.push(d);
  return path.join(d, 'work-queue.json');
};
const log = { warn: () => undefined };

/** A backend that records calls and lets the test decide when each one finishes. */
function backend() {
  const calls: string[] = [];
  const gates: Array<() => void> = [];
  const wait = (): Promise<void> => new Promise((r) => gates.push(r));
  return {
    calls,
    release: () => gates.shift()?.(),
    control: async (action: 'start' | 'stop' | 'restart', name: string) => {
      calls.push(`${action} ${name}`);
      await wait();
      return name === 'bad' ? { status: 'error' as const, device_id: name, error: 'Device not found: bad' } : { status: 'success' as const, device_id: name, container_status: 'x', message: `${action} done` };
    },
    deleteVplc: async (name: string) => {
      calls.push(`cleanup ${name}`);
      await wait();
      return { ok: true as const };
    },
  };
}
/** Waits (without a time bound of its own; vitest's test timeout applies) until the backend saw `n` calls. */
async function calls(b: { calls: string[] }, n: number): Promise<void> {
  while (b.calls.length < n) await new Promise((r) => setTimeout(r, 2));
}

describe('the work queue', () => {
  it('runs a command once per id and answers a repeat with the recorded result', async () => {
    const b = backend();
    const q = new WorkQueue(file(), b, log);
    await q.open();
    const first = q.submit('a1', 'plc', 'stop');
    await calls(b, 1);
    b.release();
    expect(await first).toMatchObject({ id: 'a1', state: 'done', result: 'ok', message: 'stop done' });
    expect(await q.submit('a1', 'plc', 'stop')).toMatchObject({ result: 'ok' });
    expect(b.calls).toEqual(['stop plc']);
    await expect(q.submit('a1', 'plc', 'restart')).rejects.toBeInstanceOf(WorkConflict);
  });

  it('runs commands for one vPLC in order, one at a time, and records errors', async () => {
    const b = backend();
    const q = new WorkQueue(file(), b, log);
    await q.open();
    const s1 = q.submit('1', 'plc', 'stop');
    const s2 = q.submit('2', 'plc', 'start');
    const other = q.submit('3', 'bad', 'restart');
    await calls(b, 2);
    expect(b.calls.sort()).toEqual(['restart bad', 'stop plc']);
    b.release();
    b.release();
    await calls(b, 3);
    expect(b.calls[2]).toBe('start plc');
    b.release();
    await Promise.all([s1, s2, other]);
    expect(q.list(10).map((i) => `${i.id}:${i.result}`)).toEqual(['3:error', '2:ok', '1:ok']);
    expect(q.get('3')?.message).toBe('Device not found: bad');
  });

  it('keeps results across a restart, marks an interrupted command, and quarantines a corrupt file', async () => {
    const f = file();
    const b = backend();
    const q = new WorkQueue(f, b, log);
    await q.open();
    const done = q.submit('x', 'plc', 'cleanup');
    await calls(b, 1);
    void q.submit('y', 'plc', 'start');
    b.release();
    await done;
    await calls(b, 2);
    const again = new WorkQueue(f, backend(), log);
    await again.open();
    expect(again.get('x')).toMatchObject({ state: 'done', result: 'ok', message: 'cleanup of plc started' });
    expect(again.get('y')).toMatchObject({ state: 'done', result: 'error', message: expect.stringContaining('interrupted by an agent restart') });
    writeFileSync(f, '{ nope');
    const broken = new WorkQueue(f, backend(), log);
    await broken.open();
    expect(broken.problems[0]).toMatch(/corrupt.*moved to/);
    expect(readdirSync(path.dirname(f)).some((n) => n.startsWith('work-queue.json.corrupt-'))).toBe(true);
  });
});
