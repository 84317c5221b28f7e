// The run_command allow-list guards the WebRTC `debug` channel too (docs/debug.md "Cloud debug messages",
// docs/cloud-hardening.md): a real werift "browser" signals through the cloud simulator over the real mTLS link; the
// link's debug bridge is the agent's own gate (GuardedDebugBridge) around the real runtime bridge and sessions, which
// log in to a Socket.IO runtime stand-in over TLS. Without an /api/debug entry, debug_start over the debug channel is
// refused and the runtime sees no login and no /api/debug connection; with the entry, the same message connects. Then a
// real orchestrator opened with such an allow-list refuses the WebRTC path through `orch.debug` (the wiring).
// Runtime: a few seconds (no container).
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../electron/workers/cloudlink/types.js';
import { startCloudLink, type CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import { RuntimeDebugBridge } from '../../../electron/workers/orchestrator/debug/bridge.js';
import { GuardedDebugBridge } from '../../../electron/workers/orchestrator/debug/guarded.js';
import { DebugSessionRegistry } from '../../../electron/workers/orchestrator/debug/sessions.js';
import { DEBUG_NOT_ALLOWED } from '../../../electron/workers/orchestrator/runtime/proxy.js';
import { InMemoryTlsPinStore } from '../../../electron/workers/orchestrator/runtime/tls-pin.js';
import type { AllowListEntry } from '../../../electron/workers/orchestrator/runtime/types.js';
import type { CloudSim } from '../../cloud-sim/sim.js';
import { startSimCloud } from '../../support/cloud-link.js';
import { FakeDebugRuntime } from '../../support/debug-runtime.js';
import { openOrchestrator } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';
import { offerSession, type BrowserPeer } from '../../support/webrtc-browser.js';
import { testCerts } from '../../unit/electron/workers/orchestrator/runtime/helpers.js';
import { echoTarget, FAST_TIMING } from './harness.js';

requireDocker();

type Json = Record<string, unknown>;
const run = newRunId();
const device = `vt-${run}-guard`;
const tmp = tempDir('vplc-debug-guard-');
const STATUS_ONLY: AllowListEntry[] = [{ method: 'GET', pathPrefix: '/api/status' }];
let allowList: AllowListEntry[] = STATUS_ONLY;
let sim: CloudSim;
let handle: CloudLinkHandle;
let runtime: FakeDebugRuntime;
let bridge: RuntimeDebugBridge;
let cid = 0;
let sid = 0;
const peers: BrowserPeer[] = [];
const cert = testCerts(1);

const open = async (): Promise<BrowserPeer> => {
  const p = await offerSession(sim, `guard-${run}-${++sid}`, device, ++cid);
  peers.push(p);
  expect(p.ack).toMatchObject({ status: 'success' });
  await p.debug.opened;
  await p.debug.next((m) => m['type'] === 'debug_ready');
  return p;
};
const isDebugReply = (m: Json): boolean => m['type'] === 'debug_error' || m['type'] === 'debug_connected';

beforeAll(async () => {
  const c = cert(0);
  runtime = await new FakeDebugRuntime({ host: `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`, port: 8443, tls: { key: c.key, cert: c.cert } }).start();
  const sessions = new DebugSessionRegistry({
    target: (v) => Promise.resolve(v === device ? { internalIp: runtime.address.host } : null),
    pins: new InMemoryTlsPinStore(),
    storedCredentials: () => ({ username: 'user', password: 'secret' }),
    timings: { connectMs: 3_000, commandMs: 1_000 },
  });
  bridge = new RuntimeDebugBridge({ sessions, hasDevice: (d) => Promise.resolve(d === device), now: () => Date.now(), timings: { idleMs: 300_000, sweepMs: 60_000 } });
  const cloud = await startSimCloud(tmp, '07048934');
  sim = cloud.sim;
  handle = await startCloudLink({
    target: echoTarget,
    heartbeat: { latest: () => null, uptimeSeconds: () => 1 },
    mtlsDir: cloud.mtlsDir,
    cloudUrl: sim.url,
    caFile: cloud.caFile,
    systemCaBundle: null,
    log: silentLogger,
    timing: FAST_TIMING,
    debug: new GuardedDebugBridge(bridge, () => allowList),
    webrtc: { iceServers: [] },
  });
  await sim.waitForConnection();
});

afterAll(async () => {
  for (const p of peers) await p.close().catch(() => undefined);
  await handle?.close();
  await sim?.close();
  await bridge?.closeAll();
  await runtime?.close();
  tmp.dispose();
});

describe('the WebRTC debug channel behind the run_command allow-list', () => {
  it('without an /api/debug entry, debug_start over the debug channel is refused and the runtime sees nothing', async () => {
    allowList = STATUS_ONLY;
    const p = await open();
    expect(await p.debug.request({ type: 'debug_start' }, isDebugReply)).toEqual({ type: 'debug_error', error: DEBUG_NOT_ALLOWED });
    expect(await p.debug.request({ type: 'debug_set', index: 1, force: true, value: '01' }, isDebugReply)).toEqual({ type: 'debug_error', error: DEBUG_NOT_ALLOWED });
    expect(runtime.logins).toBe(0);
    expect(runtime.openSockets).toBe(0);
  });

  it('with the entry, the same debug_start connects to the runtime', async () => {
    allowList = [...STATUS_ONLY, { pathPrefix: '/api/debug', ports: [8443] }];
    const p = await open();
    expect(await p.debug.request({ type: 'debug_start' }, isDebugReply)).toEqual({ type: 'debug_connected' });
    expect(runtime.logins).toBe(1);
    expect(runtime.openSockets).toBe(1);
  });

  it("the orchestrator's debug bridge (what the debug channel reaches in the agent) applies its allow-list", async () => {
    const fx = await openOrchestrator({ runCommand: { allowList: STATUS_ONLY } });
    try {
      const reply = await fx.orch.debug.handle({ session: 'webrtc:guard-orch', device_id: device, path: 'webrtc', message: { type: 'debug_start' } });
      expect(reply).toEqual({ type: 'debug_error', error: DEBUG_NOT_ALLOWED });
    } finally {
      await fx.dispose();
    }
  });
});
