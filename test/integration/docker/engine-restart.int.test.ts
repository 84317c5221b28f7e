// Docker engine restarts are not PLC crashes (docs/lifecycle.md "Engine outages"), on a private dockerd of this test
// that it stops and starts for real (SIGTERM, wait, start): 20 running vPLCs with a MACVLAN vNIC each and one
// crash-looping vPLC, six engine restarts with live-restore off, then live-restore switched on through the product's
// own fix and one more restart; a create cut by a restart; the journal of a real agent; last, an orchestrator worker
// started while the engine is down. Runtime: about 4-5 min on 2 cores (most of it dockerd stopping and starting).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { enableLiveRestore } from '../../../electron/workers/orchestrator/docker/live-restore.js';
import type { OutageReport } from '../../../electron/lib/protocol/orchestrator-ops.js';
import { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { OrchestratorWorker } from '../../../electron/workers/orchestrator/worker.js';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { ENGINE_JOURNAL_NAME } from '../../../electron/core/journal/recorder.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import { spawnAgent } from '../../support/agent-process.js';
import { STANDIN_CRASHY_IMAGE } from '../../images/build.js';
import { STANDIN_REPO } from '../../support/docker.js';
import { testSettings } from '../../support/orchestrator.js';
import { canRunPrivateEngine, startPrivateEngine, type PrivateEngine } from '../../support/private-engine.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { internalPoolFor, lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();
if (!canRunPrivateEngine()) throw new Error('dockerd is needed to start a private engine for this test');

const run = newRunId();
const slot = workerSlot();
const LAN = 3;
const COUNT = 20;
const RESTARTS = 6;
const names = Array.from({ length: COUNT }, (_, i) => `vt-${run}-e${String(i).padStart(2, '0')}`);
const crashy = `vt-${run}-crashy`;
const watchdog = { delayMs: 300, settleMs: 100, pollMs: 2_000, resubscribeMs: 500, maxRestarts: 5, windowMs: 600_000 };

let engine: PrivateEngine;
let parent: VethParent;
let orch: Orchestrator;
let dataDir: string;
const outages: OutageReport[] = [];

const spec = (name: string, host: number, version = 'latest'): VplcSpec => ({
  name,
  runtimeVersion: version,
  vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, LAN, host), subnet: lanSubnet(slot, LAN), dns: [] }],
});

const inspectAll = (): Promise<Array<{ name: string; id: string; running: boolean; startedAt: string }>> =>
  Promise.all(
    names.map(async (name) => {
      const i = await engine.docker.getContainer(name).inspect();
      return { name, id: i.Id, running: i.State.Running, startedAt: i.State.StartedAt };
    }),
  );

const orchestratorState = async (name: string): Promise<{ restarts_in_window?: number; restart_suspended?: boolean; restarts_resume_at?: string }> =>
  ((await orch.status(name)).orchestrator_state ?? {}) as { restarts_in_window?: number; restart_suspended?: boolean };

async function restartEngine(): Promise<number> {
  await engine.stop();
  await new Promise((r) => setTimeout(r, 1_000));
  await engine.start();
  return Date.now();
}

