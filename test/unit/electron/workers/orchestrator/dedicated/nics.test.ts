import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../../../electron/lib/time/clock.js';
import { WarningBoard, type VplcEvent } from '../../../../../../electron/workers/orchestrator/context.js';
import { DedicatedNics, type DedicatedDeps } from '../../../../../../electron/workers/orchestrator/dedicated/nics.js';
import type { HostStep } from '../../../../../../electron/workers/orchestrator/hostnet/host-steps.js';
import { StateStore } from '../../../../../../electron/workers/orchestrator/store/state-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Answer = { exitCode: number; stdout: string; stderr: string };

/** The moves' bookkeeping against a real store, with the container and the host steps answered by the test. */
async function setup(answer: (s: HostStep) => Answer, onHost: boolean | (() => boolean) = true) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-dedicated-nics-'));
  dirs.push(dir);
  const store = new StateStore(dir);
  await store.load();
  const now = new Date().toISOString();
  await store.putDesired('plc-1', {
    desired_state: 'running',
    created_at: now,
    updated_at: now,
    degraded_ulimits: false,
    tombstone: false,
    depends_on: [],
    auto_update: false,
    spec: { name: 'plc-1', runtimeVersion: 'latest', vnics: [], dedicatedInterface: 'enp4s0' },
  });
  const steps: HostStep[] = [];
  const events: VplcEvent[] = [];
  const warnings = new WarningBoard();
  const container = { Id: 'c1', State: { Running: true, Pid: 4242 } };
  const deps = {
    engine: { resolveVplc: () => Promise.resolve(container), inspectContainer: () => Promise.resolve(container) },
    store,
    hostSteps: {
      run: (s: HostStep) => {
        steps.push(s);
        return Promise.resolve(answer(s));
      },
    },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    emit: (e: VplcEvent) => void events.push(e),
    warnings,
    exec: { serial: <T>(_n: string, fn: () => Promise<T>) => fn() },
    clock: systemClock,
    shutdown: new AbortController().signal,
    onHost: () => (typeof onHost === 'function' ? onHost() : onHost),
    hostMac: () => '02:00:00:00:00:04',
    startDelayMs: 0,
  } as unknown as DedicatedDeps;
  return { nics: new DedicatedNics(deps), store, steps, events, warnings };
}

const ok = (stdout = ''): Answer => ({ exitCode: 0, stdout, stderr: '' });

