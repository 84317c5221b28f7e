import { describe, expect, it } from 'vitest';
import type { VplcEvent } from '../../../../../../electron/workers/orchestrator/context.js';
import { PlcMonitor, type PlcTimers } from '../../../../../../electron/workers/orchestrator/plc/monitor.js';
import { PlcSessionError } from '../../../../../../electron/workers/orchestrator/plc/types.js';
import { PlcView } from '../../../../../../shared/domain/plc.js';
import { FakeSessions, fixtureTasks } from './fake-sessions.js';

const POLL = 5_000;
const T0 = Date.parse('2026-12-05T06:00:00Z');

/** Timers that fire only when the test says so, and a clock it moves. */
class Manual implements PlcTimers {
  readonly active = new Set<{ fn: () => void; ms: number }>();
  wall = T0;
  mono = 1_000_000;
  setInterval(fn: () => void, ms: number): unknown {
    const h = { fn, ms };
    this.active.add(h);
    return h;
  }
  clearInterval(handle: unknown): void {
    this.active.delete(handle as { fn: () => void; ms: number });
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}

function setup(over: { names?: string[]; running?: string[]; faultRestartAfterMs?: number; realtime?: boolean | null; answered?: (name: string, answered: boolean) => void } = {}) {
  const sessions = new FakeSessions();
  const timers = new Manual();
  const events: VplcEvent[] = [];
  const running = new Set(over.running ?? over.names ?? ['a', 'b']);
  let lists = 0;
  const monitor = new PlcMonitor({
    sessions,
    clock: { now: () => timers.wall, monotonic: () => timers.mono },
    pollMs: POLL,
    faultRestartAfterMs: over.faultRestartAfterMs ?? 120_000,
    names: () => over.names ?? ['a', 'b'],
    listRunning: () => {
      lists += 1;
      return Promise.resolve([...running]);
    },
    realtime: () => over.realtime ?? true,
    policy: () => ({ changePolicy: undefined, plcAware: true }),
    emit: (e) => events.push(e),
    ...(over.answered ? { answered: over.answered } : {}),
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    timers,
  });
  return { sessions, timers, events, running, monitor, lists: () => lists };
}

const details = (events: VplcEvent[]): string[] => events.flatMap((e) => (e.kind === 'changed' && e.reason === 'plc-state' && e.detail ? [e.detail] : []));

describe('PlcMonitor', () => {
  it('costs nothing without credentials: no timer, no Docker list, no session call; a not-connected view', async () => {
    const { monitor, timers, sessions, lists } = setup();
    monitor.start();
    expect(timers.active.size).toBe(0);
    await monitor.runRound();
    await monitor.refresh('a');
    expect(lists()).toBe(0);
    expect(sessions.calls).toEqual([]);
    const v = monitor.view('a');
    expect(PlcView.parse(v)).toMatchObject({ connection: 'not_connected', username: null, status: null, change_rule: 'container' });
    expect(monitor.lastStatus('a')).toBeNull();
  });

  it('arms one timer at the poll period when credentials arrive, polls that vPLC at once, and disarms when the last go', async () => {
    const { monitor, timers, sessions, events } = setup();
    monitor.start();
    sessions.answers.set('a', sessions.reading('RUNNING', fixtureTasks('running')));
    sessions.give('a');
    expect([...timers.active].map((t) => t.ms)).toEqual([POLL]);
    expect(events).toEqual([{ kind: 'changed', name: 'a', reason: 'plc-state' }]);
    await monitor.refresh('a'); // joins the poll the credentials started
    expect(sessions.calls).toEqual(['a']);
    const v = PlcView.parse(monitor.view('a'));
    expect(v).toMatchObject({ connection: 'connected', username: 'operator', status: 'RUNNING', program_loaded: true, realtime: true, checked_at: new Date(T0).toISOString() });
    expect(v.tasks[0]?.scan_time.avg).toBe(7);
    sessions.take('a');
    await monitor.runRound();
    expect(timers.active.size).toBe(0);
    expect(monitor.view('a').connection).toBe('not_connected');
  });

  it('polls every running vPLC with credentials once per round, and not the stopped ones', async () => {
    const { monitor, sessions, running } = setup({ names: ['a', 'b', 'c'], running: ['a', 'c'] });
    monitor.start();
    sessions.creds.set('a', 'u');
    sessions.creds.set('b', 'u');
    await monitor.runRound();
    expect(sessions.calls).toEqual(['a']);
    expect(monitor.view('b')).toMatchObject({ connection: 'unreachable', error: 'the vPLC is not running', status: null });
    running.delete('a');
    await monitor.runRound();
    expect(sessions.calls).toEqual(['a']);
    expect(monitor.view('a').connection).toBe('unreachable');
  });

  it('keeps one poll per vPLC in flight', async () => {
    const { monitor, sessions } = setup();
    sessions.creds.set('a', 'u');
    await Promise.all([monitor.refresh('a'), monitor.refresh('a'), monitor.runRound()]);
    expect(sessions.calls).toEqual(['a']);
  });

  it('shows why a poll failed, from the session error kind', async () => {
    const { monitor, sessions, events } = setup();
    sessions.creds.set('a', 'u');
    sessions.answers.set('a', new PlcSessionError('auth_failed', 'the runtime refused the stored credentials'));
    await monitor.refresh('a');
    expect(monitor.view('a')).toMatchObject({ connection: 'auth_failed', error: 'the runtime refused the stored credentials' });
    expect(details(events)).toEqual(['runtime refused the stored credentials: give new ones']);
    sessions.answers.set('a', new PlcSessionError('unreachable', 'no answer'));
    await monitor.refresh('a');
    expect(monitor.view('a').connection).toBe('unreachable');
  });

  it('tells when a poll got an answer or could not reach the runtime, and nothing for other failures (docs/status.md)', async () => {
    const answered: string[] = [];
    const { monitor, sessions } = setup({ names: ['a', 'b', 'c'], answered: (n, ok) => answered.push(`${n} ${ok}`) });
    sessions.creds.set('a', 'u');
    sessions.creds.set('b', 'u');
    sessions.creds.set('c', 'u');
    sessions.answers.set('b', new PlcSessionError('unreachable', 'no answer'));
    // A refused login is the runtime answering: it says nothing against it.
    sessions.answers.set('c', new PlcSessionError('auth_failed', 'the runtime refused the stored credentials'));
    await monitor.runRound();
    await monitor.refresh('a');
    expect(answered).toEqual(['a true', 'b false', 'a true']);
    expect(monitor.view('c').connection).toBe('auth_failed');
  });

  it('tells status changes and the start and end of a fault as vPLC events, with fault_since at the first ERROR', async () => {
    const { monitor, sessions, timers, events } = setup();
    sessions.creds.set('a', 'u');
    const poll = async (w: 'RUNNING' | 'STOPPED' | 'ERROR'): Promise<void> => {
      sessions.answers.set('a', sessions.reading(w));
      await monitor.refresh('a');
      timers.advance(POLL);
    };
    await poll('RUNNING');
    await poll('RUNNING');
    const faultAt = new Date(timers.wall).toISOString();
    await poll('ERROR');
    await poll('ERROR');
    expect(monitor.view('a')).toMatchObject({ status: 'ERROR', fault_since: faultAt, program_loaded: null });
    await poll('RUNNING');
    expect(monitor.view('a').fault_since).toBeNull();
    await poll('STOPPED');
    expect(details(events)).toEqual(['PLC status RUNNING', 'PLC fault: RUNNING → ERROR (the runtime restarts its core)', 'PLC fault over: ERROR → RUNNING', 'RUNNING → STOPPED']);
    expect(events.every((e) => e.name === 'a')).toBe(true);
  });

  it('asks for a container restart once when a fault outlasts the setting, never with 0', async () => {
    for (const limit of [120_000, 0]) {
      const { monitor, sessions, timers } = setup({ faultRestartAfterMs: limit });
      const asked: Array<[string, string]> = [];
      monitor.onLongFault((n, since) => asked.push([n, since]));
      sessions.creds.set('a', 'u');
      sessions.answers.set('a', sessions.reading('ERROR'));
      const since = new Date(timers.wall).toISOString();
      for (let t = 0; t <= 200_000; t += POLL) {
        await monitor.refresh('a');
        if (t < 120_000) expect(asked).toEqual([]);
        timers.advance(POLL);
      }
      expect(asked).toEqual(limit ? [['a', since]] : []);
    }
  });

  it('a fault interrupted by a stopped container starts over', async () => {
    const { monitor, sessions, timers } = setup({ faultRestartAfterMs: 10_000 });
    const asked: string[] = [];
    monitor.onLongFault((n) => asked.push(n));
    sessions.creds.set('a', 'u');
    sessions.answers.set('a', sessions.reading('ERROR'));
    await monitor.refresh('a');
    timers.advance(8_000);
    monitor.containerStopped('a');
    monitor.containerStarted('a');
    await monitor.refresh('a');
    timers.advance(8_000);
    await monitor.refresh('a');
    expect(asked).toEqual([]);
  });

  it('decides the PLC-aware rule from the last fresh read', async () => {
    const { monitor, sessions, timers } = setup();
    sessions.creds.set('a', 'u');
    sessions.answers.set('a', sessions.reading('STOPPED'));
    await monitor.refresh('a');
    expect(monitor.changeDecision('a', true)).toMatchObject({ rule: 'plc-aware', allowed: true });
    expect(monitor.view('a')).toMatchObject({ change_rule: 'plc-aware', change_rule_reason: 'the PLC program is stopped: a pending change applies now' });
    timers.advance(2 * POLL + 1);
    expect(monitor.changeDecision('a', true).allowed).toBe(false);
    expect(monitor.changeDecision('b', true)).toMatchObject({ rule: 'container', allowed: false });
  });

  it('says when the vPLC runs without real-time scheduling', () => {
    const { monitor } = setup({ realtime: false });
    expect(monitor.view('a').realtime).toBe(false);
  });

  it('keeps scan-cycle history of the first task for the chart windows, and forgets it with the vPLC', async () => {
    const { monitor, sessions, timers } = setup();
    sessions.creds.set('a', 'u');
    sessions.answers.set('a', sessions.reading('RUNNING', fixtureTasks('running')));
    for (let i = 0; i < 3; i++) {
      await monitor.refresh('a');
      timers.advance(3600_000);
    }
    // The points are 1, 2 and 3 h old; windows include their start, as the usage history's do.
    expect(monitor.history('a', 1800)).toHaveLength(0);
    expect(monitor.history('a', 3600)).toHaveLength(1);
    expect(monitor.history('a', 2 * 3600)).toHaveLength(2);
    const day = monitor.history('a', 24 * 3600);
    expect(day).toHaveLength(3);
    expect(day[0]).toMatchObject({ task: 'TASK0', scan_avg: 7, scan_max: 56, cycle_avg: 6330, latency_avg: 87, latency_max: 2798, overruns: 0 });
    monitor.forget('a');
    expect(monitor.history('a', 48 * 3600)).toEqual([]);
  });

  it('stops its timer on stop()', () => {
    const { monitor, timers, sessions } = setup();
    sessions.creds.set('a', 'u');
    monitor.start();
    expect(monitor.polling).toBe(true);
    monitor.stop();
    expect(timers.active.size).toBe(0);
  });
});