beforeAll(async () => {
  // Its default bridge: one /24 per test slot, in a range no other suite or bench uses (198.19.200.0/21).
  engine = await startPrivateEngine(run, [`${STANDIN_REPO}:latest`, STANDIN_CRASHY_IMAGE], `198.19.${200 + slot}.1/24`);
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  dataDir = mkdtempSync(path.join(tmpdir(), 'vplc-engine-'));
  // VPLC_TEST_LOG=1 prints the agent's log lines, for a failing run.
  const print = (level: string) => (msg: string, data?: Record<string, unknown>): void => void (process.env.VPLC_TEST_LOG ? console.log(new Date().toISOString(), level, msg, JSON.stringify(data ?? {})) : undefined);
  const log = { debug: print('debug'), info: print('info'), warn: print('warn'), error: print('error') };
  orch = await Orchestrator.open({ settings: testSettings(dataDir, { watchdog, dockerDaemonConfig: engine.configFile }), docker: engine.docker, log });
  orch.onEngineOutage((r) => outages.push(r));
  await orch.startLifecycle({ sampleUsage: false });
  for (const [i, name] of names.entries()) expect((await orch.create(spec(name, 10 + i), 'cli')).status).toBe('creating');
  for (const name of names) await orch.settled(name);
  expect((await orch.create(spec(crashy, 9, 'crashy'), 'cli')).status).toBe('creating');
  await orch.settled(crashy);
  // The runtime answered before its first crash: the create succeeded, and what follows is the watchdog's doing.
  expect(await orch.status(crashy)).toMatchObject({ status: 'success' });
}, 300_000);

