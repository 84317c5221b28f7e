// The PLC monitor inside a real orchestrator on the real engine, with the runtime's answers scripted through a fake
// PlcSessions (the real sessions are part B's; the end-to-end test with them follows the merge): the PLC view in
// status, list and metrics; an edit held while the PLC program runs and applied by reconcile once it is stopped; a PLC
// fault shown as degraded without a container restart, until it outlasts its setting, when the container restarts
// once, counted and told. Runtime: about 30-40 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcEvent } from '../../../electron/workers/orchestrator/context.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSessions, fixtureTasks } from '../../unit/electron/workers/orchestrator/plc/fake-sessions.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-plc`;
const FAULT_RESTART_MS = 4_000;
let fx: OrchestratorFixture;
const sessions = new FakeSessions();
const events: VplcEvent[] = [];
const started = async (): Promise<{ id: string; startedAt: string }> => {
  const c = await docker.getContainer(name).inspect();
  return { id: c.Id, startedAt: c.State.StartedAt };
};
const plcDetails = (): string[] => events.flatMap((e) => (e.kind === 'changed' && (e.reason === 'plc-state' || e.reason === 'plc-fault-restart') && e.detail ? [e.detail] : []));

beforeAll(async () => {
  fx = await openOrchestrator({ stopTimeoutSec: 2, plc: { pollMs: 500, faultRestartAfterMs: FAULT_RESTART_MS } }, { plcSessions: sessions });
  fx.orch.onEvent((e) => events.push(e));
  expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  await fx.orch.settled();
  await fx.orch.startLifecycle({ sampleUsage: false, reconcile: false });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('PLC monitor in the orchestrator', () => {
  it('shows not connected without credentials, and the PLC once the user gives them', async () => {
    expect((await fx.orch.status(name)).plc).toMatchObject({ connection: 'not_connected', change_rule: 'container' });
    sessions.answers.set(name, sessions.reading('RUNNING', fixtureTasks('running')));
    sessions.give(name, 'operator');
    const s = await waitFor(() => fx.orch.status(name), (v) => v.plc?.connection === 'connected', { timeoutMs: 10_000, what: 'a connected PLC view' });
    expect(s.plc).toMatchObject({ status: 'RUNNING', program_loaded: true, username: 'operator', change_rule: 'plc-aware', change_rule_reason: 'held: the PLC program is running; stop the PLC or confirm' });
    expect(s.plc?.tasks[0]?.cycle_time.max).toBe(12751);
    expect((await fx.orch.list()).find((v) => v.name === name)).toMatchObject({ plc_status: 'RUNNING', plc_connection: 'connected', health: 'running' });
    expect((await fx.orch.vplcMetrics()).find((v) => v.name === name)?.plc?.status).toBe('RUNNING');
    await waitFor(() => fx.orch.plc.monitor.history(name, 3600), (h) => h.length >= 2, { timeoutMs: 10_000, what: 'history points' });
  });

  it('holds an edit while the PLC program runs, and applies it once the PLC is stopped', async () => {
    const before = await started();
    const spec = fx.orch.storedSpec(name)?.spec;
    if (!spec) throw new Error('no stored spec');
    const ack = await fx.orch.edit(name, { ...spec, quotas: { cpus: 1 } }, 'cli');
    expect(ack).toMatchObject({ status: 'saved', applies: 'change-window' });
    expect((ack as { message: string }).message).toContain('held: the PLC program is running');
    const held = await fx.orch.reconcileOnce();
    expect(held?.actions).toEqual([]);
    expect(held?.pending).toEqual([{ vplc: name, reason: expect.stringContaining('held: the PLC program is running; stop the PLC or confirm') }]);
    expect(await started()).toEqual(before);

    sessions.answers.set(name, sessions.reading('STOPPED', fixtureTasks('stopped')));
    await fx.orch.plc.monitor.refresh(name);
    const applied = await fx.orch.reconcileOnce();
    expect(applied?.actions.map((a) => [a.kind, a.vplc, a.result])).toEqual([['redeploy', name, 'done']]);
    const recreated = await started();
    expect(recreated.id).not.toBe(before.id);
    expect(plcDetails()).toContain('RUNNING → STOPPED');

    // With the PLC stopped, an edit applies at once.
    await waitFor(() => fx.orch.plc.monitor.changeDecision(name, true), (d) => d.allowed, { timeoutMs: 20_000, what: 'the PLC read as stopped after the recreate' });
    const now = await fx.orch.edit(name, { ...spec, quotas: { cpus: 2 } }, 'cli');
    expect(now).toMatchObject({ status: 'saved', applies: 'now', path: 'recreate' });
    // While it is recreated the container is briefly gone.
    const maybe = (): Promise<{ id: string } | null> => started().catch(() => null);
    await waitFor(maybe, (c) => c !== null && c.id !== recreated.id, { timeoutMs: 60_000, what: 'the vPLC recreated by the edit' });
    await fx.orch.settled();
  });

  it('shows a PLC fault as degraded without restarting the container, and restarts it once when the fault lasts too long', async () => {
    sessions.answers.set(name, sessions.reading('RUNNING', fixtureTasks('running')));
    await waitFor(() => fx.orch.status(name), (v) => v.plc?.status === 'RUNNING', { timeoutMs: 20_000, what: 'the PLC running again after the redeploy' });
    const before = await started();
    sessions.answers.set(name, sessions.reading('ERROR'));
    await fx.orch.plc.monitor.refresh(name);
    const s = await fx.orch.status(name);
    expect(s.plc?.fault_since).toEqual(expect.any(String));
    expect(s.orchestrator_state).toMatchObject({ health: 'degraded', health_reasons: [expect.stringMatching(/^PLC fault: the runtime reports ERROR since .+ \(its core restarts\)$/)] });
    expect(await started()).toEqual(before);

    await waitFor(started, (c) => c.startedAt !== before.startedAt, { timeoutMs: FAULT_RESTART_MS + 20_000, what: 'the container restarted after the long fault' });
    sessions.answers.set(name, sessions.reading('RUNNING', fixtureTasks('running')));
    await waitFor(() => fx.orch.status(name), (v) => v.plc?.status === 'RUNNING' && v.orchestrator_state?.health === 'running', { timeoutMs: 20_000, what: 'the PLC running and healthy after the restart' });
    const after = await started();
    expect(after.id).toBe(before.id);
    expect((await fx.orch.status(name)).orchestrator_state?.restarts_in_window).toBe(1);
    // The journal line is emitted when the restart call returns, which under load can be after the PLC reads healthy.
    await waitFor(() => Promise.resolve(plcDetails().filter((d) => d.includes('lasted longer than'))), (l) => l.length > 0, { timeoutMs: 20_000, what: 'the long-fault restart in the journal' });
    expect(plcDetails().filter((d) => d.includes('lasted longer than'))).toHaveLength(1);
    expect(plcDetails()).toEqual(expect.arrayContaining(['PLC fault: RUNNING → ERROR (the runtime restarts its core)']));
  });

  it('turns the PLC-aware rule off without touching the container, and the container rule holds again', async () => {
    const before = await started();
    const spec = fx.orch.storedSpec(name)?.spec;
    if (!spec) throw new Error('no stored spec');
    expect(await fx.orch.edit(name, { ...spec, plcAwareChanges: false }, 'cli')).toMatchObject({ status: 'saved', applies: 'now', path: 'none', diff: ['plcAwareChanges: true → false'] });
    expect(fx.orch.plc.monitor.changeDecision(name, true)).toMatchObject({ rule: 'container', allowed: false });
    expect((await fx.orch.status(name)).plc?.change_rule).toBe('container');
    expect((await fx.orch.reconcileOnce())?.actions).toEqual([]);
    expect(await started()).toEqual(before);
  });

  it('forgets the PLC view and history of a deleted vPLC', async () => {
    expect(fx.orch.plc.monitor.history(name, 3600).length).toBeGreaterThan(0);
    expect((await fx.orch.delete(name, 'cli')).status).toBe('deleting');
    await fx.orch.settled();
    sessions.take(name);
    expect(fx.orch.plc.monitor.history(name, 48 * 3600)).toEqual([]);
    expect(fx.orch.plc.monitor.view(name).connection).toBe('not_connected');
  });
});
