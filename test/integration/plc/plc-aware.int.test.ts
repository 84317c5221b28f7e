// The PLC subsystem of a real orchestrator on the real engine with its REAL runtime sessions, against a stand-in
// runtime container (test/images/standin/): the runtime's first user created and the credentials set through the
// actions, a program uploaded and running; a short core crash seen as a PLC fault (degraded, no container restart), a
// long one restarting the container exactly once; an agent restart that reads the PLC again without disturbing it; a
// spec edit held while the PLC program runs and applied once the PLC is stopped; the recreated container read as a new
// runtime; credentials given while the vPLC is stopped stored unverified and checked once it runs; the credentials
// gone with the deleted vPLC; the password in no log line. Then a runtime image update (Debian's docker-registry on
// loopback) pulled but held while the PLC program runs, applied once it is stopped. Runtime: about 40-60 s.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcEvent } from '../../../electron/workers/orchestrator/context.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { CREDENTIALS_FILE } from '../../../electron/workers/orchestrator/plc/credentials-store.js';
import { call } from '../images/standin-container.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { startRegistry, type LocalRegistry } from '../../support/registry.js';
import { publishVariant, removeRepoImages } from '../../support/update-fixture.js';
import { requireDocker } from '../../support/require.js';
import { scrapeVplcs } from '../../support/vplc-metrics.js';
import { newRunId, waitFor } from '../../support/run.js';
import { storedZip } from '../../images/program-zip.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-aware`;
const USER = 'operator';
const PASSWORD = `Pw-aware-${run}-never-logged`;
const FAULT_RESTART_MS = 6_000;
let fx: OrchestratorFixture;
/** The agent of the moment: an agent restart replaces it. */
let orch: Orchestrator;
const logLines: string[] = [];
const rec = (level: string) => (msg: string, data?: Record<string, unknown>) => void logLines.push(`${level} ${msg} ${JSON.stringify(data ?? {})}`);
const log = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
const events: VplcEvent[] = [];

const started = async (): Promise<{ id: string; startedAt: string; restarts: number }> => {
  const c = await docker.getContainer(name).inspect();
  return { id: c.Id, startedAt: c.State.StartedAt, restarts: c.RestartCount };
};
const status = () => orch.status(name);
const plcOf = async () => (await status()).plc;
/** The stand-in's test-only switch (plain HTTP on the container's internal address, no auth). */
const crash = async (ms: number): Promise<void> => {
  const ip = (await status()).internal_ip;
  if (!ip) throw new Error('no internal IP');
  const r = await call({ ip, method: 'POST', path: `/standin/crash?ms=${ms}` });
  expect(r.status).toBe(200);
};
const credentialsFiles = (): string[] => (readdirSync(fx.dataDir, { recursive: true }) as string[]).filter((f) => path.basename(f) === CREDENTIALS_FILE).map((f) => path.join(fx.dataDir, f));