afterAll(async () => {
  await orch?.close({ graceMs: 5_000 });
  await engine?.dispose();
  parent?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('engine restarts with live-restore off', () => {
  it('a real crash loop is suspended before the engine restarts', async () => {
    const s = await waitFor(() => orchestratorState(crashy), (st) => st.restart_suspended === true, { timeoutMs: 60_000, intervalMs: 500, what: 'the crash loop to be suspended' });
    expect(s.restarts_in_window).toBe(watchdog.maxRestarts);
    expect(Date.parse(s.restarts_resume_at ?? '')).toBeGreaterThan(Date.now());
    const listed = (await orch.list()).find((v) => v.name === crashy);
    expect(listed).toMatchObject({ restart_suspended: true, running: false });
    expect((await orch.status(crashy)).orchestrator_state).toMatchObject({ warnings: expect.arrayContaining([expect.stringMatching(/^restarts suspended: it stopped 5 times within 10 min; automatic restarts resume at /)]) });
    const running = await inspectAll();
    expect(running.filter((v) => !v.running)).toEqual([]);
  });

  it(`brings every vPLC back after each of ${RESTARTS} restarts, counting none of them as crashes`, async () => {
    const figures: number[] = [];
    for (let round = 1; round <= RESTARTS; round++) {
      const crashyFinishedAt = (await engine.docker.getContainer(crashy).inspect()).State.FinishedAt;
      const back = await restartEngine();
      // The 15 s goal is a benchmark figure (P8, printed below); the bound here only catches a recovery that never comes.
      const all = await waitFor(inspectAll, (list) => list.every((v) => v.running), { timeoutMs: 60_000, intervalMs: 250, what: `all ${COUNT} vPLCs running after engine restart ${round}` });
      figures.push(Date.now() - back);
      expect(all).toHaveLength(COUNT);
      // The report follows the re-provisioning (a MAC check per vNIC, 4 at a time): on a loaded CI machine that took
      // over 15 s after the last start once. Like the bound above, this one only catches a report that never comes.
      await waitFor(() => outages.length, (n) => n === round, { timeoutMs: 90_000, what: `the report of outage ${round}` });
      const report = outages[round - 1];
      expect(report?.stopped).toEqual([...names].sort());
      expect(report?.recovered.map((r) => r.name)).toEqual([...names].sort());
      expect(report?.notRecovered).toEqual([]);
      for (const name of names) expect(await orchestratorState(name)).toMatchObject({ restarts_in_window: 0, restart_suspended: false });
      // The crash loop stays suspended across the restart and is not started by the recovery.
      expect(await orchestratorState(crashy)).toMatchObject({ restart_suspended: true, restarts_in_window: watchdog.maxRestarts });
      expect((await engine.docker.getContainer(crashy).inspect()).State.FinishedAt).not.toBe('');
      if (round === 1) expect((await engine.docker.getContainer(crashy).inspect()).State.FinishedAt).toBe(crashyFinishedAt);
    }
    // One more poll period: nothing restarts or suspends after the fact.
    await new Promise((r) => setTimeout(r, watchdog.pollMs * 2));
    for (const name of names) expect(await orchestratorState(name)).toMatchObject({ restarts_in_window: 0, restart_suspended: false });
    expect(outages).toHaveLength(RESTARTS);
    const sorted = [...figures].sort((a, b) => a - b);
    console.log(`engine back -> all ${COUNT} vPLCs running: p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms over ${RESTARTS} restarts`);
  }, 600_000);
});

describe('a create in flight when the engine stops', () => {
  it('ends in success or a clear error, and leaves nothing without an owner once the engine is back', async () => {
    const name = `vt-${run}-inflight`;
    const reported = outages.length;
    expect((await orch.create(spec(name, 60), 'cli')).status).toBe('creating');
    await waitFor(() => engine.docker.listContainers({ all: true, filters: { name: [name] } }), (l) => l.length > 0, { timeoutMs: 30_000, intervalMs: 50, what: 'the container of the create' });
    await restartEngine();
    await orch.settled(name);
    const s = await orch.status(name);
    expect(['success', 'error', 'not_found']).toContain(s.status);
    if (s.status === 'error') expect(String(s.error)).not.toBe('');
    // The recovery starts all 21 vPLCs again (about 15 s on a quiet machine, over 25 s on a loaded one): like the bound
    // above, this one only catches a recovery that never comes.
    await waitFor(() => outages.length, (n) => n > reported, { timeoutMs: 90_000, what: 'the recovery after the outage' });
    // Every container and network of this installation belongs to a vPLC the agent knows, or is the agent's own warm
    // ARP probe helper (the recovery's start probes use it; it carries no vPLC label and exits when idle).
    const known = new Set([...names, crashy, name].filter((n) => orch.desiredRecord(n) !== undefined));
    const containers = await engine.docker.listContainers({ all: true, filters: { label: [`${Label.instance}=${orch.installationId}`] } });
    for (const c of containers) expect(c.Labels[Label.role] === 'probe-helper' ? c.Labels[Label.vplc] === undefined : known.has(c.Labels[Label.vplc] ?? '')).toBe(true);
    if (s.status === 'success') expect((await engine.docker.getContainer(name).inspect()).State.Running).toBe(true);
    else expect(containers.some((c) => c.Labels[Label.vplc] === name)).toBe(s.status === 'error' && orch.desiredRecord(name) !== undefined);
    console.log(`create in flight across an engine restart ended as ${s.status}${s.status === 'error' ? `: ${String(s.error)}` : ''}`);
    await orch.delete(name, 'cli');
    await orch.settled(name);
  }, 180_000);
});

describe('engine restart with live-restore on', () => {
  it('the fix writes live-restore into the engine configuration, and a reload applies it', async () => {
    const change = await enableLiveRestore(engine.configFile);
    expect(change.changed).toBe(true);
    expect(JSON.parse(readFileSync(engine.configFile, 'utf8'))).toMatchObject({ 'live-restore': true });
    expect(await orch.hostWarnings()).toEqual(expect.arrayContaining([expect.stringMatching(/^Docker live-restore is off/)]));
    engine.reload();
    await waitFor(async () => (await engine.docker.info()) as { LiveRestoreEnabled?: boolean }, (i) => i.LiveRestoreEnabled === true, { timeoutMs: 10_000, what: 'LiveRestoreEnabled' });
    // A reload keeps the containers running.
    expect((await inspectAll()).every((v) => v.running)).toBe(true);
  });

  it('keeps the vPLCs running through a restart, and the agent follows the engine again', async () => {
    const before = await inspectAll();
    const reported = outages.length;
    await restartEngine();
    await waitFor(() => outages.length, (n) => n === reported + 1, { timeoutMs: 20_000, what: 'the report of the live-restore outage' });
    expect(outages[reported]).toMatchObject({ stopped: [], recovered: [], keptRunning: COUNT });
    expect(await inspectAll()).toEqual(before);
    expect((await orch.hostWarnings()).some((w) => w.startsWith('Docker live-restore is off'))).toBe(false);
    // Re-subscribed: a runtime that exits now is restarted by the watchdog, and counted as the crash it is.
    const victim = names[0] as string;
    expect((await orch.runCommand({ device_id: victim, method: 'POST', api: '/standin/exit', params: { code: 3 } })).status).toBe('success');
    const startedBefore = before[0]?.startedAt;
    await waitFor(async () => (await engine.docker.getContainer(victim).inspect()).State, (st) => st.Running && st.StartedAt !== startedBefore, { timeoutMs: 20_000, what: 'the watchdog restart' });
    expect(await orchestratorState(victim)).toMatchObject({ restarts_in_window: 1 });
  }, 180_000);
});

describe('the journal of a real agent', () => {
  it('records one entry per engine outage', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-engine-agent-'));
    const agent = spawnAgent(
      ['--no-cloud', '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-eng`, '--internal-pool', internalPoolFor(slot), '--runtime-image', STANDIN_REPO],
      { DOCKER_HOST: `unix://${engine.socketPath}`, VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_RUNTIME_DIR: dir },
    );
    try {
      const ready = await agent.ready;
      const client = await ApiClient.connect(ready.port, ready.token);
      try {
        const outageEntries = async (): Promise<Array<{ action: string; detail?: string }>> => {
          const r = await client.call('journal:list', { limit: 200 });
          return r.ok ? (r.value as Array<{ vplc: string; action: string; detail?: string }>).filter((e) => e.vplc === ENGINE_JOURNAL_NAME) : [];
        };
        // The orchestrator worker opens after the ready line; an engine that goes before that is waited for, not an outage.
        await waitFor(async () => (await client.call('agent:status', {})) as { ok: boolean; value?: { installationId: string } }, (r) => r.ok && r.value?.installationId !== '', { timeoutMs: 30_000, what: 'the orchestrator worker to open' });
        expect(await outageEntries()).toEqual([]);
        await restartEngine();
        const entries = await waitFor(outageEntries, (e) => e.length > 0, { timeoutMs: 30_000, what: 'the journal entry of the outage' });
        expect(entries).toEqual([expect.objectContaining({ action: 'engine-outage', detail: expect.stringMatching(/^Docker engine unavailable for \d+\.\d s .*no vPLC stopped/) })]);
      } finally {
        client.close();
      }
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('an agent that starts while the engine is down', () => {
  it('waits for the engine inside the orchestrator worker and says so, instead of crashing', async () => {
    await engine.stop();
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${engine.socketPath}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-engine-wait-'));
    const worker = new OrchestratorWorker();
    const logged: string[] = [];
    const note = (msg: string): void => void logged.push(msg);
    const api = { emit: () => undefined, request: () => Promise.reject(new Error('no bus here')), log: { debug: note, info: note, warn: note, error: note }, fail: (err: unknown) => note(`fail: ${String(err)}`) };
    try {
      await worker.start({ settings: testSettings(dir), sampleUsage: false }, api);
      const info = (await worker.handle('agent.info', {})) as { warnings: string[] };
      expect(info.warnings).toEqual([expect.stringMatching(/^Docker engine not answering since .*: connect (ENOENT|ECONNREFUSED)/)]);
      await expect(worker.handle('vplc.list', {})).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^Docker engine not answering/) });
      await engine.start();
      await waitFor(() => worker.handle('vplc.list', {}).catch(() => null), (v) => Array.isArray(v), { timeoutMs: 20_000, what: 'the orchestrator to open once the engine answers' });
      expect(((await worker.handle('agent.info', {})) as { installationId: string }).installationId).not.toBe('');
      expect(logged).toEqual(expect.arrayContaining(['Docker engine not answering; waiting for it', 'Docker engine answering; the orchestrator starts']));
    } finally {
      await worker.stop(2_000);
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
