/**
 * P14 — WebRTC sessions of the cloud link (docs/debug.md "WebRTC sessions"), on loopback. No goal: informational.
 * 1. time from sending `webrtc:offer` to an open `data` channel: a werift offerer signals through the cloud simulator
 *    over mutual TLS to the agent's link (in-process, real CloudLink + router + sessions), median over N; baseline: a
 *    bare werift offerer/answerer pair in the same process with the SDP handed over directly (the floor of werift).
 * 2. the built agent (spawned, cloud link up) with one vPLC of the stand-in runtime image, stored runtime credentials
 *    and an uploaded program running: RSS and CPU of its whole process tree with 0 sessions (werift not loaded) and
 *    with 5 open sessions, next to a bare idle Node process over the same windows; then `debug_get_list` of all
 *    variables over one session's `debug` channel vs the same message as run_command api:"debug" through the link
 *    (median and p95 of N each, alternating).
 * ICE servers are empty (no STUN traffic leaves the machine). Runtime: about 3 min full, 1 min quick.
 * Run alone: `npx tsx bench/p14-webrtc.ts [--quick]`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RTCPeerConnection, RTCSessionDescription } from 'werift';
import { storeCredentials } from '../electron/lib/certs/store.js';
import { startCloudLink } from '../electron/workers/cloudlink/start.js';
import { silentLogger } from '../electron/workers/cloudlink/types.js';
import type { DebugBridge } from '../shared/debug/types.js';
import { CloudSim } from '../test/cloud-sim/sim.js';
import { removeByLabels } from '../test/support/docker.js';
import { storedZip } from '../test/images/program-zip.js';
import { createPkiSet } from '../test/support/pki.js';
import { offerSession, type BrowserPeer } from '../test/support/webrtc-browser.js';
import { AgentApi, buildAgent, createRunning, idleFloor, startAgent, startCloud, waitCloud } from './agent-harness.js';
import { median, quantile, runAlone, sleep, type BenchOpts } from './common.js';
import { treeIdleCost } from './proc-tree.js';
import type { BenchResult, BenchRow } from './types.js';

/** A bare werift pair: offer → answer handed over in-process, ICE trickled directly; ms to the offerer's open channel. */
async function bareOpen(): Promise<number> {
  const a = new RTCPeerConnection({ iceServers: [], iceStunGatherTimeout: 0.2 });
  const b = new RTCPeerConnection({ iceServers: [], iceStunGatherTimeout: 0.2 });
  try {
    a.onIceCandidate.subscribe((c) => c?.candidate && void b.addIceCandidate(c).catch(() => undefined));
    b.onIceCandidate.subscribe((c) => c?.candidate && void a.addIceCandidate(c).catch(() => undefined));
    const dc = a.createDataChannel('data');
    const opened = new Promise<void>((resolve) => dc.stateChanged.subscribe((s) => s === 'open' && resolve()));
    await a.setLocalDescription(await a.createOffer());
    const t0 = performance.now();
    await b.setRemoteDescription(new RTCSessionDescription(a.localDescription?.sdp ?? '', 'offer'));
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(new RTCSessionDescription(b.localDescription?.sdp ?? '', 'answer'));
    await opened;
    return performance.now() - t0;
  } finally {
    await a.close();
    await b.close();
  }
}

