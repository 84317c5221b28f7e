import { describe, expect, it } from 'vitest';
import { connectionOf, errorText, programLoaded, taskView } from '../../../../../../electron/workers/orchestrator/plc/view.js';
import { PlcSessionError } from '../../../../../../electron/workers/orchestrator/plc/types.js';
import { PlcTaskView } from '../../../../../../shared/domain/plc.js';
import { fixtureTasks } from './fake-sessions.js';

describe('PLC view mapping', () => {
  it('tells a loaded program from the status word', () => {
    expect(programLoaded('EMPTY')).toBe(false);
    expect(programLoaded('RUNNING')).toBe(true);
    expect(programLoaded('STOPPED')).toBe(true);
    for (const w of ['INIT', 'ERROR', 'TRANSITIONING', 'UNKNOWN'] as const) expect(programLoaded(w)).toBeNull();
    expect(programLoaded(null)).toBeNull();
  });

  it('maps the recorded task figures of a real runtime to a valid task view', () => {
    const [t] = fixtureTasks('running').map(taskView);
    expect(PlcTaskView.parse(t)).toEqual({
      name: 'TASK0',
      scan_time: { min: 3, avg: 7, max: 56 },
      cycle_time: { min: 7237, avg: 6330, max: 12751 },
      cycle_latency: { min: 28, avg: 87, max: 2798 },
      overruns: 0,
      scan_count: 201,
    });
  });

  it('clamps negative or non-finite figures to zero (the view never fails its schema)', () => {
    const [raw] = fixtureTasks('running');
    if (!raw) throw new Error('fixture without a task');
    const t = taskView({ ...raw, cycle_latency_min: -4, overruns: Number.NaN, scan_count: 12.7 });
    expect(t.cycle_latency.min).toBe(0);
    expect(t.overruns).toBe(0);
    expect(t.scan_count).toBe(12);
    expect(PlcTaskView.safeParse(t).success).toBe(true);
  });

  it('names the connection from the session error kind', () => {
    expect(connectionOf(new PlcSessionError('auth_failed', 'refused'))).toBe('auth_failed');
    expect(connectionOf(new PlcSessionError('unreachable', 'no answer'))).toBe('unreachable');
    expect(connectionOf(new PlcSessionError('no_credentials', 'none'))).toBe('not_connected');
    expect(connectionOf(new PlcSessionError('bad_answer', 'garbled'))).toBe('error');
    expect(connectionOf(new PlcSessionError('refused', 'refused'))).toBe('error');
    expect(connectionOf(new TypeError('boom'))).toBe('error');
  });

  it('never repeats the message of an unexpected error (it could hold anything)', () => {
    expect(errorText(new Error('password=hunter2'))).toBe('unexpected failure (Error)');
    expect(errorText(new PlcSessionError('unreachable', 'the runtime did not answer'))).toBe('the runtime did not answer');
  });
});