describe('DedicatedNics', () => {
  it('saves the entry first, moves with the PID, brings it up inside, and journals the move', async () => {
    const t = await setup((s) => (s.what.startsWith('bring') ? ok('dedicated-nic: inside up\n') : ok()));
    await t.nics.afterCreate('plc-1', true);
    expect(t.store.getDedicated('plc-1')).toBe('enp4s0');
    expect(t.steps.map((s) => s.what)).toEqual(["move enp4s0 into PID 4242's network namespace", 'bring enp4s0 up inside the vPLC']);
    expect(t.steps.every((s) => s.vplc === 'plc-1')).toBe(true);
    expect(t.nics.view('plc-1')).toMatchObject({ host_interface: 'enp4s0', state: 'in_container', detail: null });
    expect(t.events).toEqual([{ kind: 'changed', name: 'plc-1', reason: 'dedicated-nic', detail: 'dedicated NIC enp4s0 moved into the vPLC' }]);
    expect(t.nics.owners()).toEqual([{ nic: 'enp4s0', vplc: 'plc-1', mac: '02:00:00:00:00:04' }]);
  });

  it('drops the entry and records the failure when the move fails; the spec still wants the NIC', async () => {
    const t = await setup(() => ({ exitCode: 2, stdout: '', stderr: 'RTNETLINK answers: File exists' }));
    await t.nics.afterCreate('plc-1', true);
    expect(t.store.getDedicated('plc-1')).toBeUndefined();
    expect(t.nics.view('plc-1')).toMatchObject({ state: 'error', detail: 'could not be moved into the vPLC: RTNETLINK answers: File exists' });
    expect(t.warnings.list('plc-1')).toEqual(['Dedicated NIC enp4s0 could not be moved into the vPLC: RTNETLINK answers: File exists']);
    expect(t.events.map((e) => (e.kind === 'changed' ? e.reason : e.kind))).toEqual(['dedicated-nic-failed']);
    expect(t.nics.target('plc-1')).toBe('enp4s0');
  });

  it('finds a NIC already inside without moving it, and reports one that is nowhere as missing', async () => {
    const inside = await setup(() => ok('dedicated-nic: inside up\n'), false);
    await inside.nics.ensure('plc-1');
    expect(inside.steps.map((s) => s.what)).toEqual(['bring enp4s0 up inside the vPLC']);
    expect(inside.nics.view('plc-1')).toMatchObject({ state: 'in_container' });
    expect(inside.events).toEqual([]);
    const gone = await setup(() => ok('dedicated-nic: absent\n'), false);
    await gone.nics.ensure('plc-1');
    expect(gone.nics.view('plc-1')).toMatchObject({ state: 'missing' });
    expect(gone.warnings.list('plc-1')).toEqual(['Dedicated NIC enp4s0 is neither on the host nor inside the vPLC']);
  });

  it('moves a NIC that was missing once netmon sees it back on the host, and leaves other changes alone', async () => {
    let here = false;
    const t = await setup((s) => (s.what.startsWith('bring') ? ok(here ? 'dedicated-nic: inside up\n' : 'dedicated-nic: absent\n') : ok()), () => here);
    t.nics.changedOnHost('enp4s0'); // not missing yet: the agent's own move or return
    await t.nics.idle();
    expect(t.steps).toEqual([]);
    await t.nics.ensure('plc-1');
    expect(t.nics.view('plc-1')).toMatchObject({ state: 'missing' });
    t.nics.changedOnHost('enp4s0'); // still not on the host: nothing to move
    await t.nics.idle();
    expect(t.steps.map((s) => s.what)).toEqual(['bring enp4s0 up inside the vPLC']);
    here = true; // re-plugged
    t.nics.changedOnHost('enp4s0');
    await t.nics.idle();
    expect(t.steps.map((s) => s.what).slice(1)).toEqual(["move enp4s0 into PID 4242's network namespace", 'bring enp4s0 up inside the vPLC']);
    expect(t.nics.view('plc-1')).toMatchObject({ state: 'in_container' });
    t.nics.changedOnHost('eth9'); // not dedicated
    await t.nics.idle();
    expect(t.steps).toHaveLength(3);
  });

  it('hands back (from the vPLC namespace to PID 1, then up on the host) and drops the entry on release', async () => {
    const t = await setup(() => ok(), false);
    await t.store.putDedicated('plc-1', 'enp4s0');
    await t.nics.release('plc-1');
    expect(t.steps.map((s) => [s.what, s.netnsOf ?? 'host', s.pidHost === true])).toEqual([
      ['hand enp4s0 back to the host', 'c1', true],
      ['bring enp4s0 up on the host', 'host', false],
    ]);
    expect(t.store.getDedicated('plc-1')).toBeUndefined();
    expect(t.events).toEqual([{ kind: 'changed', name: 'plc-1', reason: 'dedicated-nic', detail: 'dedicated NIC enp4s0 handed back to the host' }]);
  });

  it('moves again after a start event, once the delay is over', async () => {
    const t = await setup((s) => (s.what.startsWith('bring') ? ok('dedicated-nic: inside up\n') : ok()));
    t.nics.startedEvent('plc-1');
    await t.nics.idle();
    expect(t.steps.map((s) => s.what)).toEqual(["move enp4s0 into PID 4242's network namespace", 'bring enp4s0 up inside the vPLC']);
    expect(t.store.getDedicated('plc-1')).toBe('enp4s0');
  });

  it('says the port is on the host once the container died without us, and keeps the entry for the next start', async () => {
    const t = await setup((s) => (s.what.startsWith('bring') ? ok('dedicated-nic: inside up\n') : ok()));
    await t.nics.afterCreate('plc-1', true);
    expect(t.nics.view('plc-1')).toMatchObject({ state: 'in_container' });
    t.nics.containerDied('plc-1');
    expect(t.nics.view('plc-1')).toMatchObject({ state: 'on_host', detail: expect.stringContaining('fell back to the host') });
    expect(t.store.getDedicated('plc-1')).toBe('enp4s0');
    expect(t.steps).toHaveLength(2);
  });
});