/** Offer → open `data` through the simulator and the in-process link, N times; also the same N bare pairs. */
async function openLatency(n: number): Promise<{ link: number[]; bare: number[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-p14-'));
  const pki = await createPkiSet('07048933');
  const sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  const mtlsDir = path.join(dir, 'mtls');
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, pki.ca.cert);
  // The bench measures the WebRTC path: its bridge knows the one device and answers debug messages itself.
  const debug: DebugBridge = { handle: () => Promise.resolve({ type: 'debug_disconnected' }), close: () => Promise.resolve(), hasDevice: (d) => Promise.resolve(d === 'p14-plc') };
  const link = await startCloudLink({
    target: { execute: () => Promise.resolve({ status: 'success' }) },
    heartbeat: { latest: () => null, uptimeSeconds: () => 1 },
    mtlsDir,
    cloudUrl: sim.url,
    caFile,
    systemCaBundle: null,
    log: silentLogger,
    debug,
    webrtc: { iceServers: [] },
  });
  try {
    await sim.waitForConnection();
    const link_: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < n + 2; i++) {
      const p = await offerSession(sim, `p14-${i}`, 'p14-plc', i);
      const ms = await p.openMs();
      await sim.send('webrtc:disconnect', { correlation_id: i, session_id: `p14-${i}` });
      await p.close();
      const b = await bareOpen();
      // The first two warm up (werift's import, JIT).
      if (i >= 2) {
        link_.push(ms);
        bare.push(b);
      }
    }
    return { link: link_, bare };
  } finally {
    await link.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const DEVICE = 'vb-p14-0';
const USER = 'p14';
const PASSWORD = 'p14-bench-password';

type Json = Record<string, unknown>;
type Stats = { median: number; p95: number; max: number };
const stats = (xs: readonly number[]): Stats => ({ median: median(xs), p95: quantile(xs, 0.95), max: Math.max(...xs) });

/** Gives the vPLC a user and stored runtime credentials, uploads a program and starts it (the local API, as the UI does). */
async function preparePlc(api: AgentApi, dir: string): Promise<void> {
  await api.value('plc:create-user', { name: DEVICE, username: USER, password: PASSWORD });
  await api.value('plc:set-credentials', { name: DEVICE, username: USER, password: PASSWORD });
  const zip = path.join(dir, 'program.zip');
  writeFileSync(zip, storedZip({ 'src/configuration.cpp': '// configuration\n', 'src/Res0.cpp': '// resource\n' }));
  await api.value('plc:upload', { name: DEVICE, path: zip, confirm: true });
  await api.call('plc:start', { name: DEVICE, confirm: true });
}

/** One debug message as run_command api:"debug" through the simulator and the mTLS link; its debug_response. */
async function viaRunCommand(sim: CloudSim, correlationId: number, data: Json): Promise<Json> {
  const ack = (await sim.send('run_command', { correlation_id: correlationId, device_id: DEVICE, method: 'POST', api: 'debug', data }, 30_000)) as Json;
  const reply = ack['debug_response'];
  if (ack['status'] !== 'success' || typeof reply !== 'object' || reply === null) throw new Error(`run_command api:"debug" ${String(data['type'])} failed: ${JSON.stringify(ack).slice(0, 300)}`);
  return reply as Json;
}

/** Waits (up to 60 s) until the http path's debug session reads the running program; the variable count. */
async function waitDebuggable(sim: CloudSim): Promise<number> {
  let last: Json = {};
  for (let i = 0; i < 120; i++) {
    last = await viaRunCommand(sim, 9_000 + i, { type: 'debug_start' });
    if (last['type'] === 'debug_connected') {
      last = await viaRunCommand(sim, 9_500 + i, { type: 'debug_info' });
      const count = Number(last['variable_count'] ?? 0);
      if (last['type'] === 'debug_info_response' && count > 0) return count;
    }
    await sleep(500);
  }
  throw new Error(`the runtime's debug interface never answered with variables: ${JSON.stringify(last)}`);
}

/** Sends over the peer's `debug` channel and waits for the reply type; throws on anything else. */
async function viaDebugChannel(peer: BrowserPeer, message: Json, want: string): Promise<Json> {
  const reply = await peer.debug.request(message, (m) => m['type'] === want || m['type'] === 'debug_error', 30_000);
  if (reply['type'] !== want) throw new Error(`debug channel ${String(message['type'])}: ${JSON.stringify(reply).slice(0, 300)}`);
  return reply;
}

/**
 * debug_get_list of every variable, N times over each path, alternating (so drift hits both alike), after 5 warm-ups
 * each: over the WebRTC `debug` channel of `peer`, and as run_command api:"debug" through the cloud link.
 */
async function getListRtt(sim: CloudSim, peer: BrowserPeer, count: number, n: number): Promise<{ webrtc: number[]; http: number[] }> {
  await viaDebugChannel(peer, { type: 'debug_start' }, 'debug_connected');
  await viaDebugChannel(peer, { type: 'debug_info' }, 'debug_info_response');
  for (const [i, type] of [[8_000, 'debug_start'], [8_001, 'debug_info']] as const) {
    const r = await viaRunCommand(sim, i, { type });
    if (r['type'] === 'debug_error') throw new Error(`run_command ${type}: ${String(r['error'])}`);
  }
  const indexes = Array.from({ length: count }, (_, i) => i);
  const webrtc: number[] = [];
  const http: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    let t0 = performance.now();
    await viaDebugChannel(peer, { type: 'debug_get_list', indexes }, 'debug_values_response');
    const w = performance.now() - t0;
    t0 = performance.now();
    const r = await viaRunCommand(sim, 10_000 + i, { type: 'debug_get_list', indexes });
    const h = performance.now() - t0;
    if (r['type'] !== 'debug_values_response') throw new Error(`run_command debug_get_list: ${JSON.stringify(r).slice(0, 300)}`);
    if (i >= 5) {
      webrtc.push(w);
      http.push(h);
    }
  }
  return { webrtc, http };
}

