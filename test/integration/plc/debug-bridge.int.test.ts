// The debug bridge of a real orchestrator on the real engine against the stand-in runtime CONTAINER's `/api/debug`
// (test/images/standin/): the runtime's first user and the stored credentials, a program running; run_command
// api:"debug" through the cloud adapter (session `http:<device>`) and the WebRTC path through `orch.debug`, over the
// container's internal address on 8443 with the certificate pinned; debug_start / info / get_list (values change) /
// set force (the forced value read back twice) and release (the counter moves again) / md5 / stop; the sessions gone
// with the stopped vPLC; each cloud force and release in the vPLC's journal (the orchestrator's events through the
// journal recorder, as the agent wires them) and in the agent log; no JWT or password in a log line.
// Runtime: about 30 s.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { Journal } from '../../../electron/core/journal/journal.js';
import { JournalRecorder } from '../../../electron/core/journal/recorder.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestratorTarget } from '../../../electron/workers/orchestrator/cloud/adapter.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { RunCommandRequest } from '../../../shared/cloud/topics.js';
import type { DebugReply } from '../../../shared/debug/types.js';
import { VplcChange } from '../../../shared/domain/operations.js';
import { storedZip } from '../../images/program-zip.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-dbg`;
const USER = 'debugger';
const PASSWORD = `Pw-dbg-${run}-never-logged`;
let fx: OrchestratorFixture;
let orch: Orchestrator;
let journal: Journal;
const logLines: string[] = [];
const rec = (level: string) => (msg: string, data?: Record<string, unknown>) => void logLines.push(`${level} ${msg} ${JSON.stringify(data ?? {})}`);
const log = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };

const cloud = () => orchestratorTarget({ orchestrator: orch, interfaces: { list: () => Promise.resolve([]) }, allowRemoteRemoval: () => false, removeSelf: () => Promise.resolve() });
const viaRunCommand = async (data: unknown): Promise<{ status: unknown; debug_response: DebugReply }> =>
  (await cloud().execute('run_command', RunCommandRequest.parse({ device_id: name, method: 'POST', api: 'debug', data }))) as { status: unknown; debug_response: DebugReply };
const viaWebrtc = (message: unknown): Promise<DebugReply> => orch.debug.handle({ session: 'webrtc:int-1', device_id: name, path: 'webrtc', message });

