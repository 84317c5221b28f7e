// Cuts the link 100 times from the server side while a create runs: afterwards exactly one heartbeat loop is alive,
// and the create started before the first cut completes and is visible through the cloud after reconnecting.
// Real TLS, real Socket.IO, real orchestrator and dockerd. Runtime: about 50-60 s on 2 cores (~0.5 s per cut and reconnect).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import { linkToSim, startSimCloud } from '../../support/cloud-link.js';
import type { CloudSim } from '../../cloud-sim/sim.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FAST_TIMING, sleep } from './harness.js';

requireDocker();

const HEARTBEAT_MS = 200;
const run = newRunId();
const name = `vt-${run}-cut`;
const tmp = tempDir('vplc-cut-');
let fx: OrchestratorFixture;
let sim: CloudSim;
let handle: CloudLinkHandle;

beforeAll(async () => {
  const cloud = await startSimCloud(tmp, '07048933');
  sim = cloud.sim;
  fx = await openOrchestrator();
  void fx.orch.startLifecycle();
  handle = await linkToSim(fx.orch, cloud, { timing: { ...FAST_TIMING, heartbeatMs: HEARTBEAT_MS } });
});

afterAll(async () => {
  await handle?.close();
  await sim?.close();
  await fx?.dispose();
  tmp.dispose();
});

describe('cutting the cloud link', () => {
  it('survives 100 cuts with one heartbeat loop, and a create started before them completes', async () => {
    const ack = (await sim.send('create_new_runtime', { correlation_id: 1, container_name: name, vnic_configs: [] })) as Record<string, unknown>;
    expect(ack).toMatchObject({ status: 'creating' });
    for (let i = 0; i < 100; i++) {
      await waitFor(() => ({ live: sim.connectedCount, seen: sim.connections.length }), (s) => s.live === 1 && s.seen === i + 1, { timeoutMs: 10_000, intervalMs: 5, what: `connection ${i + 1}` });
      sim.disconnectAll();
    }
    const last = await waitFor(() => ({ live: sim.connectedCount, seen: sim.connections.length }), (s) => s.live === 1 && s.seen === 101, { timeoutMs: 10_000, what: 'the reconnection after the last cut' });
    expect(last.seen).toBe(101);
    // The server counts the connection before the client has handled its own connect event: wait for the client too.
    const stats = await waitFor(() => handle.stats(), (st) => st.state === 'connected', { timeoutMs: 10_000, intervalMs: 20, what: 'the link connected on the agent side' });
    expect(stats).toMatchObject({ state: 'connected', activeHeartbeatLoops: 1, connects: 101 });

    const socketId = sim.connections[100]?.socketId;
    const from = sim.heartbeats.length;
    const window = 10 * HEARTBEAT_MS + HEARTBEAT_MS / 2;
    await sleep(window);
    const beats = sim.heartbeats.slice(from);
    // One loop, on the current socket: a duplicated loop would push the count over one beat per interval. Load can only
    // lower the count, so the lower bound is "alive", not a rate (rates are benchmark figures).
    expect(beats.every((b) => b.socketId === socketId && b.valid)).toBe(true);
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats.length).toBeLessThanOrEqual(11);

    const status = await waitFor(
      async () => (await sim.send('get_device_status', { correlation_id: 2, device_id: name })) as Record<string, unknown>,
      (s) => s['status'] !== 'creating',
      { timeoutMs: 60_000, what: 'the create to finish' },
    );
    expect(status).toMatchObject({ status: 'success', is_running: true });
  });
});