/**
 * The built agent with one vPLC running a program (stored credentials): its process tree's RSS and CPU with 0 sessions
 * and with 5 open sessions, then debug_get_list over session 0's `debug` channel vs run_command api:"debug".
 */
async function agentPhase(windowS: number, settleS: number, n: number): Promise<{ rows: BenchRow[]; notes: string[] }> {
  buildAgent();
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-p14-agent-'));
  const settingsDir = path.join(dir, 'config', 'vplc-orchestrator');
  mkdirSync(settingsDir, { recursive: true });
  writeFileSync(path.join(settingsDir, 'settings.json'), JSON.stringify({ version: 1, cloud: { webrtc: { iceServers: [] } } }));
  const cloud = await startCloud(dir);
  const floor = idleFloor();
  const peers: BrowserPeer[] = [];
  let installation = '';
  const agent = await startAgent({ dir, cloudArgs: cloud.args, lockName: 'vb-p14-lock', internalPool: '198.19.208.0/20' });
  try {
    const api = await AgentApi.open(agent.port, agent.token);
    installation = await waitCloud(api);
    await createRunning(api, [DEVICE]);
    await preparePlc(api, dir);
    api.close();
    const count = await waitDebuggable(cloud.sim);
    await viaRunCommand(cloud.sim, 9_999, { type: 'debug_stop' });
    await sleep(settleS * 1000);
    const [zero, floor0] = await Promise.all([treeIdleCost(agent.pid, windowS), treeIdleCost(floor.pid as number, windowS)]);
    for (let i = 0; i < 5; i++) peers.push(await offerSession(cloud.sim, `p14-agent-${i}`, DEVICE, 100 + i));
    const refused = peers.find((p) => p.ack['status'] !== 'success');
    if (refused) throw new Error(`the agent refused an offer: ${JSON.stringify(refused.ack)}`);
    await Promise.all(peers.map((p) => p.data.next((m) => m['type'] === 'ready', 20_000)));
    await sleep(settleS * 1000);
    const [five, floor5] = await Promise.all([treeIdleCost(agent.pid, windowS), treeIdleCost(floor.pid as number, windowS)]);
    const first = peers[0];
    if (!first) throw new Error('no session');
    const rtt = await getListRtt(cloud.sim, first, count, n);
    const w = stats(rtt.webrtc);
    const h = stats(rtt.http);
    const rows: BenchRow[] = [
      { label: `debug_get_list (${count} vars) over WebRTC debug, median (N=${n})`, value: w.median, unit: 'ms', baseline: h.median, ratio: w.median / h.median },
      { label: 'debug_get_list over WebRTC debug, p95', value: w.p95, unit: 'ms', baseline: h.p95, ratio: w.p95 / h.p95 },
      { label: 'debug_get_list as run_command api:"debug" via link, median', value: h.median, unit: 'ms' },
      { label: 'debug_get_list as run_command api:"debug" via link, p95', value: h.p95, unit: 'ms' },
      { label: `agent tree RSS, 0 sessions (werift not loaded; ${zero.processes} processes)`, value: zero.rss, unit: 'MB', baseline: floor0.rss, ratio: zero.rss / floor0.rss },
      { label: 'agent tree CPU, 0 sessions, % of one core', value: zero.cpuPercent, unit: '%', baseline: floor0.cpuPercent },
      { label: `agent tree RSS, 5 open sessions (${five.processes} processes)`, value: five.rss, unit: 'MB', baseline: zero.rss, ratio: five.rss / zero.rss },
      { label: 'agent tree CPU, 5 open sessions, % of one core', value: five.cpuPercent, unit: '%', baseline: floor5.cpuPercent },
      { label: 'agent tree CPU, 5 sessions minus 0 sessions', value: five.cpuPercent - zero.cpuPercent, unit: '%' },
    ];
    const notes = [
      `debug_get_list: one vPLC of the stand-in runtime image running an uploaded program, stored runtime credentials (debug_start without any), all ${count} variables per call; both paths alternate call by call, 5 warm-ups each, measured with 5 WebRTC sessions open; baseline of the WebRTC rows = the run_command api:"debug" path (simulator → mTLS link → bus → the same bridge) in the same run`,
      `RSS and CPU: the agent's whole process tree (/proc, descendants included), ${windowS} s windows each after ${settleS} s of settling, the vPLC running its program; the 5 sessions have data and debug open but idle (no debug_start); 0-session RSS baseline and CPU baselines = a bare idle Node process over the same windows; 5-session RSS baseline = the same agent with 0 sessions`,
    ];
    return { rows, notes };
  } finally {
    for (const p of peers) await p.close().catch(() => undefined);
    await agent.stop();
    floor.kill('SIGKILL');
    await cloud.sim.close();
    if (installation) await removeByLabels({ instance: installation });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: BenchOpts = { quick: false }): Promise<BenchResult> {
  const n = opts.quick ? 5 : 20;
  const { link, bare } = await openLatency(n);
  const linkMs = median(link);
  const bareMs = median(bare);
  const agentRun = await agentPhase(opts.quick ? 10 : 30, opts.quick ? 5 : 30, opts.quick ? 20 : 200);
  return {
    id: 'p14-webrtc',
    title: 'WebRTC sessions: offer to open data channel on loopback; debug_get_list over WebRTC vs run_command; agent cost with 0 and 5 sessions',
    rows: [
      { label: `webrtc:offer → data open, median (N=${n}, via simulator + mTLS link)`, value: linkMs, unit: 'ms', baseline: bareMs, ratio: linkMs / bareMs },
      { label: 'webrtc:offer → data open, max', value: Math.max(...link), unit: 'ms', baseline: Math.max(...bare) },
      ...agentRun.rows,
    ],
    notes: [
      'baseline of the open time = a bare werift offerer/answerer pair in one process, SDP and ICE handed over directly (same run, same N)',
      'ICE servers empty; with the default STUN servers unreachable, iceStunGatherTimeout (200 ms) bounds the extra wait (test/integration/tls/webrtc.int.test.ts prints it)',
      ...agentRun.notes,
      'no goal: informational (docs/testing.md P14)',
    ],
  };
}

runAlone(import.meta.url, async (o) => [await run(o)]);
