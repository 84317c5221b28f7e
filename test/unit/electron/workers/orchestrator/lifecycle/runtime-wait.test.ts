import { describe, expect, it } from 'vitest';
import { WarningBoard, type OrchestratorContext, type VplcEvent } from '../../../../../../electron/workers/orchestrator/context.js';
import { cloudControlResult } from '../../../../../../electron/workers/orchestrator/lifecycle/control.js';
import { RUNTIME_WARNING, RuntimeWaiter } from '../../../../../../electron/workers/orchestrator/lifecycle/runtime-wait.js';
import { OperationState } from '../../../../../../electron/workers/orchestrator/ops/operation-state.js';

/**
 * The waiter over the real operation state and warning board. The clock moves only when the probe is called (each
 * probe "takes" 1 s), so how long a wait lasts is counted in probes, not in real time.
 */
function setup(answersFrom: number, runtimeWaitMs = 5_000) {
  let t = 0;
  const clock = { now: () => 1_800_000_000_000 + t, monotonic: () => t };
  const ops = new OperationState(clock);
  const warnings = new WarningBoard();
  const events: VplcEvent[] = [];
  const abort = new AbortController();
  let calls = 0;
  let ended: () => void = () => undefined;
  const settled = new Promise<void>((r) => (ended = r));
  const probe = (vplc: string, ip: string): Promise<boolean> => {
    expect([vplc, ip]).toEqual(['plc', '172.29.0.2']);
    calls++;
    t += 1_000;
    return Promise.resolve(calls >= answersFrom);
  };
  const ctx = {
    ops,
    warnings,
    clock,
    settings: { runtimeWaitMs },
    store: { getClient: () => ({ ip: '172.29.0.2', name: 'plc' }) },
    shutdown: abort.signal,
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    emit: (e: VplcEvent) => {
      events.push(e);
      if (!ops.runtimeWait('plc')) ended();
    },
  } as unknown as OrchestratorContext;
  return { waiter: new RuntimeWaiter(ctx, probe), ops, warnings, events, settled, probes: () => calls, abort };
}

describe('RuntimeWaiter', () => {
  it('resolves answered once the probe answers, holding the waiting_for_runtime step until then', async () => {
    const s = setup(3);
    const pending = s.waiter.wait('plc', s.waiter.begin('plc'), 10_000);
    expect(s.ops.runtimeWait('plc')).toMatchObject({ step: 'waiting_for_runtime' });
    expect(await pending).toBe('answered');
    expect(s.probes()).toBe(3);
    expect(s.ops.runtimeWait('plc')).toBeUndefined();
    expect(s.events.map((e) => e.kind === 'changed' && e.reason)).toEqual(['waiting_for_runtime', 'started']);
  });

  it('past the caller budget answers waiting and keeps waiting in the background until the runtime answers', async () => {
    const s = setup(4);
    expect(await s.waiter.wait('plc', s.waiter.begin('plc'), 2_000)).toBe('waiting');
    expect(s.ops.runtimeWait('plc')).toBeDefined();
    await s.settled;
    expect(s.probes()).toBe(4);
    expect(s.ops.runtimeWait('plc')).toBeUndefined();
    expect(s.warnings.list('plc')).toEqual([]);
  });

  it('leaves the warning when runtimeWaitMs passes without an answer, and a new wait clears it', async () => {
    const s = setup(Number.POSITIVE_INFINITY, 3_000);
    expect(await s.waiter.wait('plc', s.waiter.begin('plc'), 1_000)).toBe('waiting');
    await s.settled;
    expect(s.ops.runtimeWait('plc')).toBeUndefined();
    expect(s.warnings.list('plc')).toEqual(['runtime API not answering after 3 s']);
    void s.waiter.wait('plc', s.waiter.begin('plc'), 0);
    expect(s.warnings.list('plc')).toEqual([]);
  });

  it('a stop ends the wait at once and leaves no warning behind', async () => {
    const s = setup(Number.POSITIVE_INFINITY, 60_000);
    expect(await s.waiter.wait('plc', s.waiter.begin('plc'), 0)).toBe('waiting');
    s.warnings.set('plc', RUNTIME_WARNING, 'runtime API not answering after 60 s');
    s.waiter.cancel('plc');
    expect(s.ops.runtimeWait('plc')).toBeUndefined();
    expect(s.warnings.list('plc')).toEqual([]);
  });

  it('a stop during the caller budget ends the wait: stopped, no background wait, no warning', async () => {
    const s = setup(Number.POSITIVE_INFINITY, 60_000);
    const pending = s.waiter.wait('plc', s.waiter.begin('plc'), 30_000);
    s.waiter.cancel('plc');
    expect(await pending).toBe('stopped');
    expect(s.ops.runtimeWait('plc')).toBeUndefined();
    expect(s.warnings.list('plc')).toEqual([]);
  });

  it('a newer wait owns the state: the older one ending does not clear it', () => {
    const ops = new OperationState({ now: () => 0, monotonic: () => 0 });
    const first = ops.beginRuntimeWait('plc');
    const second = ops.beginRuntimeWait('plc');
    ops.endRuntimeWait('plc', first);
    expect(ops.runtimeWait('plc')?.token).toBe(second);
    ops.endRuntimeWait('plc');
    expect(ops.runtimeWait('plc')).toBeUndefined();
  });
});

describe('cloudControlResult', () => {
  it('turns starting into success with the same message, and passes the others through', () => {
    const starting = { status: 'starting' as const, device_id: 'plc', container_status: 'running', message: 'Container plc started; its runtime API is still starting (no answer within 20 s)' };
    expect(cloudControlResult(starting)).toEqual({ ...starting, status: 'success' });
    const error = { status: 'error' as const, device_id: 'plc', error: 'Device not found: plc' };
    expect(cloudControlResult(error)).toBe(error);
  });
});