beforeAll(async () => {
  fx = await openOrchestrator({ stopTimeoutSec: 2, plc: { pollMs: 500, faultRestartAfterMs: FAULT_RESTART_MS } }, { log });
  orch = fx.orch;
  orch.onEvent((e) => events.push(e));
  expect((await orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  await orch.settled();
  expect(await status()).toMatchObject({ status: 'success', is_running: true });
  await orch.startLifecycle({ sampleUsage: false, reconcile: false });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('the PLC-aware agent with real runtime sessions', () => {
  it('creates the first user, stores the credentials, and reads the PLC through them', async () => {
    expect(await plcOf()).toMatchObject({ connection: 'not_connected', change_rule: 'container' });
    const created = await orch.plc.actions.createFirstUser(name, { username: USER, password: PASSWORD }, 'ui');
    expect(created.outcome).toBe('verified');
    expect((await orch.plc.actions.setCredentials(name, { username: USER, password: PASSWORD }, 'ui')).outcome).toBe('verified');
    const [file] = credentialsFiles();
    expect(file).toBeDefined();
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toMatchObject({ version: 1, vplcs: { [name]: { username: USER, password: PASSWORD } } });
    const s = await waitFor(plcOf, (p) => p?.connection === 'connected' && p.status === 'EMPTY', { timeoutMs: 15_000, what: 'a connected, empty PLC' });
    expect(s).toMatchObject({ username: USER, program_loaded: false, change_rule: 'plc-aware' });

    const zip = path.join(fx.dataDir, 'program.zip');
    writeFileSync(zip, storedZip({ 'src/configuration.cpp': '// configuration\n', 'src/Res0.cpp': '// resource\n' }));
    const compiled = await orch.plc.actions.upload(name, zip, 'ui');
    expect(compiled).toMatchObject({ state: 'SUCCESS', exit_code: 0 });
    const running = await waitFor(plcOf, (p) => p?.status === 'RUNNING' && (p.tasks[0]?.scan_count ?? 0) > 0, { timeoutMs: 15_000, what: 'the uploaded program running with task figures' });
    expect(running?.change_rule_reason).toContain('the PLC program is running');
    expect((await orch.list()).find((v) => v.name === name)).toMatchObject({ plc_status: 'RUNNING', plc_connection: 'connected' });
    const text = await scrapeVplcs(() => orch.vplcMetrics());
    expect(text).toContain(`vplc_plc_up{vplc="${name}"} 1`);
    expect(text).toContain(`vplc_plc_status{vplc="${name}",status="RUNNING"} 1`);
    expect(text).toMatch(new RegExp(`vplc_plc_scan_count_total\\{vplc="${name}",task="TASK0"\\} [1-9]`));
  });

  it('shows a short core crash as a PLC fault without restarting the container', async () => {
    const before = await started();
    await crash(2_500);
    const faulted = await waitFor(status, (s) => !!s.plc?.fault_since, { timeoutMs: 10_000, what: 'the PLC fault in the status' });
    expect(faulted.plc?.status).toBe('ERROR');
    expect(faulted.orchestrator_state).toMatchObject({ health: 'degraded', health_reasons: [expect.stringMatching(/^PLC fault: the runtime reports ERROR since /)] });
    expect(faulted.is_running).toBe(true);
    expect(await scrapeVplcs(() => orch.vplcMetrics())).toContain(`vplc_plc_status{vplc="${name}",status="ERROR"} 1`);
    // The core comes back by itself: the fault clears, the container was never restarted.
    const back = await waitFor(status, (s) => s.plc?.status === 'RUNNING' && !s.plc.fault_since, { timeoutMs: 15_000, what: 'the PLC running again after the short crash' });
    expect(back.orchestrator_state?.health).toBe('running');
    expect(await started()).toEqual(before);
  });

  it('restarts the container exactly once when the fault outlasts faultRestartAfterMs', async () => {
    const before = await started();
    // The crash outlasts the setting by far; the restart ends it (the stand-in's core state is in memory).
    await crash(120_000);
    await waitFor(plcOf, (p) => !!p?.fault_since, { timeoutMs: 10_000, what: 'the long PLC fault' });
    const restarted = await waitFor(started, (c) => c.startedAt !== before.startedAt, { timeoutMs: FAULT_RESTART_MS + 20_000, what: 'the container restarted after the long fault' });
    expect(restarted.id).toBe(before.id);
    // The loaded program runs again after the restart (the stand-in keeps it, like the real runtime).
    const healthy = await waitFor(status, (s) => s.plc?.status === 'RUNNING' && !s.plc.fault_since && s.orchestrator_state?.health === 'running', { timeoutMs: 30_000, what: 'the PLC running and healthy after the restart' });
    expect(healthy.orchestrator_state?.restarts_in_window).toBe(1);
    expect(await started()).toEqual(restarted);
    const restarts = events.filter((e) => e.kind === 'changed' && e.reason === 'plc-fault-restart');
    expect(restarts).toHaveLength(1);
  });

  it('picks the session up again after an agent restart without disturbing the running PLC', async () => {
    const before = await started();
    // The restart of the test before resets the scan count; the first reads after it may still show 0.
    const counting = await waitFor(plcOf, (p) => (p?.tasks[0]?.scan_count ?? 0) > 0, { timeoutMs: 15_000, what: 'the PLC counting scans before the agent restart' });
    const scans = counting?.tasks[0]?.scan_count ?? 0;
    expect(scans).toBeGreaterThan(0);
    await orch.close({ graceMs: 5_000 });
    orch = await fx.reopen();
    orch.onEvent((e) => events.push(e));
    await orch.startLifecycle({ sampleUsage: false, reconcile: false });
    // The stored credentials and the container's pin are read back: connected, and the PLC was never restarted (its
    // scan count goes on from where it was; a start resets it).
    const again = await waitFor(plcOf, (p) => p?.connection === 'connected' && p.status === 'RUNNING' && (p.tasks[0]?.scan_count ?? 0) > scans, { timeoutMs: 15_000, what: 'the PLC read again after the agent restart' });
    expect(again?.username).toBe(USER);
    expect(await started()).toEqual(before);
  });

  it('holds a spec edit while the PLC program runs and applies it once the PLC is stopped', async () => {
    const before = await started();
    const spec = orch.storedSpec(name)?.spec;
    if (!spec) throw new Error('no stored spec');
    const ack = await orch.edit(name, { ...spec, quotas: { cpus: 1 } }, 'cli');
    expect(ack).toMatchObject({ status: 'saved', applies: 'change-window' });
    expect((ack as { message: string }).message).toContain('the PLC program is running');
    const held = await orch.reconcileOnce();
    expect(held?.actions).toEqual([]);
    expect(held?.pending).toEqual([{ vplc: name, reason: expect.stringContaining('the PLC program is running') }]);
    expect((await status()).orchestrator_state?.pending_changes).toEqual([expect.any(String)]);
    expect(await started()).toEqual(before);

    const stopped = await orch.plc.actions.stop(name, 'ui');
    expect(stopped).toMatchObject({ ok: true, answer: 'STOP:OK' });
    await waitFor(plcOf, (p) => p?.status === 'STOPPED', { timeoutMs: 10_000, what: 'the PLC read as stopped' });
    const applied = await orch.reconcileOnce();
    expect(applied?.actions.map((a) => [a.kind, a.vplc, a.result])).toEqual([['redeploy', name, 'done']]);
    const after = await waitFor(() => started().catch(() => null), (c) => c !== null && c.id !== before.id, { timeoutMs: 30_000, what: 'the recreated container' });
    expect((await docker.getContainer(after!.id).inspect()).HostConfig.NanoCpus).toBe(1e9);
    expect(await status()).toMatchObject({ status: 'success', is_running: true });
    // Applied once: the recreated container matches the stored spec, so the next pass has nothing to do.
    const next = await orch.reconcileOnce();
    expect(next?.actions).toEqual([]);
    expect(next?.pending).toEqual([]);
    expect((await started()).id).toBe(after!.id);
  });

  it('reads a recreated container as a new runtime, and connects again once the user gives it its first user', async () => {
    // A new container is a new runtime: new certificate, no user yet (the stand-in keeps both in the container, like
    // the real image), so the stored credentials are refused until the user acts.
    await waitFor(plcOf, (p) => p?.connection === 'auth_failed', { timeoutMs: 15_000, what: 'the stored credentials refused by the new runtime' });
    expect((await orch.plc.actions.createFirstUser(name, { username: USER, password: PASSWORD }, 'ui')).outcome).toBe('verified');
    await waitFor(plcOf, (p) => p?.connection === 'connected' && p.status === 'EMPTY', { timeoutMs: 15_000, what: 'connected to the new runtime' });
  });

  it('stores credentials given while the vPLC is stopped unverified, and checks them once it runs', async () => {
    expect(await orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    const saved = await orch.plc.actions.setCredentials(name, { username: USER, password: PASSWORD }, 'ui');
    expect(saved.outcome).toBe('saved_unverified');
    expect(saved.message).not.toContain(PASSWORD);
    expect(['success', 'starting']).toContain((await orch.start(name, 'cli')).status);
    await waitFor(plcOf, (p) => p?.connection === 'connected' && p.status === 'EMPTY', { timeoutMs: 30_000, what: 'connected after the vPLC started again' });
  });

  it('forgets the credentials with the deleted vPLC and never logs the password', async () => {
    const [file] = credentialsFiles();
    expect(file).toBeDefined();
    expect((await orch.delete(name, 'cli')).status).toBe('deleting');
    await orch.settled();
    await waitFor(() => JSON.parse(readFileSync(file!, 'utf8')) as { vplcs: Record<string, unknown> }, (c) => !(name in c.vplcs), { timeoutMs: 10_000, what: 'the credentials removed from the file' });
    expect(readFileSync(file!, 'utf8')).not.toContain(PASSWORD);
    expect(orch.plc.monitor.view(name).connection).toBe('not_connected');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(USER)).length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });
});

describe('a runtime image update while the PLC program runs', () => {
  const uname = `vt-${run}-upd`;
  let registry: LocalRegistry;
  let repo = '';
  let ufx: OrchestratorFixture;
  const publish = (variant: string): string => publishVariant(run, repo, variant);
  const runningImage = async (): Promise<string> => (await docker.getContainer(uname).inspect()).Image;
  const uplc = async () => (await ufx.orch.status(uname)).plc;

  beforeAll(async () => {
    registry = await startRegistry();
    repo = `${registry.host}/vplc-${run}/runtime`;
    publish('latest');
    ufx = await openOrchestrator({ runtimeRepo: repo, runtimeWaitMs: 8_000, updates: { minFreeDiskMb: 0 }, stopTimeoutSec: 2, plc: { pollMs: 500 } }, { log });
    expect((await ufx.orch.create({ name: uname, runtimeVersion: 'stable', vnics: [], autoUpdate: true }, 'cli')).status).toBe('creating');
    await ufx.orch.settled();
    await ufx.orch.startLifecycle({ sampleUsage: false, reconcile: false });
  });

  afterAll(async () => {
    await ufx?.dispose();
    if (repo) removeRepoImages(repo);
    await registry?.stop();
  });

  it('is pulled but held while the PLC program runs, and applied once the PLC is stopped', async () => {
    expect((await ufx.orch.plc.actions.createFirstUser(uname, { username: USER, password: PASSWORD }, 'ui')).outcome).toBe('verified');
    const zip = path.join(ufx.dataDir, 'program.zip');
    writeFileSync(zip, storedZip({ 'src/configuration.cpp': '// configuration\n' }));
    expect(await ufx.orch.plc.actions.upload(uname, zip, 'ui')).toMatchObject({ state: 'SUCCESS' });
    await waitFor(uplc, (p) => p?.status === 'RUNNING', { timeoutMs: 15_000, what: 'the program running' });
    const before = await runningImage();

    const v2 = publish('v2');
    expect(await ufx.orch.checkUpdate(uname)).toMatchObject({ result: 'pulled' });
    const held = await ufx.orch.reconcileOnce();
    expect(held?.actions).toEqual([]);
    expect(held?.pending).toEqual([{ vplc: uname, reason: expect.stringMatching(/^runtime update .* waits for the change window; held: the PLC program is running/) }]);
    expect(await runningImage()).toBe(before);

    expect(await ufx.orch.plc.actions.stop(uname, 'ui')).toMatchObject({ ok: true, answer: 'STOP:OK' });
    await waitFor(uplc, (p) => p?.status === 'STOPPED', { timeoutMs: 10_000, what: 'the PLC read as stopped' });
    const applied = await ufx.orch.reconcileOnce();
    expect(applied?.actions.map((a) => [a.kind, a.vplc, a.result])).toEqual([['update', uname, 'done']]);
    expect(await runningImage()).toBe(v2);
    expect(logLines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });
});
