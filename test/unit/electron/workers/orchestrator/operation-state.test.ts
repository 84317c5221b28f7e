import { describe, expect, it } from 'vitest';
import { OperationState } from '../../../../../electron/workers/orchestrator/ops/operation-state.js';

function clockAt(start: number): { now: () => number; monotonic: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, monotonic: () => t, advance: (ms) => (t += ms) };
}

describe('OperationState', () => {
  it('refuses a second create or delete while one is in progress, and allows one after an error', () => {
    const s = new OperationState(clockAt(0));
    expect(s.begin('p', 'create')).toBe(true);
    expect(s.begin('p', 'delete')).toBe(false);
    expect(s.inProgress('p')).toBe('create');
    s.setError('p', 'boom');
    expect(s.inProgress('p')).toBeNull();
    expect(s.begin('p', 'delete')).toBe(true);
  });

  it('keeps the operation kind when an error is set on an existing entry and uses "unknown" otherwise', () => {
    const s = new OperationState(clockAt(0));
    s.begin('a', 'delete');
    s.setError('a', 'x');
    s.setError('b', 'y');
    expect(s.get('a')).toMatchObject({ status: 'error', operation: 'delete', error: 'x' });
    expect(s.get('b')).toMatchObject({ status: 'error', operation: 'unknown' });
  });

  it('ignores a step on an unknown name', () => {
    const s = new OperationState(clockAt(0));
    s.setStep('ghost', 'pulling_image');
    expect(s.get('ghost')).toBeUndefined();
  });

  it('carries pull progress only at pulling_image, drops it at the next step or an error, and hands out copies', () => {
    const s = new OperationState(clockAt(0));
    const p = { layers_done: 1, layers_total: 3, bytes_done: 12_400_000, bytes_total: 30_100_000 };
    s.begin('p', 'create');
    s.setStep('p', 'validating_config');
    s.setPullProgress('p', p);
    expect(s.get('p')?.pull_progress).toBeNull();
    s.setStep('p', 'pulling_image');
    s.setPullProgress('p', p);
    const read = s.get('p');
    expect(read?.pull_progress).toEqual(p);
    read!.pull_progress!.bytes_done = 0;
    expect(s.get('p')?.pull_progress?.bytes_done).toBe(12_400_000);
    s.setStep('p', 'creating_networks');
    expect(s.get('p')?.pull_progress).toBeNull();
    s.setPullProgress('p', p);
    expect(s.get('p')?.pull_progress).toBeNull();
    s.begin('q', 'create');
    s.setStep('q', 'pulling_image');
    s.setPullProgress('q', p);
    s.setError('q', 'pull failed');
    expect(s.get('q')?.pull_progress).toBeNull();
    s.setPullProgress('ghost', p);
    expect(s.get('ghost')).toBeUndefined();
  });

  it('expires error entries after 15 minutes and keeps the last error for 24 hours', () => {
    const c = clockAt(0);
    const s = new OperationState(c);
    s.setError('p', 'boom', 'create');
    c.advance(15 * 60_000 - 1);
    expect(s.get('p')?.status).toBe('error');
    c.advance(1);
    expect(s.get('p')).toBeUndefined();
    expect(s.lastError('p')).toMatchObject({ operation: 'create', error: 'boom' });
    c.advance(24 * 3_600_000);
    expect(s.lastError('p')).toBeNull();
  });

  it('uses naive local ISO timestamps with six fractional digits', () => {
    const s = new OperationState(clockAt(Date.UTC(2026, 3, 10, 12, 0, 0, 123)));
    s.begin('p', 'create');
    expect(s.get('p')?.started_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.123000$/);
  });

  it('ends a create "with problems": the entry goes, the problems stay 24 h and a new create clears them', () => {
    const c = clockAt(0);
    const s = new OperationState(c);
    s.begin('p', 'create');
    s.finishWithProblems('p', ["no DHCP lease on vNIC 'lan'"]);
    expect(s.get('p')).toBeUndefined();
    expect(s.createProblems('p')).toEqual(["no DHCP lease on vNIC 'lan'"]);
    c.advance(24 * 60 * 60_000);
    expect(s.createProblems('p')).toBeNull();
    s.finishWithProblems('p', ['x']);
    s.begin('p', 'create');
    expect(s.createProblems('p')).toBeNull();
    s.finishWithProblems('p', []);
    expect(s.createProblems('p')).toBeNull();
  });
});