beforeAll(async () => {
  fx = await openOrchestrator({ stopTimeoutSec: 2, plc: { pollMs: 500 } }, { log });
  orch = fx.orch;
  journal = new Journal(path.join(fx.dataDir, 'journal'), { warn: () => undefined });
  await journal.open();
  const recorder = new JournalRecorder(journal);
  // As the agent: the worker's vplc.changed event (parsed at the bus), then the recorder.
  orch.onEvent((e) => {
    const detail = orch.outcomeDetail(e);
    recorder.event(VplcChange.parse({ kind: e.kind, name: e.name, ...(e.kind === 'changed' ? { reason: e.reason } : {}), ...(detail ? { detail } : {}) }));
  });
  expect((await orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  await orch.settled();
  await orch.startLifecycle({ sampleUsage: false, reconcile: false });
  expect((await orch.plc.actions.createFirstUser(name, { username: USER, password: PASSWORD }, 'ui')).outcome).toBe('verified');
  expect((await orch.plc.actions.setCredentials(name, { username: USER, password: PASSWORD }, 'ui')).outcome).toBe('verified');
  const zip = path.join(fx.dataDir, 'program.zip');
  writeFileSync(zip, storedZip({ 'src/configuration.cpp': '// configuration\n', 'src/Res0.cpp': '// resource\n' }));
  expect(await orch.plc.actions.upload(name, zip, 'ui')).toMatchObject({ state: 'SUCCESS' });
  await waitFor(() => orch.status(name), (s) => s.plc?.status === 'RUNNING', { timeoutMs: 20_000, what: 'the uploaded program running' });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('the debug bridge against the stand-in runtime container', () => {
  it('run_command api:"debug": start with the stored credentials, info, get_list twice, set, md5, stop', async () => {
    expect(await viaRunCommand({ type: 'debug_start' })).toEqual({ status: 'success', debug_response: { type: 'debug_connected' } });
    const info = await viaRunCommand('{"type":"debug_info"}');
    expect(info.debug_response).toMatchObject({ type: 'debug_info_response' });
    const count = info.debug_response.type === 'debug_info_response' ? info.debug_response.variable_count : 0;
    expect(count).toBeGreaterThan(0);
    const indexes = Array.from({ length: count }, (_, i) => i);
    const a = (await viaRunCommand({ type: 'debug_get_list', indexes })).debug_response;
    await new Promise((r) => setTimeout(r, 300));
    const b = (await viaRunCommand({ type: 'debug_get_list', indexes })).debug_response;
    expect(a.type).toBe('debug_values_response');
    expect(b.type).toBe('debug_values_response');
    if (a.type === 'debug_values_response' && b.type === 'debug_values_response') {
      expect(a.data).toMatch(/^[0-9A-F]{2}( [0-9A-F]{2})*$/);
      expect(b.tick).toBeGreaterThan(a.tick);
    }
    // COUNTER (INT, index 0) forced to 12345: two reads some scans apart both show the forced bytes (little-endian).
    const counter = async (): Promise<{ tick: number; data: string }> => {
      const r = (await viaRunCommand({ type: 'debug_get_list', indexes: [0] })).debug_response;
      if (r.type !== 'debug_values_response') throw new Error(`get_list: ${JSON.stringify(r)}`);
      return { tick: r.tick, data: r.data };
    };
    expect((await viaRunCommand({ type: 'debug_set', index: 0, force: true, value: '39 30' })).debug_response).toEqual({ type: 'debug_set_response', success: true });
    const f1 = await counter();
    await new Promise((r) => setTimeout(r, 300));
    const f2 = await counter();
    expect([f1.data, f2.data]).toEqual(['39 30', '39 30']);
    expect(f2.tick).toBeGreaterThan(f1.tick);
    expect((await viaRunCommand({ type: 'debug_set', index: 0, force: false, value: '00' })).debug_response).toEqual({ type: 'debug_set_response', success: true });
    // Released: the program counts again.
    const r1 = await counter();
    await new Promise((r) => setTimeout(r, 300));
    const r2 = await counter();
    expect(r2.tick).toBeGreaterThan(r1.tick);
    expect(r2.data).not.toBe(r1.data);
    expect((await viaRunCommand({ type: 'debug_get_list', indexes: [count] })).debug_response).toEqual({ type: 'debug_error', error: 'ERROR_OUT_OF_BOUNDS' });
    expect((await viaRunCommand({ type: 'debug_get_md5' })).debug_response).toMatchObject({ type: 'debug_md5_response', md5: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown });
    expect(await viaRunCommand({ type: 'debug_nope' })).toEqual({ status: 'success', debug_response: { type: 'debug_error', error: 'Unknown debug message type: debug_nope' } });
    expect((await viaRunCommand({ type: 'debug_stop' })).debug_response).toEqual({ type: 'debug_disconnected' });
    expect((await viaRunCommand({ type: 'debug_info' })).debug_response).toEqual({ type: 'debug_error', error: 'No active debug session. Send debug_start first.' });
  });

  it('the WebRTC path: wrong credentials refused, the right ones connect; a stopped vPLC closes the session', async () => {
    expect(await viaWebrtc({ type: 'debug_start', username: USER, password: 'wrong' })).toEqual({ type: 'debug_error', error: 'Authentication failed: HTTP 401' });
    expect(await viaWebrtc({ type: 'debug_start', device_id: name, username: USER, password: PASSWORD })).toEqual({ type: 'debug_connected' });
    expect(await viaWebrtc({ type: 'debug_info' })).toMatchObject({ type: 'debug_info_response' });
    expect(await viaWebrtc({ type: 'debug_set', index: 0, force: true, value: '39 30' })).toEqual({ type: 'debug_set_response', success: true });
    expect(await viaWebrtc({ type: 'debug_set', index: 0, force: false, value: '00' })).toEqual({ type: 'debug_set_response', success: true });
    expect(await orch.debug.hasDevice(name)).toBe(true);
    expect(await orch.debug.hasDevice(`${name}-none`)).toBe(false);
    expect(await orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    await waitFor(() => viaWebrtc({ type: 'debug_info' }), (r) => r.type === 'debug_error' && r.error.startsWith('No active debug session'), { timeoutMs: 5_000, what: 'the session closed with the stopped vPLC' });
  });

  it("each cloud force and release is in the vPLC's journal as the cloud's, and in the agent log", async () => {
    await journal.append({ vplc: 'marker', action: 'marker', requestedBy: 'agent', result: 'ok' });
    const forces = journal
      .list(200)
      .reverse()
      .filter((e) => e.action === 'plc-force')
      .map((e) => `${e.vplc} ${e.requestedBy} ${e.result} (${e.detail ?? ''})`);
    // The program has no debug map: the address names the variable.
    expect(forces).toEqual([
      `${name} cloud ok (variable 0:0 forced to 39 30 over run_command)`,
      `${name} cloud ok (variable 0:0 released over run_command)`,
      `${name} cloud ok (variable 0:0 forced to 39 30 over WebRTC session int-1)`,
      `${name} cloud ok (variable 0:0 released over WebRTC session int-1)`,
    ]);
    const logged = logLines.filter((l) => l.includes('by the cloud'));
    expect(logged).toHaveLength(4);
    expect(logged[2]).toBe(`info variable forced by the cloud {"vplc":"${name}","session":"webrtc:int-1","via":"webrtc","address":"0:0","value":"39 30"}`);
  });

  it('no log line carries the password or a JWT', () => {
    const all = logLines.join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
