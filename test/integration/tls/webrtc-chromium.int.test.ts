// Chromium as the real browser peer of a WebRTC session (docs/debug.md "WebRTC sessions"): a test page on 127.0.0.1
// offers `data` and `debug`; the test relays offer, answer and ICE between the page and the cloud simulator, which
// reaches the agent over the real mTLS link; the agent runs a real orchestrator with the stand-in runtime on dockerd.
// run_command over data (incl. a > 15,000-char response chunked and reassembled by the page), the debug channel, then
// webrtc:disconnect. The debug_start / get_list / set / stop steps need the runtime debug client and the stand-in's
// /api/debug (docs/debug.md; the BLINK program: index 0 COUNTER, 1 LAMP); until the client is in, that test is skipped.
// Runtime: about 15-25 s on 2 cores (one vPLC create, Chromium start).
import { storedZip } from '../../images/program-zip.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import type { DebugBridge } from '../../../shared/debug/types.js';
import type { CloudSim } from '../../cloud-sim/sim.js';
import { launchChromium, QUIET_CHROMIUM } from '../../support/browser.js';
import { linkToSim, startSimCloud } from '../../support/cloud-link.js';
import { removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireChromium, requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { servePeerPage, type PageServer } from '../../support/webrtc-page.js';
import { FAST_TIMING } from './harness.js';

requireDocker();
requireRoot();
requireChromium();

const run = newRunId();
const name = `vt-${run}-crtc`;
const sessionId = `chromium-${run}`;
const tmp = tempDir('vplc-webrtc-chromium-');
let fx: OrchestratorFixture;
let sim: CloudSim;
let handle: CloudLinkHandle;
let server: PageServer;
let browser: Browser;
let page: Page;
let cid = 0;
let token = '';

type Json = Record<string, unknown>;
const send = async (topic: string, payload: Json, timeoutMs = 15_000): Promise<Json> => (await sim.send(topic, { correlation_id: ++cid, ...payload }, timeoutMs)) as Json;

/** Sends on a page channel and waits for the first message after it that matches. */
async function request(label: 'data' | 'debug', message: Json, match: Json, timeoutMs = 20_000): Promise<Json> {
  const from = await page.evaluate((l) => (globalThis as unknown as { rtc: { messages: Record<string, unknown[]> } }).rtc.messages[l]?.length ?? 0, label);
  await page.evaluate(([l, m]) => (globalThis as unknown as { sendMessage: (l: string, m: unknown) => number }).sendMessage(l as string, m), [label, message] as const);
  const handleJs = await page.waitForFunction(
    ([l, f, want]) => {
      const list = (globalThis as unknown as { rtc: { messages: Record<string, Array<Record<string, unknown>>> } }).rtc.messages[l as string] ?? [];
      return list.slice(f as number).find((m) => Object.entries(want as Record<string, unknown>).every(([k, v]) => m[k] === v)) ?? null;
    },
    [label, from, match] as const,
    { timeout: timeoutMs, polling: 50 },
  );
  return (await handleJs.jsonValue()) as Json;
}

const run_command = (correlation_id: number, api: string, extra: Json = {}): Json => ({ type: 'run_command', correlation_id, device_id: name, method: 'GET', api, ...extra });

beforeAll(async () => {
  const cloud = await startSimCloud(tmp, '07048933');
  sim = cloud.sim;
  fx = await openOrchestrator({ runCommand: { timeoutMs: 10_000 } });
  void fx.orch.startLifecycle();
  const orch = fx.orch;
  const debug: DebugBridge = orch.debug;
  handle = await linkToSim(orch, cloud, { timing: FAST_TIMING, debug, webrtc: { iceServers: [] } });
  expect(await send('create_new_runtime', { container_name: name, vnic_configs: [] })).toMatchObject({ status: 'creating' });
  await waitFor(() => send('get_device_status', { device_id: name }), (a) => a['status'] === 'success', { timeoutMs: 90_000, what: 'the vPLC to run' });
  await waitFor(() => send('run_command', { device_id: name, method: 'GET', api: '/api/version' }), (a) => a['status'] === 'success', { timeoutMs: 60_000, what: 'the runtime API' });
  server = await servePeerPage();
  browser = await launchChromium([...QUIET_CHROMIUM, '--disable-features=WebRtcHideLocalIpsWithMdns']);
  page = await browser.newPage();
  await page.goto(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await handle?.close();
  await sim?.close();
  await removeByLabels({ run });
  await fx?.dispose();
  tmp.dispose();
});

describe('Chromium as the WebRTC peer through the cloud simulator', () => {
  it('offers, gets the answer and ICE through the simulator, and opens data (ready) and debug (debug_ready)', async () => {
    let answered = false;
    const early: Json[] = [];
    const relayToPage = (c: Json): Promise<void> => page.evaluate((x) => (globalThis as unknown as { addRemoteCandidate: (c: unknown) => Promise<void> }).addRemoteCandidate(x), c).catch(() => undefined);
    const unsubscribe = sim.onAgentEvent((r) => {
      const p = r.payload as Json;
      if (r.event !== 'webrtc:ice' || p['session_id'] !== sessionId) return;
      if (answered) void relayToPage(p);
      else early.push(p);
    });
    try {
      const offer = await page.evaluate(() => (globalThis as unknown as { startOffer: () => Promise<string> }).startOffer());
      const started = performance.now();
      const ack = await send('webrtc:offer', { session_id: sessionId, device_id: name, sdp: offer, sdp_type: 'offer' });
      expect(ack).toMatchObject({ action: 'webrtc:offer', status: 'success', session_id: sessionId, sdp_type: 'answer' });
      await page.evaluate((sdp) => (globalThis as unknown as { acceptAnswer: (s: string) => Promise<void> }).acceptAnswer(sdp), String(ack['sdp']));
      answered = true;
      for (const c of early.splice(0)) await relayToPage(c);
      // The page's own candidates go to the agent as webrtc:ice.
      const relayed = new Set<string>();
      await waitFor(
        async () => {
          const cands = await page.evaluate(() => (globalThis as unknown as { rtc: { candidates: Json[] } }).rtc.candidates);
          for (const c of cands) {
            const key = String(c['candidate']);
            if (relayed.has(key)) continue;
            relayed.add(key);
            expect(await send('webrtc:ice', { session_id: sessionId, ...c })).toMatchObject({ status: 'success', session_id: sessionId });
          }
          return page.evaluate(() => (globalThis as unknown as { rtc: { open: Record<string, boolean> } }).rtc.open);
        },
        (o) => o['data'] === true && o['debug'] === true,
        { timeoutMs: 20_000, intervalMs: 50, what: 'both channels to open in Chromium' },
      );
      console.log(`webrtc (chromium): offer to both channels open ${Math.round(performance.now() - started)} ms`);
      expect(await send('webrtc:ice', { session_id: sessionId, candidate: '' })).toMatchObject({ status: 'success', message: 'End of candidates acknowledged' });
      await page.waitForFunction(() => {
        const m = (globalThis as unknown as { rtc: { messages: Record<string, Json[]> } }).rtc.messages;
        return m['data']?.some((x) => x['type'] === 'ready') && m['debug']?.some((x) => x['type'] === 'debug_ready');
      });
    } finally {
      unsubscribe();
    }
  });

  it('runs run_command over data, incl. a > 15,000-char response the page reassembles from chunks', async () => {
    expect(await request('data', run_command(1, '/api/version'), { type: 'command_response', correlation_id: 1 })).toMatchObject({ status: 'success', http_response: { status_code: 200 } });
    const json = { 'Content-Type': 'application/json' };
    await request('data', run_command(2, '/api/create-user', { method: 'POST', headers: json, data: { username: 'admin', password: 'secret' } }), { type: 'command_response', correlation_id: 2 });
    const login = await request('data', run_command(3, '/api/login', { method: 'POST', headers: json, data: { username: 'admin', password: 'secret' } }), { type: 'command_response', correlation_id: 3 });
    token = String(((login['http_response'] as Json)['body'] as Json)['access_token']);
    const auth = { Authorization: `Bearer ${token}` };
    // Each start without a program logs three errors: the runtime log grows past 15,000 characters.
    for (let i = 0; i < 60; i++) await send('run_command', { device_id: name, method: 'GET', api: '/api/start-plc', headers: auth });
    const logs = await request('data', run_command(4, '/api/runtime-logs', { headers: auth }), { type: 'command_response', correlation_id: 4 });
    expect(logs).toMatchObject({ status: 'success', http_response: { status_code: 200 } });
    expect(JSON.stringify(logs).length).toBeGreaterThan(15_000);
    const frames = await page.evaluate(() => (globalThis as unknown as { rtc: { frames: Record<string, Json[]> } }).rtc.frames['data'] ?? []);
    expect(frames.some((f) => f['type'] === 'chunk_start')).toBe(true);
    expect(frames.some((f) => f['type'] === 'chunk_end')).toBe(true);
  });

  it('answers the debug channel through the bridge (a debug_error before debug_start)', async () => {
    const expected = 'No active debug session. Send debug_start first.';
    expect(await request('debug', { type: 'debug_get_md5' }, { type: 'debug_error' })).toEqual({ type: 'debug_error', error: expected });
  });

  it('runs debug_start / debug_get_list / debug_set force+release / debug_stop against the runtime', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const zip = storedZip({ 'configuration.cpp': '// ok', 'res0.cpp': '// ok' }).toString('base64');
    const up = await request('data', run_command(10, '/api/upload-file', { method: 'POST', headers: auth, files: { file: { filename: 'program.zip', content_base64: zip, content_type: 'application/zip' } } }), { type: 'command_response', correlation_id: 10 });
    expect(up).toMatchObject({ status: 'success' });
    await waitFor(() => send('run_command', { device_id: name, method: 'GET', api: '/api/compilation-status', headers: auth }), (a) => ((a['http_response'] as Json | undefined)?.['body'] as Json | undefined)?.['status'] === 'SUCCESS', { timeoutMs: 30_000, what: 'the program to compile' });
    await send('run_command', { device_id: name, method: 'GET', api: '/api/start-plc', headers: auth });
    expect(await request('debug', { type: 'debug_start', username: 'admin', password: 'secret' }, { type: 'debug_connected' })).toEqual({ type: 'debug_connected' });
    const info = await request('debug', { type: 'debug_info' }, { type: 'debug_info_response' });
    expect(Number(info['variable_count'])).toBeGreaterThan(0);
    const first = await request('debug', { type: 'debug_get_list', indexes: [0] }, { type: 'debug_values_response' });
    await new Promise((r) => setTimeout(r, 200));
    const second = await request('debug', { type: 'debug_get_list', indexes: [0] }, { type: 'debug_values_response' });
    expect(second['tick']).not.toEqual(first['tick']);
    expect(await request('debug', { type: 'debug_set', index: 1, force: true, value: '01' }, { type: 'debug_set_response' })).toEqual({ type: 'debug_set_response', success: true });
    expect(await request('debug', { type: 'debug_set', index: 1, force: false }, { type: 'debug_set_response' })).toEqual({ type: 'debug_set_response', success: true });
    expect(await request('debug', { type: 'debug_stop' }, { type: 'debug_disconnected' })).toEqual({ type: 'debug_disconnected' });
  });

  it('webrtc:disconnect closes the session; Chromium sees both channels close', async () => {
    expect(await send('webrtc:disconnect', { session_id: sessionId, reason: 'done' })).toMatchObject({ status: 'success', message: 'Session closed', session_id: sessionId });
    await page.waitForFunction(() => {
      const c = (globalThis as unknown as { rtc: { closed: Record<string, boolean> } }).rtc.closed;
      return c['data'] && c['debug'];
    }, undefined, { timeout: 20_000 });
    expect(handle.webrtc?.has(sessionId)).toBe(false);
  });
});
