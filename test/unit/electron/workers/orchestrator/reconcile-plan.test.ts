import { describe, expect, it } from 'vitest';
import { planReconcile, type Observed, type PlanInput } from '../../../../../electron/workers/orchestrator/reconcile/plan.js';
import type { DesiredRecord } from '../../../../../electron/workers/orchestrator/store/schemas.js';

const rec = (over: Partial<DesiredRecord> = {}): DesiredRecord => ({
  desired_state: 'running',
  created_at: 'x',
  updated_at: 'x',
  spec: { name: 'p', vnics: [], runtimeVersion: 'latest' },
  runtime_image: 'r:latest',
  degraded_ulimits: false,
  tombstone: false,
  depends_on: [],
  auto_update: false,
  ...over,
});
const obs = (name: string, status = 'running', specHash: string | null = 'h'): Observed => ({ name, status, running: status === 'running', specHash });
const input = (desired: Record<string, DesiredRecord>, observed: Observed[], over: Partial<PlanInput> = {}): PlanInput => ({
  desired: new Map(Object.entries(desired)),
  observed: new Map(observed.map((o) => [o.name, o])),
  busy: () => false,
  restartPaused: () => false,
  watchdogOwns: () => false,
  expectedHash: () => 'h',
  mayChange: (_n, running) => !running,
  backingOff: () => false,
  dependsOn: () => [],
  ...over,
});

describe('reconcile plan', () => {
  it('orders tombstones, starts, creates; one action per vPLC; nothing for a vPLC in sync', () => {
    const p = planReconcile(
      input({ c: rec(), a: rec({ tombstone: true }), b: rec(), ok: rec(), gone: rec({ tombstone: true }) }, [obs('a'), obs('b', 'exited'), obs('ok')]),
    );
    expect(p.actions.map((x) => `${x.kind}:${x.vplc}`)).toEqual(['remove-tombstoned:a', 'remove-tombstoned:gone', 'start:b', 'create:c']);
    expect(p.actions.find((x) => x.vplc === 'gone')?.reason).toBe('an interrupted delete left its records');
    expect(p.pending).toEqual([]);
  });

  it('never plans to touch a running vPLC whose container differs, nor a container without a record', () => {
    const p = planReconcile(input({ d: rec() }, [obs('d', 'running', 'old'), obs('orphan')]));
    expect(p.actions).toEqual([]);
    expect(p.pending.map((x) => x.vplc)).toEqual(['d']);
    expect(p.adopted).toEqual(['orphan']);
  });

  it('recreates a differing container inside its change window, last, and backs off after failures', () => {
    const p = planReconcile(input({ run: rec(), off: rec({ desired_state: 'stopped' }), s: rec(), broken: rec() }, [obs('run', 'running', 'old'), obs('off', 'exited', 'old'), obs('s', 'exited')], {
      mayChange: (n, running) => !running || n === 'run',
      backingOff: (n) => n === 'broken',
    }));
    expect(p.actions.map((x) => `${x.kind}:${x.vplc}`)).toEqual(['start:s', 'redeploy:off', 'redeploy:run']);
    expect(p.pending.map((x) => x.vplc)).toEqual(['broken']);
  });

  it('keeps depends_on order during repairs: a dependent waits while its dependency changes', () => {
    const p = planReconcile(input({ io: rec(), hmi: rec(), other: rec() }, [obs('io', 'exited'), obs('hmi', 'exited'), obs('other', 'exited')], { dependsOn: (n) => (n === 'hmi' ? ['io'] : []) }));
    expect(p.actions.map((x) => `${x.kind}:${x.vplc}`)).toEqual(['start:io', 'start:other']);
    expect(p.pending).toEqual([{ vplc: 'hmi', reason: 'waits for io to be changed first (depends_on)' }]);
  });

  it('leaves busy vPLCs, crashed ones the watchdog handles, and stopped-on-purpose ones alone; reports paused restarts', () => {
    const p = planReconcile(
      input({ busy: rec(), crashed: rec(), paused: rec(), off: rec({ desired_state: 'stopped' }), nospec: rec({ spec: undefined }) }, [obs('busy', 'exited'), obs('crashed', 'exited'), obs('paused', 'exited'), obs('off', 'exited')], {
        busy: (n) => n === 'busy',
        watchdogOwns: (n) => n === 'crashed',
        restartPaused: (n) => n === 'paused',
      }),
    );
    expect(p.actions).toEqual([]);
    expect(p.pending.map((x) => x.vplc).sort()).toEqual(['nospec', 'paused']);
  });
});
